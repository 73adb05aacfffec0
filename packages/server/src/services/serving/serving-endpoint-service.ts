import { join } from 'node:path';
import type { Logger } from 'pino';
import { AlreadyExistsError, NotFoundError } from '../../errors.js';
import type { ModelRuntime } from '../../runtime/model-runtime.js';
import { JsonlInferenceLog } from '../../runtime/scoring/inference-log.js';
import { invokeModel } from '../../runtime/scoring/invoke-model.js';
import type { InvocationResult } from '../../runtime/scoring/invoke-model.js';
import type { ServingMetrics } from '../../runtime/scoring/serving-metrics.js';
import type { ServingEndpointRecord, ServingEndpointStore } from '../../stores/serving/serving-endpoint-store.js';
import { LiveEndpoint } from './live-endpoint.js';
import type { ServedModelState } from './live-endpoint.js';
import { validateEndpointInput, validateEndpointName } from './serving-endpoint-input.js';
import type { ServingEndpointInput } from './serving-endpoint-input.js';

/** An endpoint's stored configuration and what its served models are doing now. */
export interface ServingEndpoint extends ServingEndpointRecord {
  /** Every served model has a model loaded. */
  ready: boolean;
  servedModelStates: ServedModelState[];
}

export interface ServingEndpointServiceDeps {
  store: ServingEndpointStore;
  runtime: ModelRuntime;
  metrics: ServingMetrics;
  logger: Logger;
  /** Inference logs go to `<dataDir>/inference-logs/<endpoint>.jsonl`. */
  dataDir: string;
  now?: () => number;
  /** How often stored configurations and moving URIs (aliases, stages) are re-read (default 250 ms). */
  pollIntervalMs?: number;
}

/**
 * Serving endpoints managed by the server. Configurations live in the store (so every server
 * process sharing it serves the same endpoints); the models live in this process. Once started, a
 * watcher re-reads configurations and re-resolves every alias / stage URI each poll interval,
 * loads a version that moved in full, then swaps it in atomically (see ModelSlot).
 */
export class ServingEndpointService {
  private readonly live = new Map<string, LiveEndpoint>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private ticking: Promise<void> | undefined;
  private pending = false;

  constructor(private readonly deps: ServingEndpointServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  get metrics(): ServingMetrics {
    return this.deps.metrics;
  }

  /** Creates the endpoint; RESOURCE_ALREADY_EXISTS when the name is taken. */
  async create(input: ServingEndpointInput): Promise<ServingEndpoint> {
    const e = validateEndpointInput(input);
    if (!(await this.deps.store.create(e, this.now()))) throw new AlreadyExistsError(`Serving endpoint '${e.name}' already exists; update it with PUT /api/v1/serving-endpoints/${e.name}`);
    await this.refresh();
    return this.get(e.name);
  }

  /** Replaces the endpoint's served models and traffic; RESOURCE_DOES_NOT_EXIST when there is none. */
  async update(input: ServingEndpointInput): Promise<ServingEndpoint> {
    const e = validateEndpointInput(input);
    if (!(await this.deps.store.update(e.name, e, this.now()))) throw notFound(e.name);
    await this.refresh();
    return this.get(e.name);
  }

  /**
   * Creates or replaces an endpoint and, when this process serves (started), loads its models
   * before returning: what the pipeline `deploy` task calls. Check `ready` / `servedModelStates`
   * for load failures; the stored configuration is kept either way and retried every poll.
   */
  async upsert(input: ServingEndpointInput): Promise<ServingEndpoint> {
    const e = validateEndpointInput(input);
    await this.deps.store.upsert(e, this.now());
    await this.refresh();
    return this.get(e.name);
  }

  async get(name: string): Promise<ServingEndpoint> {
    const record = await this.deps.store.get(validateEndpointName(name));
    if (!record) throw notFound(name);
    return this.describe(record);
  }

  async list(): Promise<ServingEndpoint[]> {
    return (await this.deps.store.list()).map((r) => this.describe(r));
  }

  async delete(name: string): Promise<void> {
    if (!(await this.deps.store.delete(validateEndpointName(name)))) throw notFound(name);
    await this.refresh();
  }

  /**
   * Scores one request on the endpoint (the traffic split picks the served model, unless
   * `servedModel` names one). Never throws for a bad request: the result carries MLflow's error JSON.
   */
  async invoke(name: string, contentType: string | undefined, body: string, servedModel?: string): Promise<InvocationResult> {
    let endpoint = this.live.get(name);
    if (!endpoint && this.started) {
      // Created by another process since the last poll.
      await this.refresh();
      endpoint = this.live.get(name);
    }
    if (!endpoint) throw notFound(name);
    if (servedModel !== undefined && !endpoint.has(servedModel)) {
      throw new NotFoundError(`Serving endpoint '${name}' has no served model '${servedModel}'`);
    }
    const routed = endpoint.route(servedModel);
    return invokeModel(
      {
        endpoint: name,
        servedModel: routed?.name ?? servedModel ?? '',
        borrowed: routed?.slot.borrow(),
        metrics: this.deps.metrics,
        inferenceLog: endpoint.inferenceLog,
        onInternalError: (err) => this.deps.logger.error({ err, endpoint: name }, 'scoring failed'),
      },
      contentType,
      body,
    );
  }

  /** Starts the watcher. Called by the composition root once the server listens. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.refresh().catch((err) => this.deps.logger.error({ err }, 'serving endpoints: first load failed'));
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.deps.logger.warn({ err }, 'serving endpoints: refresh failed'));
    }, this.deps.pollIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Stops the watcher and unloads every model (after in-flight requests finish). */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
    await Promise.all([...this.live.values()].map((e) => e.close()));
    this.live.clear();
    await this.deps.runtime.clear();
  }

