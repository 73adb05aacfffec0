import type { Transport } from '../transport.js';
import type { Experiment, Metric, Page, Run, RunInfo, RunStatus } from '../entities.js';
import type { Dataset } from '../entities.js';
import { recordToKv, toExperiment, toJsonDouble, toMetric, toRun, toRunInfo } from './mappers.js';

const API = '/api/2.0/mlflow';

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface SearchOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface MetricInput {
  key: string;
  value: number;
  timestamp?: number;
  step?: number;
}

/** Experiments, runs and metric history: MLflow's tracking service, one method per endpoint. */
export class TrackingApi {
  constructor(private readonly t: Transport) {}

  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    const r = await this.t.post<{ experiment_id: string }>(`${API}/experiments/create`, {
      name,
      ...(opts.artifactLocation ? { artifact_location: opts.artifactLocation } : {}),
      tags: recordToKv(opts.tags),
    });
    return String(r.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return toExperiment((await this.t.get<{ experiment: object }>(`${API}/experiments/get`, { experiment_id: experimentId })).experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    return toExperiment((await this.t.get<{ experiment: object }>(`${API}/experiments/get-by-name`, { experiment_name: name })).experiment);
  }

  async searchExperiments(opts: SearchOptions = {}): Promise<Page<Experiment>> {
    const r = await this.t.post<{ experiments?: object[]; next_page_token?: string }>(`${API}/experiments/search`, {
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy ? { order_by: opts.orderBy } : {}),
      max_results: opts.maxResults ?? 1000,
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
      ...(opts.viewType ? { view_type: opts.viewType } : {}),
    });
    return { items: (r.experiments ?? []).map(toExperiment), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.t.post(`${API}/experiments/update`, { experiment_id: experimentId, new_name: newName });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.t.post(`${API}/experiments/delete`, { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.t.post(`${API}/experiments/restore`, { experiment_id: experimentId });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.t.post(`${API}/experiments/set-experiment-tag`, { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.t.post(`${API}/experiments/delete-experiment-tag`, { experiment_id: experimentId, key });
  }

  async createRun(opts: { experimentId: string; runName?: string; startTime?: number; tags?: Record<string, string>; userId?: string }): Promise<Run> {
    const r = await this.t.post<{ run: object }>(`${API}/runs/create`, {
      experiment_id: opts.experimentId,
      ...(opts.runName ? { run_name: opts.runName } : {}),
      start_time: opts.startTime ?? Date.now(),
      ...(opts.userId ? { user_id: opts.userId } : {}),
      tags: recordToKv(opts.tags),
    });
    return toRun(r.run);
  }

  async getRun(runId: string): Promise<Run> {
    return toRun((await this.t.get<{ run: object }>(`${API}/runs/get`, { run_id: runId })).run);
  }

  async updateRun(runId: string, change: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const r = await this.t.post<{ run_info: object }>(`${API}/runs/update`, {
      run_id: runId,
      ...(change.status ? { status: change.status } : {}),
      ...(change.endTime !== undefined ? { end_time: change.endTime } : {}),
      ...(change.runName ? { run_name: change.runName } : {}),
    });
    return toRunInfo(r.run_info);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.t.post(`${API}/runs/delete`, { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.t.post(`${API}/runs/restore`, { run_id: runId });
  }

  async logMetric(runId: string, m: MetricInput): Promise<void> {
    await this.t.post(`${API}/runs/log-metric`, { run_id: runId, key: m.key, value: toJsonDouble(m.value), timestamp: m.timestamp ?? Date.now(), step: m.step ?? 0 });
  }

  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.t.post(`${API}/runs/log-parameter`, { run_id: runId, key, value: String(value) });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.t.post(`${API}/runs/set-tag`, { run_id: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.t.post(`${API}/runs/delete-tag`, { run_id: runId, key });
  }

  async logBatch(
    runId: string,
    batch: { metrics?: MetricInput[]; params?: Record<string, string | number | boolean>; tags?: Record<string, string> },
  ): Promise<void> {
    const now = Date.now();
    await this.t.post(`${API}/runs/log-batch`, {
      run_id: runId,
      metrics: (batch.metrics ?? []).map((m) => ({ key: m.key, value: toJsonDouble(m.value), timestamp: m.timestamp ?? now, step: m.step ?? 0 })),
      params: recordToKv(batch.params),
      tags: recordToKv(batch.tags),
    });
  }

  async logInputs(runId: string, datasets: Array<{ dataset: Dataset; context?: string; tags?: Record<string, string> }>): Promise<void> {
    await this.t.post(`${API}/runs/log-inputs`, {
      run_id: runId,
      datasets: datasets.map((d) => ({
        tags: recordToKv({ ...(d.tags ?? {}), ...(d.context ? { 'mlflow.data.context': d.context } : {}) }),
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          source_type: d.dataset.sourceType,
          source: d.dataset.source,
          ...(d.dataset.schema ? { schema: d.dataset.schema } : {}),
          ...(d.dataset.profile ? { profile: d.dataset.profile } : {}),
        },
      })),
    });
  }

  async logOutputs(runId: string, models: Array<{ modelId: string; step?: number }>): Promise<void> {
    await this.t.post(`${API}/runs/outputs`, { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })) });
  }

  async searchRuns(experimentIds: string[], opts: SearchOptions = {}): Promise<Page<Run>> {
    const r = await this.t.post<{ runs?: object[]; next_page_token?: string }>(`${API}/runs/search`, {
      experiment_ids: experimentIds,
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy ? { order_by: opts.orderBy } : {}),
      max_results: opts.maxResults ?? 1000,
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
      ...(opts.viewType ? { run_view_type: opts.viewType } : {}),
    });
    return { items: (r.runs ?? []).map(toRun), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  /** Every point of a metric, following next_page_token. */
  async getMetricHistory(runId: string, key: string, pageSize = 25_000): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const r = await this.t.get<{ metrics?: object[]; next_page_token?: string }>(`${API}/metrics/get-history`, {
        run_id: runId,
        metric_key: key,
        max_results: pageSize,
        ...(token ? { page_token: token } : {}),
      });
      out.push(...(r.metrics ?? []).map(toMetric));
      token = r.next_page_token;
    } while (token);
    return out;
  }

  async getMetricHistoryBulkInterval(runIds: string[], key: string, opts: { maxResults?: number; startStep?: number; endStep?: number } = {}): Promise<Metric[]> {
    const r = await this.t.get<{ metrics?: object[] }>(`${API}/metrics/get-history-bulk-interval`, {
      run_ids: runIds,
      metric_key: key,
      ...(opts.maxResults !== undefined ? { max_results: opts.maxResults } : {}),
      ...(opts.startStep !== undefined ? { start_step: opts.startStep } : {}),
      ...(opts.endStep !== undefined ? { end_step: opts.endStep } : {}),
    });
    return (r.metrics ?? []).map(toMetric);
  }
}
