import { apiGet, apiSend, postRaw, request } from './http.js';

/** `/api/v1/serving-endpoints…` (Databricks serving endpoints' shape) and the Prometheus `/metrics`. */
const PREFIX = '/api/v1/serving-endpoints';

export interface ServedModel {
  name: string;
  model_uri: string;
  model_name?: string;
  model_version?: string;
  state?: { deployment?: string; deployment_state_message?: string };
}

export interface ServingEndpoint {
  name: string;
  description?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  state?: { ready?: string };
  config?: {
    served_models?: ServedModel[];
    traffic_config?: { routes?: Array<{ served_model_name: string; traffic_percentage: number }> };
    inference_log?: { enabled?: boolean };
  };
}

export interface Prediction {
  status: number;
  body: unknown;
  /** What answered: the served model and the registered version that computed it. */
  servedModel?: string;
  modelName?: string;
  modelVersion?: string;
  millis: number;
}

function endpointPath(name: string): string {
  return `${PREFIX}/${encodeURIComponent(name)}`;
}

export async function listEndpoints(signal?: AbortSignal): Promise<ServingEndpoint[]> {
  return (await apiGet<{ endpoints?: ServingEndpoint[] }>(PREFIX, {}, signal)).endpoints ?? [];
}

export async function getEndpoint(name: string, signal?: AbortSignal): Promise<ServingEndpoint> {
  return apiGet<ServingEndpoint>(endpointPath(name), {}, signal);
}

export async function deleteEndpoint(name: string): Promise<void> {
  await apiSend('DELETE', endpointPath(name), {});
}

/** Scores `body` (MLflow's scoring JSON) on the endpoint, or on one served model of it. */
export async function invoke(name: string, body: unknown, servedModel?: string): Promise<Prediction> {
  const path = servedModel ? `${endpointPath(name)}/served-models/${encodeURIComponent(servedModel)}/invocations` : `${endpointPath(name)}/invocations`;
  const started = performance.now();
  // A refused row throws the server's error (ApiError: MLflow's error_code and message).
  const res = await postRaw(path, body);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a non-JSON answer is shown as it came
  }
  const header = (h: string) => res.headers.get(h) ?? undefined;
  const out: Prediction = { status: res.status, body: parsed, millis: performance.now() - started };
  const served = header('x-modelyard-served-model');
  const modelName = header('x-modelyard-model-name');
  const modelVersion = header('x-modelyard-model-version');
  if (served) out.servedModel = served;
  if (modelName) out.modelName = modelName;
  if (modelVersion) out.modelVersion = modelVersion;
  return out;
}

/** The server's Prometheus exposition text (every endpoint's counters and latency histograms). */
export async function readMetricsText(signal?: AbortSignal): Promise<string> {
  const res = await request('/metrics', signal);
  return res.text();
}
