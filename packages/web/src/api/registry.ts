import { apiGet, mlflowGet, mlflowPost, mlflowSend } from './http.js';
import type { KeyValue } from './types.js';

/**
 * The model registry: MLflow's registered-models / model-versions routes, Databricks' transition
 * requests, and Modelyard's audit trail (`/api/v1/registry/events`). Shapes are the server's JSON
 * (model_registry.proto): versions are strings, unset fields left out.
 */

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  status_message?: string;
  tags?: KeyValue[];
  run_link?: string;
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: Array<{ alias: string; version: string }>;
}

export interface RegistryEvent {
  event_id: number;
  name: string;
  version?: string | null;
  kind: string;
  alias?: string;
  from?: string;
  to?: string;
  actor: string;
  comment?: string;
  timestamp: number;
}

/** A pending request, as Databricks' `transition-requests/list` answers it. */
export interface TransitionRequest {
  id: string;
  activity_type?: string;
  comment?: string;
  creation_timestamp?: number;
  to_stage: string;
  user_id?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export async function searchModels(q: { filter?: string; pageToken?: string; maxResults?: number }, signal?: AbortSignal): Promise<Page<RegisteredModel>> {
  const body = await mlflowGet<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
    '/registered-models/search',
    { filter: q.filter || undefined, max_results: q.maxResults ?? 100, page_token: q.pageToken, order_by: ['name ASC'] },
    signal,
  );
  return { items: body.registered_models ?? [], ...(body.next_page_token ? { nextPageToken: body.next_page_token } : {}) };
}

export async function getModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
  return (await mlflowGet<{ registered_model: RegisteredModel }>('/registered-models/get', { name }, signal)).registered_model;
}

/** Every version of a model (or of a run), newest first, following pages. */
export async function searchVersions(filter: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const body = await mlflowGet<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
      '/model-versions/search',
      { filter, max_results: 1000, order_by: ['version_number DESC'], page_token: pageToken },
      signal,
    );
    out.push(...(body.model_versions ?? []));
    pageToken = body.next_page_token || undefined;
  } while (pageToken);
  return out;
}

export async function getVersion(name: string, version: string, signal?: AbortSignal): Promise<ModelVersion> {
  return (await mlflowGet<{ model_version: ModelVersion }>('/model-versions/get', { name, version }, signal)).model_version;
}

export async function getDownloadUri(name: string, version: string, signal?: AbortSignal): Promise<string> {
  return (await mlflowGet<{ artifact_uri: string }>('/model-versions/get-download-uri', { name, version }, signal)).artifact_uri;
}

export async function transitionStage(input: { name: string; version: string; stage: string; archiveExisting: boolean; comment?: string }): Promise<ModelVersion> {
  const body = await mlflowPost<{ model_version: ModelVersion }>('/model-versions/transition-stage', {
    name: input.name,
    version: input.version,
    stage: input.stage,
    archive_existing_versions: input.archiveExisting,
    ...(input.comment ? { comment: input.comment } : {}),
  });
  return body.model_version;
}

export async function setAlias(input: { name: string; alias: string; version: string; comment?: string }): Promise<void> {
  await mlflowPost('/registered-models/alias', {
    name: input.name,
    alias: input.alias,
    version: input.version,
    ...(input.comment ? { comment: input.comment } : {}),
  });
}

export async function deleteAlias(input: { name: string; alias: string; comment?: string }): Promise<void> {
  await mlflowSend('DELETE', '/registered-models/alias', { name: input.name, alias: input.alias, ...(input.comment ? { comment: input.comment } : {}) });
}

export async function setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
  await mlflowPost('/model-versions/set-tag', { name, version, key, value });
}

export async function deleteVersionTag(name: string, version: string, key: string): Promise<void> {
  await mlflowSend('DELETE', '/model-versions/delete-tag', { name, version, key });
}

export async function listTransitionRequests(name: string, version: string, signal?: AbortSignal): Promise<TransitionRequest[]> {
  return (await mlflowGet<{ requests?: TransitionRequest[] }>('/transition-requests/list', { name, version }, signal)).requests ?? [];
}

export async function requestTransition(input: { name: string; version: string; stage: string; comment?: string }): Promise<void> {
  await mlflowPost('/transition-requests/create', {
    name: input.name,
    version: input.version,
    stage: input.stage,
    ...(input.comment ? { comment: input.comment } : {}),
  });
}

export async function approveTransition(input: { name: string; version: string; stage: string; archiveExisting: boolean; comment?: string }): Promise<void> {
  await mlflowPost('/transition-requests/approve', {
    name: input.name,
    version: input.version,
    stage: input.stage,
    archive_existing_versions: input.archiveExisting,
    ...(input.comment ? { comment: input.comment } : {}),
  });
}

export async function rejectTransition(input: { name: string; version: string; stage: string; comment?: string }): Promise<void> {
  await mlflowPost('/transition-requests/reject', {
    name: input.name,
    version: input.version,
    stage: input.stage,
    ...(input.comment ? { comment: input.comment } : {}),
  });
}

/** The audit trail of one model (optionally one version), newest first. */
export async function listEvents(name: string, version?: string, signal?: AbortSignal): Promise<RegistryEvent[]> {
  const out: RegistryEvent[] = [];
  let pageToken: string | undefined;
  do {
    const body = await apiGet<{ events?: RegistryEvent[]; next_page_token?: string }>(
      '/api/v1/registry/events',
      { name, version, max_results: 1000, page_token: pageToken },
      signal,
    );
    out.push(...(body.events ?? []));
    pageToken = body.next_page_token || undefined;
  } while (pageToken && out.length < 10_000);
  // The server answers oldest first (an append-only log); the UI reads the latest change first.
  return out.reverse();
}
