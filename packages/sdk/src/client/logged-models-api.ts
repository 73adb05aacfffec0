import type { LoggedModel, Page } from '../entities.js';
import type { Transport } from '../transport.js';
import { recordToKv, toLoggedModel } from './mappers.js';

const API = '/api/2.0/mlflow/logged-models';

/** MLflow 3 logged models. */
export class LoggedModelsApi {
  constructor(private readonly t: Transport) {}

  async create(opts: { experimentId: string; name?: string; sourceRunId?: string; modelType?: string; params?: Record<string, string>; tags?: Record<string, string> }): Promise<LoggedModel> {
    const r = await this.t.post<{ model: object }>(API, {
      experiment_id: opts.experimentId,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.sourceRunId ? { source_run_id: opts.sourceRunId } : {}),
      ...(opts.modelType ? { model_type: opts.modelType } : {}),
      params: recordToKv(opts.params),
      tags: recordToKv(opts.tags),
    });
    return toLoggedModel(r.model);
  }

  async get(modelId: string): Promise<LoggedModel> {
    return toLoggedModel((await this.t.get<{ model: object }>(`${API}/${encodeURIComponent(modelId)}`)).model);
  }

  async finalize(modelId: string, status: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED' = 'LOGGED_MODEL_READY'): Promise<LoggedModel> {
    return toLoggedModel((await this.t.patch<{ model: object }>(`${API}/${encodeURIComponent(modelId)}`, { model_id: modelId, status })).model);
  }

  async setTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.t.patch(`${API}/${encodeURIComponent(modelId)}/tags`, { model_id: modelId, tags: recordToKv(tags) });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.t.delete(`${API}/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`);
  }

  async logParams(modelId: string, params: Record<string, string>): Promise<void> {
    await this.t.post(`${API}/${encodeURIComponent(modelId)}/params`, { model_id: modelId, params: recordToKv(params) });
  }

  async delete(modelId: string): Promise<void> {
    await this.t.delete(`${API}/${encodeURIComponent(modelId)}`);
  }

  async search(experimentIds: string[], opts: { filter?: string; maxResults?: number; pageToken?: string; orderBy?: Array<{ fieldName: string; ascending?: boolean }> } = {}): Promise<Page<LoggedModel>> {
    const r = await this.t.post<{ models?: object[]; next_page_token?: string }>(`${API}/search`, {
      experiment_ids: experimentIds,
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.maxResults ? { max_results: opts.maxResults } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
      ...(opts.orderBy ? { order_by: opts.orderBy.map((o) => ({ field_name: o.fieldName, ascending: o.ascending ?? true })) } : {}),
    });
    return { items: (r.models ?? []).map(toLoggedModel), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }
}
