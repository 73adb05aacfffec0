import type { RunStatus, ViewType } from '@modelyard/contract';
import { LIMITS, excerpt } from '@modelyard/contract';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { SYSTEM_TAGS } from '../../domain/tracking.js';
import type { DatasetInput, Metric, ModelIo, Param, Run, RunInfo, Tag } from '../../domain/tracking.js';
import { generateRunName } from '../../domain/run-names.js';
import { sampleSteps } from '../../domain/metric-sampling.js';
import { validateBatchSize, validateKey, validateParamValue, validateTagValue } from '../../domain/tracking-validation.js';
import type { StoredRunInfo } from '../../stores/tracking/run-store.js';
import { DEFAULT_EXPERIMENT_ID, requireActiveExperiment } from './experiment-service.js';
import { joinArtifactUri } from './tracking-stores.js';
import type { TrackingServiceDeps } from './tracking-stores.js';
import { newRowId } from '../../domain/row-ids.js';

export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Tag[];
}

/** Runs: creation, lifecycle and everything logged to them, with MLflow's rules. */
export class RunService {
  constructor(private readonly deps: TrackingServiceDeps) {}

  private get store() {
    return this.deps.stores.runs;
  }

  async create(input: CreateRunInput): Promise<Run> {
    const experimentId = input.experimentId || DEFAULT_EXPERIMENT_ID;
    const tags = input.tags ?? [];
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value);
    }
    const nameTag = tags.find((t) => t.key === SYSTEM_TAGS.runName)?.value;
    if (input.runName && nameTag && input.runName !== nameTag) {
      throw new InvalidParameterError(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${nameTag}').`,
      );
    }
    const runId = newRowId();
    const userId = input.userId ?? tags.find((t) => t.key === SYSTEM_TAGS.user)?.value ?? '';
    const name = input.runName || nameTag || generateRunName();
    const startTime = input.startTime ?? this.deps.now();
    // The experiment is checked in the insert's own transaction: one round of locks, not two.
    const stored = await this.store.create({ runId, experimentId, name, userId, startTime, tags }, (experiment) =>
      joinArtifactUri(requireActiveExperiment(experimentId, experiment).artifactLocation, runId, 'artifacts'),
    );
    // A new run is exactly what was written; answering from memory saves reloading it.
    return {
      info: {
        runId,
        runName: name,
        experimentId: stored.experimentId,
        userId,
        status: 'RUNNING',
        startTime,
        endTime: null,
        artifactUri: stored.artifactUri,
        lifecycleStage: 'active',
      },
      data: { metrics: [], params: [], tags: stored.tags },
      inputs: { datasetInputs: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    };
  }

  async getInfo(runId: string | undefined): Promise<StoredRunInfo> {
    const id = requireRunId(runId);
    return found(id, await this.store.getInfo(id));
  }

  private async getActiveInfo(runId: string | undefined): Promise<StoredRunInfo> {
    const id = requireRunId(runId);
    return active(found(id, await this.store.getInfo(id)));
  }

  async getRun(runId: string | undefined): Promise<Run> {
    const info = await this.getInfo(runId);
    const [run] = await this.store.load([info.runId]);
    if (!run) throw new NotFoundError(`Run with id=${excerpt(info.runId)} not found`);
    return run;
  }

  async update(runId: string | undefined, change: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const info = await this.getActiveInfo(runId);
    await this.store.update(info.runId, {
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.endTime !== undefined ? { endTime: change.endTime } : {}),
      ...(change.runName ? { name: change.runName } : {}),
    });
    return this.getInfo(info.runId);
  }

  async delete(runId: string | undefined): Promise<void> {
    const info = await this.getInfo(runId);
    await this.store.setLifecycle(info.runId, 'deleted', this.deps.now());
  }

  async restore(runId: string | undefined): Promise<void> {
    const info = await this.getInfo(runId);
    await this.store.setLifecycle(info.runId, 'active', this.deps.now());
  }

  async logBatch(runId: string | undefined, data: { metrics?: Metric[]; params?: Param[]; tags?: Tag[] }): Promise<void> {
    const metrics = data.metrics ?? [];
    const params = data.params ?? [];
    const tags = data.tags ?? [];
    validateBatchSize(metrics.length, params.length, tags.length);
    // A batch repeats a few keys many times; each distinct key is checked once, in order, so the
    // first bad key still names the same metric.
    const checkedKeys = new Set<string>();
    for (const m of metrics) {
      if (checkedKeys.has(m.key)) continue;
      validateKey('metric', m.key);
      checkedKeys.add(m.key);
    }
    for (const p of params) {
      validateKey('param', p.key);
      validateParamValue(p.key, p.value);
    }
    for (const t of tags) {
      validateKey('tag', t.key);
      validateTagValue(t.key, t.value);
    }
    // Two values for one param key inside a batch is the same conflict as across batches.
    const seen = new Map<string, string>();
    for (const p of params) {
      const prev = seen.get(p.key);
      if (prev !== undefined && prev !== p.value) {
        throw new InvalidParameterError(
          `Duplicate parameter keys have been submitted: '${p.key}' is given the values '${prev}' and '${p.value}'. Please ensure the request contains only one param value per param key.`,
        );
      }
      seen.set(p.key, p.value);
    }
    const id = requireRunId(runId);
    // Metrics attributed to a logged model must name one that exists (its table references it);
    // a missing or inactive run is reported first.
    const modelIds = new Set<string>();
    for (const m of metrics) if (m.modelId) modelIds.add(m.modelId);
    if (modelIds.size > 0) await this.getActiveInfo(id);
    for (const modelId of modelIds) {
      const model = await this.deps.stores.loggedModels.get(modelId);
      if (!model || model.lifecycleStage !== 'active') throw new NotFoundError(`Logged model with id=${modelId} not found (metric model_id)`);
    }
    // The run is checked inside the write's own transaction: one statement fewer, and a run
    // deleted by another request cannot slip in between the check and the write.
    await this.store.logData(id, { metrics, params, tags }, (info) => active(found(id, info)));
  }

  logMetric(runId: string | undefined, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  logParam(runId: string | undefined, param: Param): Promise<void> {
    return this.logBatch(runId, { params: [param] });
  }

  setTag(runId: string | undefined, tag: Tag): Promise<void> {
    return this.logBatch(runId, { tags: [tag] });
  }

  async deleteTag(runId: string | undefined, key: string): Promise<void> {
    const info = await this.getActiveInfo(runId);
    const deleted = await this.store.deleteTag(info.runId, key);
    if (!deleted) throw new NotFoundError(`No tag with name: ${excerpt(key)} in run with id ${info.runId}`);
  }

  /**
   * MLflow 2's log-model: the model's MLmodel as JSON is appended to the run's
   * `mlflow.log-model.history` tag, which MLflow's UI reads to list a run's models.
   */
  async recordLoggedModel(runId: string | undefined, modelJson: string): Promise<void> {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch (e) {
      throw new InvalidParameterError(`Malformed model info: model_json is not valid JSON (${(e as Error).message})`);
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw new InvalidParameterError('Malformed model info: model_json must be a JSON object (an MLmodel as JSON)');
    }
    const run = await this.getRun(runId);
    const previous = run.data.tags.find((t) => t.key === SYSTEM_TAGS.loggedModels)?.value;
    let history: unknown[] = [];
    if (previous) {
      try {
        const parsed = JSON.parse(previous) as unknown;
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        // A hand-edited, unparseable history is replaced rather than blocking the log.
      }
    }
    history.push(model);
    await this.setTag(run.info.runId, { key: SYSTEM_TAGS.loggedModels, value: JSON.stringify(history) });
  }

  async logInputs(runId: string | undefined, datasets: DatasetInput[], models: ModelIo[]): Promise<void> {
    for (const d of datasets) {
      for (const t of d.tags) validateKey('tag', t.key);
      if (d.dataset.name.length > 500) throw new InvalidParameterError(`Dataset name '${d.dataset.name.slice(0, 40)}…' is longer than 500 characters`);
      if (d.dataset.digest.length > 36) throw new InvalidParameterError(`Dataset digest '${d.dataset.digest}' is longer than 36 characters`);
    }
    const info = await this.getActiveInfo(runId);
    await this.store.logInputs(info, datasets, models);
  }

  async logOutputs(runId: string | undefined, models: ModelIo[]): Promise<void> {
    const info = await this.getActiveInfo(runId);
    await this.store.logOutputs(info, models);
  }

  search(q: { experimentIds?: string[]; filter?: string; orderBy?: string[]; viewType?: ViewType; maxResults?: number; pageToken?: string }) {
    return this.store.search({
      experimentIds: q.experimentIds ?? [],
      viewType: q.viewType ?? 'ACTIVE_ONLY',
      maxResults: q.maxResults ?? LIMITS.defaultSearchResults,
      ...(q.filter !== undefined ? { filter: q.filter } : {}),
      ...(q.orderBy !== undefined ? { orderBy: q.orderBy } : {}),
      ...(q.pageToken !== undefined ? { pageToken: q.pageToken } : {}),
    });
  }

  async metricHistory(runId: string | undefined, key: string, maxResults?: number, pageToken?: string) {
    const info = await this.getInfo(runId);
    if (maxResults !== undefined && (maxResults < 1 || maxResults > LIMITS.maxHistoryResults)) {
      throw new InvalidParameterError(`max_results must be between 1 and ${LIMITS.maxHistoryResults}, got ${maxResults}`);
    }
    return this.deps.stores.metrics.history(info.runId, key, maxResults, pageToken);
  }

  /**
   * The points a chart of several runs needs: MLflow's get-history-bulk-interval, sampled down to
   * at most `maxResults` steps (see domain/metric-sampling.ts).
   */
  async metricHistoryBulkInterval(q: { runIds: string[]; key: string; startStep?: number; endStep?: number; maxResults?: number }): Promise<Metric[]> {
    if (q.runIds.length === 0) throw new InvalidParameterError("Missing value for required parameter 'run_ids'. GetMetricHistoryBulkInterval needs at least one run id.");
    if (q.runIds.length > MAX_RUNS_BULK_HISTORY) {
      throw new InvalidParameterError(
        `GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_BULK_HISTORY} run_ids. Received ${q.runIds.length} run_ids.`,
      );
    }
    const maxResults = q.maxResults ?? MAX_RESULTS_PER_RUN;
    if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) throw new InvalidParameterError(`max_results must be between 1 and ${MAX_RESULTS_PER_RUN}.`);
    if ((q.startStep === undefined) !== (q.endStep === undefined)) {
      throw new InvalidParameterError('If either start step or end step are specified, both must be specified.');
    }
    if (q.startStep !== undefined && q.endStep !== undefined && q.startStep > q.endStep) {
      throw new InvalidParameterError(`end_step must be greater than start_step. Found start_step=${q.startStep} and end_step=${q.endStep}.`);
    }
    const infos = await Promise.all(q.runIds.map((id) => this.getInfo(id)));
    const metrics = this.deps.stores.metrics;
    const stepsPerRun = await Promise.all(infos.map((i) => metrics.steps(i.runId, q.key)));
    const range = q.startStep !== undefined && q.endStep !== undefined ? { start: q.startStep, end: q.endStep } : undefined;
    const steps = sampleSteps(stepsPerRun, maxResults, range);
    const out: Metric[] = [];
    for (const info of infos) out.push(...(await metrics.pointsAtSteps(info.runId, q.key, steps, LIMITS.maxHistoryResults)));
    return out;
  }
}

function requireRunId(runId: string | undefined): string {
  if (!runId) throw new InvalidParameterError("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return runId;
}

function found(runId: string, info: StoredRunInfo | undefined): StoredRunInfo {
  if (!info) throw new NotFoundError(`Run with id=${excerpt(runId)} not found`);
  return info;
}

/** Writes go to active runs only. */
function active(info: StoredRunInfo): StoredRunInfo {
  if (info.lifecycleStage !== 'active') {
    throw new InvalidParameterError(`The run ${info.runId} must be in the 'active' state. Current state is ${info.lifecycleStage}.`);
  }
  return info;
}

/** MLflow's bounds for get-history-bulk-interval. */
const MAX_RUNS_BULK_HISTORY = 100;
const MAX_RESULTS_PER_RUN = 2500;
