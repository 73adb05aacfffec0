import type { Transport } from '../transport.js';

/** One model behind an endpoint, and whether it is loaded. */
export interface ServedModelStatus {
  name: string;
  modelUri: string;
  /** The registered model and version actually loaded (what `modelUri` resolved to). */
  modelName?: string;
  modelVersion?: string;
  /** `LOADING`, `READY` or `FAILED`. */
  deployment?: string;
  deploymentMessage?: string;
}

export interface TrafficRoute {
  servedModelName: string;
  percentage: number;
}

/** A serving endpoint (after Databricks' serving endpoints: served models and a traffic split). */
export interface ServingEndpoint {
  name: string;
  description?: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
  /** Every served model is loaded. */
  ready: boolean;
  servedModels: ServedModelStatus[];
  traffic: TrafficRoute[];
  inferenceLog: boolean;
}

/** What an endpoint should serve; without `traffic` the server splits evenly. */
export interface ServingEndpointConfig {
  servedModels: Array<{ name: string; modelUri: string }>;
  traffic?: TrafficRoute[];
  inferenceLog?: boolean;
}

/** A scoring answer, and which served model and registered version computed it. */
export interface ScoringResult {
  status: number;
  /** The parsed JSON answer (MLflow's `{"predictions": …}`), or the text when it is not JSON. */
  body: unknown;
  servedModel?: string;
  modelName?: string;
  modelVersion?: string;
}

type Json = Record<string, any>;

const API = '/api/v1/serving-endpoints';

const endpointPath = (name: string) => `${API}/${encodeURIComponent(name)}`;

function toEndpoint(j: Json): ServingEndpoint {
  return {
    name: j.name,
    ...(j.description !== undefined ? { description: j.description } : {}),
    ...(j.creation_timestamp !== undefined ? { creationTimestamp: Number(j.creation_timestamp) } : {}),
    ...(j.last_updated_timestamp !== undefined ? { lastUpdatedTimestamp: Number(j.last_updated_timestamp) } : {}),
    ready: j.state?.ready === 'READY',
    servedModels: (j.config?.served_models ?? []).map(
      (m: Json): ServedModelStatus => ({
        name: m.name,
        modelUri: m.model_uri,
        ...(m.model_name !== undefined ? { modelName: m.model_name } : {}),
        ...(m.model_version !== undefined ? { modelVersion: String(m.model_version) } : {}),
        ...(m.state?.deployment !== undefined ? { deployment: m.state.deployment } : {}),
        ...(m.state?.deployment_state_message !== undefined ? { deploymentMessage: m.state.deployment_state_message } : {}),
      }),
    ),
    traffic: (j.config?.traffic_config?.routes ?? []).map((r: Json): TrafficRoute => ({ servedModelName: r.served_model_name, percentage: Number(r.traffic_percentage) })),
    inferenceLog: Boolean(j.config?.inference_log?.enabled),
  };
}

function configToJson(c: ServingEndpointConfig): Json {
  return {
    served_models: c.servedModels.map((m) => ({ name: m.name, model_uri: m.modelUri })),
    ...(c.traffic ? { traffic_config: { routes: c.traffic.map((r) => ({ served_model_name: r.servedModelName, traffic_percentage: r.percentage })) } } : {}),
    ...(c.inferenceLog !== undefined ? { inference_log: { enabled: c.inferenceLog } } : {}),
  };
}

/**
 * Modelyard's serving endpoints (`/api/v1/serving-endpoints`): create, change (hot swap), delete,
 * score, and the server's Prometheus metrics. A plain MLflow server answers these with
 * ENDPOINT_NOT_FOUND.
 */
export class ServingApi {
  constructor(private readonly t: Transport) {}

  async createEndpoint(name: string, config: ServingEndpointConfig, opts: { description?: string } = {}): Promise<ServingEndpoint> {
    return toEndpoint(await this.t.post<Json>(API, { name, ...(opts.description !== undefined ? { description: opts.description } : {}), config: configToJson(config) }));
  }

  async listEndpoints(): Promise<ServingEndpoint[]> {
    return ((await this.t.get<{ endpoints?: Json[] }>(API)).endpoints ?? []).map(toEndpoint);
  }

  async getEndpoint(name: string): Promise<ServingEndpoint> {
    return toEndpoint(await this.t.get<Json>(endpointPath(name)));
  }

  /** Replaces the endpoint's config; requests keep being answered by the old models until the new ones are loaded. */
  async updateEndpoint(name: string, config: ServingEndpointConfig, opts: { description?: string } = {}): Promise<ServingEndpoint> {
    return toEndpoint(await this.t.json<Json>('PUT', endpointPath(name), { ...(opts.description !== undefined ? { description: opts.description } : {}), config: configToJson(config) }));
  }

  async deleteEndpoint(name: string): Promise<void> {
    await this.t.delete(endpointPath(name));
  }

  /**
   * Scores `input` on the endpoint (its traffic split picks the model) or on one served model.
   * An object is sent as JSON (MLflow's `dataframe_records`, `dataframe_split`, `instances`,
   * `inputs`); a string is sent as it is — JSON text, or CSV with `contentType: 'text/csv'`. A
   * refused input throws MlflowApiError with the server's error code and message.
   */
  async invoke(name: string, input: unknown, opts: { servedModel?: string; contentType?: string } = {}): Promise<ScoringResult> {
    const path = opts.servedModel ? `${endpointPath(name)}/served-models/${encodeURIComponent(opts.servedModel)}/invocations` : `${endpointPath(name)}/invocations`;
    const res = await this.t.request('POST', path, {
      body: typeof input === 'string' ? input : JSON.stringify(input),
      contentType: opts.contentType ?? 'application/json',
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the text as it came
    }
    const header = (h: string) => res.headers.get(h) ?? undefined;
    const servedModel = header('x-modelyard-served-model');
    const modelName = header('x-modelyard-model-name');
    const modelVersion = header('x-modelyard-model-version');
    return {
      status: res.status,
      body,
      ...(servedModel ? { servedModel } : {}),
      ...(modelName ? { modelName } : {}),
      ...(modelVersion ? { modelVersion } : {}),
    };
  }

  /** The server's Prometheus exposition text: every endpoint's request counters and latency histograms. */
  async metricsText(): Promise<string> {
    return (await this.t.request('GET', '/metrics')).text();
  }
}
