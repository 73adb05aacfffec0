/** Where a client connects and how it authenticates, resolved like MLflow's Python client. */
export interface ClientOptions {
  /** Base URL of the tracking server, e.g. `http://127.0.0.1:5000`. */
  trackingUri?: string;
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`). */
  token?: string;
  /** Basic auth (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`). */
  username?: string;
  password?: string;
  /** Retries on 429, 5xx and connection errors (default 5). */
  maxRetries?: number;
  /** First backoff delay in ms; doubles each retry, with jitter (default 200). */
  backoffMs?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  /** Environment to read defaults from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

export interface ResolvedClientOptions {
  baseUrl: string;
  authorization?: string;
  maxRetries: number;
  backoffMs: number;
  timeoutMs: number;
}

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

/**
 * Options win over the environment: `MODELYARD_TRACKING_URI` or `MLFLOW_TRACKING_URI`, then the
 * local default server. Only http(s) servers are supported; a file store URI is a clear error.
 */
export function resolveClientOptions(opts: ClientOptions = {}, which: 'tracking' | 'registry' = 'tracking'): ResolvedClientOptions {
  const env = opts.env ?? process.env;
  const fromEnv =
    which === 'registry'
      ? env.MLFLOW_REGISTRY_URI ?? env.MODELYARD_REGISTRY_URI ?? env.MODELYARD_TRACKING_URI ?? env.MLFLOW_TRACKING_URI
      : env.MODELYARD_TRACKING_URI ?? env.MLFLOW_TRACKING_URI;
  const uri = opts.trackingUri ?? fromEnv ?? DEFAULT_TRACKING_URI;
  if (!/^https?:\/\//i.test(uri)) {
    throw new Error(`tracking URI '${uri}' is not an http(s) URL; set MLFLOW_TRACKING_URI to a server such as http://127.0.0.1:5000`);
  }
  const token = opts.token ?? env.MLFLOW_TRACKING_TOKEN;
  const username = opts.username ?? env.MLFLOW_TRACKING_USERNAME;
  const password = opts.password ?? env.MLFLOW_TRACKING_PASSWORD;
  let authorization: string | undefined;
  if (token) authorization = `Bearer ${token}`;
  else if (username !== undefined && password !== undefined) {
    authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return {
    baseUrl: uri.replace(/\/+$/, ''),
    ...(authorization ? { authorization } : {}),
    maxRetries: opts.maxRetries ?? 5,
    backoffMs: opts.backoffMs ?? 200,
    timeoutMs: opts.timeoutMs ?? 120_000,
  };
}
