import type { LoadedRuntimeModel, ModelRuntime } from '../../runtime/model-runtime.js';
import { ModelSlot } from '../../runtime/model-slot.js';
import type { JsonlInferenceLog } from '../../runtime/scoring/inference-log.js';
import type { ServedModelConfig, ServingEndpointRecord } from '../../stores/serving/serving-endpoint-store.js';
import { isModelsUri, parseModelUri } from '../registry/model-uri.js';
import { TrafficRouter } from './traffic-router.js';

export type ServedModelStatus = 'LOADING' | 'READY' | 'FAILED';

/** What one served model is doing now. */
export interface ServedModelState {
  name: string;
  modelUri: string;
  /** The central registry `modelUri` resolves in (set by a pipeline deploy task), when not this server's. */
  registryUri?: string;
  status: ServedModelStatus;
  /** The registered model and version answering requests, once one is loaded. */
  loadedModelName?: string;
  loadedModelVersion?: string;
  /** Why the last load failed (the previous version, if any, keeps serving). */
  message?: string;
}

/** URIs whose target can change (alias, stage, latest) are re-resolved; fixed ones load once. */
export function isMovingUri(uri: string): boolean {
  if (!isModelsUri(uri)) return false;
  try {
    const kind = parseModelUri(uri).kind;
    return kind === 'alias' || kind === 'stage' || kind === 'latest';
  } catch {
    return false;
  }
}

class LiveServedModel {
  status: ServedModelStatus = 'LOADING';
  message: string | undefined;
  private failures = 0;
  private retryAt = 0;
  /** Whether the slot holds what this configuration's URI named (not a previous URI's model). */
  private current = false;

  /**
   * `slot` is the previous configuration's when only the URI changed: its model keeps answering
   * until the new URI's model is loaded, so repointing a served model fails no request either.
   */
  constructor(
    readonly config: ServedModelConfig,
    readonly slot: ModelSlot = new ModelSlot(),
  ) {}

  /** Moving URIs every poll; fixed ones until loaded; after a failure, with backoff (1 s doubling to 1 min). */
  needsResolve(now: number): boolean {
    if (now < this.retryAt) return false;
    return !this.current || isMovingUri(this.config.modelUri);
  }

  loaded(): void {
    this.current = true;
    this.status = 'READY';
    this.message = undefined;
    this.failures = 0;
    this.retryAt = 0;
  }

  failed(message: string, now: number): void {
    // FAILED until this configuration's URI has loaded once, even while a previous URI's model
    // still answers: a deploy that could not load its model must see that it failed.
    this.message = this.slot.current && !this.current ? `${message} (still serving the previous model)` : message;
    this.status = this.current ? 'READY' : 'FAILED';
    this.failures++;
    this.retryAt = now + Math.min(60_000, 1000 * 2 ** (this.failures - 1));
  }

  state(): ServedModelState {
    const m = this.slot.current;
    return {
      name: this.config.name,
      modelUri: this.config.modelUri,
      ...(this.config.registryUri !== undefined ? { registryUri: this.config.registryUri } : {}),
      status: this.status,
      ...(m?.name !== undefined ? { loadedModelName: m.name } : {}),
      ...(m?.version !== undefined ? { loadedModelVersion: m.version } : {}),
      ...(this.message !== undefined ? { message: this.message } : {}),
    };
  }
}

function sameModel(a: LoadedRuntimeModel, b: LoadedRuntimeModel): boolean {
  return a.localDir === b.localDir && a.name === b.name && a.version === b.version;
}

/**
 * The in-memory side of one endpoint: a model slot per served model and the traffic router.
 * `sync` applies a (possibly changed) stored configuration and re-resolves moving URIs; a new
 * version is fully loaded before it is swapped in, and requests already running finish on the
 * model they started with.
 */
export class LiveEndpoint {
  private served = new Map<string, LiveServedModel>();
  private router: TrafficRouter;
  /** The configuration applied last, as JSON: compared by content, since a pinned clock repeats timestamps. */
  private applied = '';

  constructor(
    public record: ServingEndpointRecord,
    public inferenceLog: JsonlInferenceLog | undefined,
  ) {
    this.router = new TrafficRouter(record.config.traffic);
  }

  get name(): string {
    return this.record.name;
  }

  /** True when `record` holds the configuration this endpoint runs. */
  runs(record: ServingEndpointRecord): boolean {
    return this.applied === JSON.stringify(record.config);
  }

  /** Applies `record` when it changed since last time; served models whose URI changed start over. */
  applyConfig(record: ServingEndpointRecord): void {
    this.record = record;
    if (this.runs(record)) return;
    this.applied = JSON.stringify(record.config);
    const next = new Map<string, LiveServedModel>();
    for (const config of record.config.servedModels) {
      const existing = this.served.get(config.name);
      if (existing && existing.config.modelUri === config.modelUri && existing.config.registryUri === config.registryUri) next.set(config.name, existing);
      else next.set(config.name, new LiveServedModel(config, existing?.slot));
    }
    for (const [name, old] of this.served) if (!next.has(name)) old.slot.clear();
    this.served = next;
    this.router = new TrafficRouter(record.config.traffic);
  }

  /** Resolves each served model's URI and swaps in what it names now. Returns the swaps made. */
  async refresh(runtime: ModelRuntime, onError: (err: unknown, served: string) => void): Promise<number> {
    let swaps = 0;
    await Promise.all(
      [...this.served.values()].map(async (s) => {
        if (!s.needsResolve(Date.now())) return;
        try {
          const next = await runtime.load(s.config.modelUri, s.config.registryUri ? { registryUri: s.config.registryUri } : undefined);
          const current = s.slot.current;
          // The endpoint may have been reconfigured while loading: a served model no longer live keeps nothing.
          if (this.served.get(s.config.name) !== s || (current && sameModel(current, next))) {
            await next.close();
          } else {
            s.slot.swap(next);
            swaps++;
          }
          s.loaded();
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (!s.message?.startsWith(message)) onError(err, s.config.name);
          s.failed(message, Date.now());
        }
      }),
    );
    return swaps;
  }

  /** The served model the next request goes to: the named one, or the traffic split's pick. */
  route(servedModelName?: string): { name: string; slot: ModelSlot } | undefined {
    if (servedModelName !== undefined) {
      const s = this.served.get(servedModelName);
      return s ? { name: s.config.name, slot: s.slot } : undefined;
    }
    const name = this.router.pick((n) => this.served.get(n)?.slot.current !== undefined);
    const s = name === undefined ? undefined : this.served.get(name);
    if (s) return { name: s.config.name, slot: s.slot };
    const first = this.record.config.traffic.find((r) => r.percentage > 0) ?? this.record.config.traffic[0];
    const fallback = first ? this.served.get(first.servedModelName) : undefined;
    return fallback ? { name: fallback.config.name, slot: fallback.slot } : undefined;
  }

  has(servedModelName: string): boolean {
    return this.served.has(servedModelName);
  }

  states(): ServedModelState[] {
    return this.record.config.servedModels.map((c) => this.served.get(c.name)?.state() ?? { name: c.name, modelUri: c.modelUri, ...(c.registryUri !== undefined ? { registryUri: c.registryUri } : {}), status: 'LOADING' });
  }

  /** Empties every slot; models close once their in-flight requests finish. */
  async close(): Promise<void> {
    for (const s of this.served.values()) s.slot.clear();
    this.served.clear();
    await this.inferenceLog?.close();
  }
}