  /**
   * Brings this process in line with the store now: new, changed and deleted endpoints, and moved
   * aliases or stages. Calls made while a refresh runs share one follow-up refresh, so a caller
   * always sees the state as of after its call. Does nothing until `start()`.
   */
  async refresh(): Promise<void> {
    if (!this.started) return;
    if (this.ticking) {
      this.pending = true;
      while (this.ticking) await this.ticking.catch(() => undefined);
      if (!this.pending) return;
    }
    this.pending = false;
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const records = await this.deps.store.list();
    const names = new Set(records.map((r) => r.name));
    for (const [name, endpoint] of this.live) {
      if (!names.has(name)) {
        this.live.delete(name);
        await endpoint.close();
      }
    }
    await Promise.all(
      records.map(async (record) => {
        let endpoint = this.live.get(record.name);
        if (!endpoint) {
          endpoint = new LiveEndpoint(record, undefined);
          this.live.set(record.name, endpoint);
        }
        await this.syncInferenceLog(endpoint, record.config.inferenceLog);
        endpoint.applyConfig(record);
        const swaps = await endpoint.refresh(this.deps.runtime, (err, served) =>
          this.deps.logger.warn({ err, endpoint: record.name, served_model: served }, 'serving endpoint: could not load model'),
        );
        if (swaps > 0) this.deps.logger.info({ endpoint: record.name, served_models: endpoint.states() }, 'serving endpoint: new model version live');
      }),
    );
  }

  private async syncInferenceLog(endpoint: LiveEndpoint, enabled: boolean): Promise<void> {
    if (enabled && !endpoint.inferenceLog) {
      endpoint.inferenceLog = new JsonlInferenceLog(join(this.deps.dataDir, 'inference-logs', `${endpoint.name}.jsonl`), (err) =>
        this.deps.logger.warn({ err, endpoint: endpoint.name }, 'inference log write failed'),
      );
    } else if (!enabled && endpoint.inferenceLog) {
      const log = endpoint.inferenceLog;
      endpoint.inferenceLog = undefined;
      await log.close();
    }
  }

  private describe(record: ServingEndpointRecord): ServingEndpoint {
    const live = this.live.get(record.name);
    const states: ServedModelState[] =
      live && live.runs(record)
        ? live.states()
        : record.config.servedModels.map((m) => ({ name: m.name, modelUri: m.modelUri, status: 'LOADING' as const }));
    return { ...record, ready: states.every((s) => s.status === 'READY'), servedModelStates: states };
  }

  /** Where an endpoint's inference log is written. */
  inferenceLogPath(name: string): string {
    return join(this.deps.dataDir, 'inference-logs', `${validateEndpointName(name)}.jsonl`);
  }
}

function notFound(name: string): NotFoundError {
  return new NotFoundError(`Serving endpoint '${name}' does not exist`);
}
