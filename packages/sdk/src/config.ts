/** Where a client connects and how it authenticates, resolved like MLflow's Python client. */
export interface ClientOptions {
  /** Base URL of the tracking server, e.g. `http://127.0.0.1:5000`. */
  trackingUri?: string;
  /**
   * A separate model registry server (MLflow's `registry_uri` / `MLFLOW_REGISTRY_URI`), e.g. a
   * central production registry; defaults to the tracking server.
   */
  registryUri?: string;
  /**
   * Who the registry's audit trail credits with changes, sent as `X-Modelyard-User`
   * (`MODELYARD_USER`). Naming only, not authentication; MLflow servers ignore it.
   */
  user?: string;
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
  user?: string;
  maxRetries: number;
  backoffMs: number;
  timeoutMs: number;
}

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

/**
 * Options win over the environment. Tracking: `trackingUri`, `MODELYARD_TRACKING_URI`,
 * `MLFLOW_TRACKING_URI`, then the local default server. Registry: `registryUri`,
 * `MLFLOW_REGISTRY_URI`, `MODELYARD_REGISTRY_URI`, then whatever the tracking side resolves to —
 * as in MLflow, a registry URI from the environment wins over an explicit tracking URI. Only
 * http(s) servers are supported; a file store URI is a clear error.
 */
export function resolveClientOptions(opts: ClientOptions = {}, which: 'tracking' | 'registry' = 'tracking'): ResolvedClientOptions {
  const env = opts.env ?? processEnv();
  const trackingUri = opts.trackingUri ?? env.MODELYARD_TRACKING_URI ?? env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  const uri = which === 'registry' ? (opts.registryUri ?? env.MLFLOW_REGISTRY_URI ?? env.MODELYARD_REGISTRY_URI ?? trackingUri) : trackingUri;
  if (!/^https?:\/\//i.test(uri)) {
    const variable = which === 'registry' ? 'MLFLOW_REGISTRY_URI' : 'MLFLOW_TRACKING_URI';
    throw new Error(`${which} URI '${uri}' is not an http(s) URL; set ${variable} to a server such as http://127.0.0.1:5000`);
  }
  const token = opts.token ?? env.MLFLOW_TRACKING_TOKEN;
  const username = opts.username ?? env.MLFLOW_TRACKING_USERNAME;
  const password = opts.password ?? env.MLFLOW_TRACKING_PASSWORD;
  const user = opts.user ?? env.MODELYARD_USER;
  let authorization: string | undefined;
  if (token) authorization = `Bearer ${token}`;
  else if (username !== undefined && password !== undefined) {
    authorization = `Basic ${base64Utf8(`${username}:${password}`)}`;
  }
  return {
    baseUrl: uri.replace(/\/+$/, ''),
    ...(authorization ? { authorization } : {}),
    ...(user ? { user } : {}),
    maxRetries: opts.maxRetries ?? 5,
    backoffMs: opts.backoffMs ?? 200,
    timeoutMs: opts.timeoutMs ?? 120_000,
  };
}

/** `process.env` in Node; nothing in a browser (this module is part of the browser entry too). */
function processEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

/** RFC 7617 says credentials are UTF-8; btoa (Node and browsers) only takes Latin-1 code units, hence the byte detour. */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
