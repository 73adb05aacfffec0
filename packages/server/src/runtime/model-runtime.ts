import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMlmodel, toColumns } from '@modelyard/sdk';
import type { Columns, MlModel, ModelInput, ModelSignature, Prediction } from '@modelyard/sdk';
import { chooseRuntime } from './model-flavor.js';
import type { FlavorChoice } from './model-flavor.js';
import { openOnnxModel } from './onnx/onnx-model.js';
import { openPythonModel } from './python/python-model.js';
import type { PythonRuntimeOptions } from './python/python-model.js';
import type { PredictOptions, PythonModelInfo, RuntimeBackend, RuntimeKind } from './runtime-backend.js';

/** A model URI resolved to a local folder holding its MLmodel file and ONNX graph. */
export interface ResolvedModelFiles {
  /** The URI as asked for (`models:/x@champion`, `runs:/…`, a folder). */
  uri: string;
  /** Registered model name and version, when the URI names a registry version. */
  name?: string;
  version?: string;
  runId?: string;
  localDir: string;
  /** The registry server the version came from, when not this process's own (a central registry). */
  registryUri?: string;
}

/** Where a `models:/<name>/…` URI is looked up: another registry server than the process's own. */
export interface ResolveOptions {
  registryUri?: string;
}

/** Where models come from: the SDK client (CLI) or the server's own registry (in process). */
export interface ModelSource {
  /**
   * Finds the model a URI names now and makes its files available locally. Implementations
   * keep downloaded versions on disk, so resolving a version already fetched is cheap.
   */
  resolve(uri: string, opts?: ResolveOptions): Promise<ResolvedModelFiles>;
}

export interface ModelRuntimeOptions {
  source: ModelSource;
  /** ONNX Runtime intra-op threads per session (default 1: serving runs many small requests). */
  intraOpNumThreads?: number;
  /** How many opened models stay cached when unused (default 8). */
  cacheSize?: number;
  /** Which flavor runs a model that has both onnx and python_function (default `auto`: ONNX). */
  flavor?: FlavorChoice;
  /** How python_function models run: environment, interpreter, pool size, timeouts, idle stop. */
  python?: PythonRuntimeOptions;
}

/** See `idleStopMs`: long enough for a job's evaluate then batch_score tasks to share one pool. */
export const DEFAULT_IDLE_STOP_MS = 600_000;

/** An opened model. Call `close()` when done with it; the session is freed once nobody holds it. */
export interface LoadedRuntimeModel {
  /** Which runtime runs it (callers never need to know; batch scoring's ONNX worker thread does). */
  runtime: RuntimeKind;
  /** For a Python model: its loader, interpreter and worker processes. */
  python?: PythonModelInfo;
  /** The URI it was loaded from. */
  uri: string;
  name?: string;
  version?: string;
  runId?: string;
  localDir: string;
  mlmodel: MlModel;
  signature?: ModelSignature;
  /** True for a graph with a `probabilities` output (Modelyard's classifier convention) or a Python model with `predict_proba`. */
  isClassifier: boolean;
  /** Class labels in `probabilities` column order, when the model says them. */
  classLabels?: Array<string | number>;
  /** Checks the input against the signature (ModelInputError naming the column) and runs the model. */
  predict(input: ModelInput, options?: PredictOptions): Promise<Prediction>;
  predictColumns(columns: Columns, rows: number, options?: PredictOptions): Promise<Prediction>;
  /**
   * Like `predictColumns`, but merged with other concurrent requests on the same model (ONNX:
   * those of this event-loop turn, see RequestCoalescer; Python: those waiting for a worker):
   * for servers answering many small concurrent requests.
   */
  predictCoalesced(columns: Columns, rows: number, options?: PredictOptions): Promise<Prediction>;
  close(): Promise<void>;
}

interface CacheEntry {
  key: string;
  opened: Promise<RuntimeBackend>;
  files: ResolvedModelFiles;
  refs: number;
  cached: boolean;
  /** Stops the model's Python workers once it has gone unheld for `idleStopMs`. */
  idleTimer?: NodeJS.Timeout | undefined;
}

/**
 * The one model runtime of serving, batch scoring and pipeline `evaluate` tasks: resolves a URI
 * through its source, opens the model once per version (or folder) and shares it among callers.
 * A model with an onnx flavor runs in ONNX Runtime; any other python_function model in a pool of
 * Python workers (runtime/python), unless `flavor` forces one. Evicting a model from the cache
 * never frees a session (or stops workers) someone still holds; the last `close()` does.
 *
 * A cached Python model nobody holds keeps a process per core; after `idleStopMs` unheld it is
 * dropped from the cache and its workers stop. "Held" is the whole test: a serving endpoint holds
 * each served model's current version (so a live endpoint never loses its warm workers, however
 * quiet), and a hot swap holds the new version from its load to the swap and the old one until
 * its last request ends, so neither side of a swap is ever stopped under it.
 */
export class ModelRuntime {
  private readonly source: ModelSource;
  private readonly threads: number;
  private readonly cacheSize: number;
  private readonly flavor: FlavorChoice;
  private readonly python: PythonRuntimeOptions;
  private readonly idleStopMs: number;
  /** Insertion-ordered: the first unreferenced entry is the least recently loaded one. */
  private readonly cache = new Map<string, CacheEntry>();

