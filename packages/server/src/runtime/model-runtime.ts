import { openModel } from '@modelyard/sdk';
import type { Columns, MlModel, ModelInput, ModelSignature, OpenedModel, Prediction } from '@modelyard/sdk';
import { RequestCoalescer } from './request-coalescer.js';

/** A model URI resolved to a local folder holding its MLmodel file and ONNX graph. */
export interface ResolvedModelFiles {
  /** The URI as asked for (`models:/x@champion`, `runs:/…`, a folder). */
  uri: string;
  /** Registered model name and version, when the URI names a registry version. */
  name?: string;
  version?: string;
  runId?: string;
  localDir: string;
}

/** Where models come from: the SDK client (CLI) or the server's own registry (in process). */
export interface ModelSource {
  /**
   * Finds the model a URI names now and makes its files available locally. Implementations
   * keep downloaded versions on disk, so resolving a version already fetched is cheap.
   */
  resolve(uri: string): Promise<ResolvedModelFiles>;
}

export interface ModelRuntimeOptions {
  source: ModelSource;
  /** ONNX Runtime intra-op threads per session (default 1: serving runs many small requests). */
  intraOpNumThreads?: number;
  /** How many opened models stay cached when unused (default 8). */
  cacheSize?: number;
}

/** An opened model. Call `close()` when done with it; the session is freed once nobody holds it. */
export interface LoadedRuntimeModel {
  /** The URI it was loaded from. */
  uri: string;
  name?: string;
  version?: string;
  runId?: string;
  localDir: string;
  mlmodel: MlModel;
  signature?: ModelSignature;
  /** True when the graph has a `probabilities` output (Modelyard's classifier convention). */
  isClassifier: boolean;
  /** Class labels in `probabilities` column order, when the model says them. */
  classLabels?: Array<string | number>;
  /** Checks the input against the signature (ModelInputError naming the column) and runs the graph. */
  predict(input: ModelInput): Promise<Prediction>;
  predictColumns(columns: Columns, rows: number): Promise<Prediction>;
  /**
   * Like `predictColumns`, but runs together with the other requests of this event-loop turn on
   * the same model (see RequestCoalescer): for servers answering many small concurrent requests.
   */
  predictCoalesced(columns: Columns, rows: number): Promise<Prediction>;
  close(): Promise<void>;
}

interface CacheEntry {
  key: string;
  opened: Promise<OpenedModel>;
  files: ResolvedModelFiles;
  refs: number;
  cached: boolean;
  coalescer?: RequestCoalescer;
}

/**
 * The one model runtime of serving, batch scoring and pipeline `evaluate` tasks: resolves a URI
 * through its source, opens the ONNX graph once per model version (or folder) and shares the
 * session among callers. Evicting a model from the cache never frees a session someone still
 * holds; the last `close()` does.
 */
export class ModelRuntime {
  private readonly source: ModelSource;
  private readonly threads: number;
  private readonly cacheSize: number;
  /** Insertion-ordered: the first unreferenced entry is the least recently loaded one. */
  private readonly cache = new Map<string, CacheEntry>();

  constructor(opts: ModelRuntimeOptions) {
    this.source = opts.source;
    this.threads = opts.intraOpNumThreads ?? 1;
    this.cacheSize = Math.max(0, opts.cacheSize ?? 8);
  }

  /** Resolves the URI now and opens (or reuses) the model it names. */
  async load(uri: string): Promise<LoadedRuntimeModel> {
    const files = await this.source.resolve(uri);
    return this.open(files);
  }

  /** Opens (or reuses) an already resolved model. */
  async open(files: ResolvedModelFiles): Promise<LoadedRuntimeModel> {
    const key = files.name !== undefined && files.version !== undefined ? `models:/${files.name}/${files.version}` : `dir:${files.localDir}`;
    let entry = this.cache.get(key);
    if (entry) {
      this.cache.delete(key);
      this.cache.set(key, entry);
    } else {
      const opened = openModel(files.localDir, { intraOpNumThreads: this.threads, uri: files.uri });
      entry = { key, opened, files, refs: 0, cached: true };
      this.cache.set(key, entry);
      // A failed open must not stay cached: the next load tries again.
      opened.catch(() => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      });
    }
    entry.refs++;
    let model: OpenedModel;
    try {
      model = await entry.opened;
    } catch (e) {
      entry.refs--;
      throw e;
    }
    this.evict();
    return this.handle(entry, model, files);
  }

  /** Frees every cached session nobody holds. */
  async clear(): Promise<void> {
    const idle = [...this.cache.values()].filter((e) => e.refs === 0);
    for (const e of this.cache.values()) e.cached = false;
    this.cache.clear();
    await Promise.all(idle.map((e) => this.release(e)));
  }

  /** ONNX Runtime intra-op threads of the sessions it opens (batch scoring's inference worker opens its own with the same). */
  get intraOpNumThreads(): number {
    return this.threads;
  }

  /** Number of models cached (held or idle). */
  get size(): number {
    return this.cache.size;
  }

  private handle(entry: CacheEntry, model: OpenedModel, files: ResolvedModelFiles): LoadedRuntimeModel {
    let closed = false;
    const isClassifier = model.outputNames.includes('probabilities');
    return {
      uri: files.uri,
      ...(files.name !== undefined ? { name: files.name } : {}),
      ...(files.version !== undefined ? { version: files.version } : {}),
      ...(files.runId !== undefined ? { runId: files.runId } : {}),
      localDir: files.localDir,
      mlmodel: model.mlmodel,
      ...(model.mlmodel.signature ? { signature: model.mlmodel.signature } : {}),
      isClassifier,
      ...(isClassifier ? classLabelsOf(model.mlmodel) : {}),
      predict: (input) => model.predict(input),
      predictColumns: (columns, rows) => model.predictColumns(columns, rows),
      predictCoalesced: (columns, rows) => (entry.coalescer ??= new RequestCoalescer((c, r) => model.predictColumns(c, r))).run(columns, rows),
      close: async () => {
        if (closed) return;
        closed = true;
        entry.refs--;
        if (entry.refs === 0 && !entry.cached) await this.release(entry);
        else this.evict();
      },
    };
  }

  private evict(): void {
    if (this.cache.size <= this.cacheSize) return;
    for (const entry of this.cache.values()) {
      if (this.cache.size <= this.cacheSize) break;
      if (entry.refs > 0) continue;
      this.cache.delete(entry.key);
      entry.cached = false;
      void this.release(entry);
    }
  }

  private async release(entry: CacheEntry): Promise<void> {
    try {
      await (await entry.opened).close();
    } catch {
      // A session that failed to open has nothing to free.
    }
  }
}

/**
 * Class labels, when the MLmodel's output signature names them: a `classes` entry in the
 * onnx flavor (written by exporters that know them), else none — predictions are then the
 * graph's own label values and probabilities are in label order 0..k-1.
 */
function classLabelsOf(mlmodel: MlModel): { classLabels?: Array<string | number> } {
  const classes = mlmodel.flavors.onnx?.classes;
  if (Array.isArray(classes) && classes.every((c) => typeof c === 'string' || typeof c === 'number')) return { classLabels: classes };
  return {};
}
