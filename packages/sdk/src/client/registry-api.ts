import type { ModelVersion, Page, RegisteredModel, Stage } from '../entities.js';
import type { Transport } from '../transport.js';
import { recordToKv, toModelVersion, toRegisteredModel } from './mappers.js';

const API = '/api/2.0/mlflow';

/** MLflow's model registry: registered models, versions, stages and aliases. */
export class RegistryApi {
  constructor(private readonly t: Transport) {}

  async createRegisteredModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const r = await this.t.post<{ registered_model: object }>(`${API}/registered-models/create`, {
      name,
      ...(opts.description ? { description: opts.description } : {}),
      tags: recordToKv(opts.tags),
    });
    return toRegisteredModel(r.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return toRegisteredModel((await this.t.get<{ registered_model: object }>(`${API}/registered-models/get`, { name })).registered_model);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return toRegisteredModel((await this.t.post<{ registered_model: object }>(`${API}/registered-models/rename`, { name, new_name: newName })).registered_model);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return toRegisteredModel((await this.t.patch<{ registered_model: object }>(`${API}/registered-models/update`, { name, description })).registered_model);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.t.delete(`${API}/registered-models/delete`, { name });
  }

  async searchRegisteredModels(opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const r = await this.t.get<{ registered_models?: object[]; next_page_token?: string }>(`${API}/registered-models/search`, {
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy ? { order_by: opts.orderBy } : {}),
      max_results: opts.maxResults ?? 100,
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    });
    return { items: (r.registered_models ?? []).map(toRegisteredModel), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.t.post(`${API}/registered-models/set-tag`, { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.t.delete(`${API}/registered-models/delete-tag`, { name, key });
  }

  async getLatestVersions(name: string, stages: Stage[] = []): Promise<ModelVersion[]> {
    const r = await this.t.post<{ model_versions?: object[] }>(`${API}/registered-models/get-latest-versions`, { name, stages });
    return (r.model_versions ?? []).map(toModelVersion);
  }

  async createModelVersion(opts: {
    name: string;
    source: string;
    runId?: string;
    /** Link to the run on another server (MLflow's `run_link`), e.g. when the registry is central. */
    runLink?: string;
    modelId?: string;
    description?: string;
    tags?: Record<string, string>;
  }): Promise<ModelVersion> {
    const r = await this.t.post<{ model_version: object }>(`${API}/model-versions/create`, {
      name: opts.name,
      source: opts.source,
      ...(opts.runId ? { run_id: opts.runId } : {}),
      ...(opts.runLink ? { run_link: opts.runLink } : {}),
      ...(opts.modelId ? { model_id: opts.modelId } : {}),
      ...(opts.description ? { description: opts.description } : {}),
      tags: recordToKv(opts.tags),
    });
    return toModelVersion(r.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return toModelVersion((await this.t.get<{ model_version: object }>(`${API}/model-versions/get`, { name, version })).model_version);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    return toModelVersion((await this.t.patch<{ model_version: object }>(`${API}/model-versions/update`, { name, version, description })).model_version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.t.delete(`${API}/model-versions/delete`, { name, version });
  }

  async searchModelVersions(opts: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<ModelVersion>> {
    const r = await this.t.get<{ model_versions?: object[]; next_page_token?: string }>(`${API}/model-versions/search`, {
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy ? { order_by: opts.orderBy } : {}),
      max_results: opts.maxResults ?? 1000,
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    });
    return { items: (r.model_versions ?? []).map(toModelVersion), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.t.post(`${API}/model-versions/set-tag`, { name, version, key, value });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.t.delete(`${API}/model-versions/delete-tag`, { name, version, key });
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (await this.t.get<{ artifact_uri: string }>(`${API}/model-versions/get-download-uri`, { name, version })).artifact_uri;
  }

  async transitionModelVersionStage(name: string, version: string, stage: Stage, opts: { archiveExistingVersions?: boolean; comment?: string } = {}): Promise<ModelVersion> {
    const r = await this.t.post<{ model_version: object }>(`${API}/model-versions/transition-stage`, {
      name,
      version,
      stage,
      archive_existing_versions: opts.archiveExistingVersions ?? false,
      ...(opts.comment ? { comment: opts.comment } : {}),
    });
    return toModelVersion(r.model_version);
  }

  /** `comment` goes to Modelyard's audit trail (MLflow ignores it). */
  async setAlias(name: string, alias: string, version: string, opts: { comment?: string } = {}): Promise<void> {
    await this.t.post(`${API}/registered-models/alias`, { name, alias, version, ...(opts.comment ? { comment: opts.comment } : {}) });
  }

  async deleteAlias(name: string, alias: string, opts: { comment?: string } = {}): Promise<void> {
    await this.t.delete(`${API}/registered-models/alias`, { name, alias, ...(opts.comment ? { comment: opts.comment } : {}) });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return toModelVersion((await this.t.get<{ model_version: object }>(`${API}/registered-models/alias`, { name, alias })).model_version);
  }
}