  constructor(opts: ModelRuntimeOptions) {
    this.source = opts.source;
    this.threads = opts.intraOpNumThreads ?? 1;
    this.cacheSize = Math.max(0, opts.cacheSize ?? 8);
    this.flavor = opts.flavor ?? 'auto';
    this.python = opts.python ?? {};
    this.idleStopMs = Math.max(0, opts.python?.idleStopMs ?? DEFAULT_IDLE_STOP_MS);
  }

  /** Resolves the URI now and opens (or reuses) the model it names. */
  async load(uri: string, opts?: ResolveOptions): Promise<LoadedRuntimeModel> {
    const files = await this.source.resolve(uri, opts);
    return this.open(files);
  }

  /** Opens (or reuses) an already resolved model. */
  async open(files: ResolvedModelFiles): Promise<LoadedRuntimeModel> {
    // Version 3 of a name in a central registry is not version 3 of that name here.
    const registry = files.registryUri ? `${files.registryUri} ` : '';
    const key = files.name !== undefined && files.version !== undefined ? `${registry}models:/${files.name}/${files.version}` : `dir:${files.localDir}`;
    let entry = this.cache.get(key);
    if (entry) {
      this.cache.delete(key);
      this.cache.set(key, entry);
    } else {
      const opened = this.openBackend(files);
      entry = { key, opened, files, refs: 0, cached: true };
      this.cache.set(key, entry);
      // A failed open must not stay cached: the next load tries again.
      opened.catch(() => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      });
    }
    entry.refs++;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    let model: RuntimeBackend;
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
    for (const e of this.cache.values()) {
      e.cached = false;
      clearTimeout(e.idleTimer);
    }
    this.cache.clear();
    await Promise.all(idle.map((e) => this.release(e)));
  }

  private async openBackend(files: ResolvedModelFiles): Promise<RuntimeBackend> {
    let text: string;
    try {
      text = await readFile(join(files.localDir, 'MLmodel'), 'utf8');
    } catch (e) {
      throw new Error(`model '${files.uri}' has no MLmodel file in ${files.localDir} (${(e as Error).message}); it is not an MLflow model`);
    }
    const mlmodel = readMlmodel(text);
    if (chooseRuntime(mlmodel, this.flavor, files.uri) === 'onnx') return openOnnxModel(files.localDir, files.uri, this.threads);
    return openPythonModel(files.localDir, mlmodel, files.uri, this.python);
  }

  /** ONNX Runtime intra-op threads of the sessions it opens (batch scoring's inference worker opens its own with the same). */
  get intraOpNumThreads(): number {
    return this.threads;
  }

  /** Number of models cached (held or idle). */
  get size(): number {
    return this.cache.size;
  }

  private handle(entry: CacheEntry, model: RuntimeBackend, files: ResolvedModelFiles): LoadedRuntimeModel {
    let closed = false;
    return {
      runtime: model.kind,
      ...(model.python ? { python: model.python } : {}),
      uri: files.uri,
      ...(files.name !== undefined ? { name: files.name } : {}),
      ...(files.version !== undefined ? { version: files.version } : {}),
      ...(files.runId !== undefined ? { runId: files.runId } : {}),
      localDir: files.localDir,
      mlmodel: model.mlmodel,
      ...(model.mlmodel.signature ? { signature: model.mlmodel.signature } : {}),
      isClassifier: model.isClassifier,
      ...(model.classLabels ? { classLabels: model.classLabels } : {}),
      predict: (input, options) => {
        const { columns, rows } = toColumns(input);
        return model.predictColumns(columns, rows, options);
      },
      predictColumns: (columns, rows, options) => model.predictColumns(columns, rows, options),
      predictCoalesced: (columns, rows, options) => model.predictCoalesced(columns, rows, options),
      close: async () => {
        if (closed) return;
        closed = true;
        entry.refs--;
        if (entry.refs === 0 && !entry.cached) await this.release(entry);
        else {
          this.evict();
          if (entry.refs === 0 && model.kind === 'python') this.stopWhenIdle(entry);
        }
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

  private stopWhenIdle(entry: CacheEntry): void {
    if (this.idleStopMs === 0 || !entry.cached) return;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      // Loaded again meanwhile (refs), or evicted already: nothing to stop.
      if (entry.refs > 0 || this.cache.get(entry.key) !== entry) return;
      this.cache.delete(entry.key);
      entry.cached = false;
      const { files } = entry;
      const label = files.name !== undefined && files.version !== undefined ? `${files.name} version ${files.version}` : files.uri;
      this.python.onEvent?.({ level: 'info', message: `${label} was not used for ${this.idleStopMs / 1000} s: its Python workers are stopped (they start again when it is next loaded)` });
      void this.release(entry);
    }, this.idleStopMs);
    // A pending stop must not keep a finished CLI command alive.
    entry.idleTimer.unref();
  }

  private async release(entry: CacheEntry): Promise<void> {
    try {
      await (await entry.opened).close();
    } catch {
      // A session that failed to open has nothing to free.
    }
  }
}

