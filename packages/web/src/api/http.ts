import { MlflowApiError, Transport, resolveBrowserClientOptions } from '@modelyard/sdk/client';

/**
 * The UI's one way to the server: `@modelyard/sdk`'s browser transport (the same request, retry
 * and error model as every other sdk user), with the page's origin as the server. The modules of
 * this folder keep MLflow's and Modelyard's JSON shapes as the pages read them. Every failure is
 * an sdk error carrying the server's `{error_code, message}` (MlflowApiError) or saying the
 * server could not be reached (MlflowConnectionError), so no screen renders a blank page.
 */
export { MlflowApiError as ApiError } from '@modelyard/sdk/client';

export const MLFLOW_PREFIX = '/ajax-api/2.0/mlflow';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts';

// One retry: a page shows an error promptly and lets the user retry, unlike a training script.
let shared: Transport | undefined;
function transport(): Transport {
  shared ??= new Transport(resolveBrowserClientOptions({ maxRetries: 1, backoffMs: 150 }, 'tracking'));
  return shared;
}

export type Query = Record<string, string | number | boolean | undefined | ReadonlyArray<string | number>>;

export function queryString(query: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) qs.append(k, String(item));
    else qs.append(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** A GET whose body is not JSON (artifact files, Prometheus text): the raw response. */
export function request(path: string, signal?: AbortSignal): Promise<Response> {
  return transport().request('GET', path, signal ? { signal } : {});
}

/** A POST of JSON whose answer is read raw (headers and all): a scoring call. */
export function postRaw(path: string, body: unknown): Promise<Response> {
  return transport().request('POST', path, { body: JSON.stringify(body), contentType: 'application/json' });
}

/** GET on one of Modelyard's own APIs (`/api/v1/…`), JSON in and out. */
export function apiGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  return transport().json<T>('GET', `${path}${queryString(query)}`, undefined, signal);
}

/** A JSON request with a body (POST/PUT/PATCH/DELETE) to any path. */
export function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return transport().json<T>(method, path, body, signal);
}

export function mlflowGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  return apiGet<T>(`${MLFLOW_PREFIX}${path}`, query, signal);
}

export function mlflowPost<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return apiSend<T>('POST', `${MLFLOW_PREFIX}${path}`, body, signal);
}

/** MLflow's PATCH and DELETE routes take their message as a JSON body too. */
export function mlflowSend<T>(method: 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return apiSend<T>(method, `${MLFLOW_PREFIX}${path}`, body, signal);
}

/** The HTTP status of a server answer, or undefined for anything else (unreachable, aborted). */
export function httpStatusOf(e: unknown): number | undefined {
  return e instanceof MlflowApiError ? e.httpStatus : undefined;
}
