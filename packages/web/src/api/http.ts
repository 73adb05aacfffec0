/**
 * The one place the UI talks HTTP. Every failure becomes an ApiError carrying the server's
 * `{error_code, message}` (or a description of what went wrong on the way), so no screen ever
 * has to render a blank page for an error.
 */

export const MLFLOW_PREFIX = '/ajax-api/2.0/mlflow';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
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

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof body.message === 'string') {
      return new ApiError(res.status, typeof body.error_code === 'string' ? body.error_code : 'UNKNOWN', body.message);
    }
  } catch {
    // not JSON: a proxy's HTML page or an empty body; described below
  }
  const detail = text.trim().slice(0, 300);
  return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`);
}

/** fetch that turns network failures and non-2xx answers into ApiError. */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', `Could not reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (text === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `The server answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** GET on one of Modelyard's own APIs (`/api/v1/…`), JSON in and out. */
export async function apiGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  return json<T>(await request(`${path}${queryString(query)}`, signal ? { signal } : {}));
}

/** A JSON request with a body (POST/PUT/PATCH/DELETE) to any path. */
export async function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return json<T>(
    await request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    }),
  );
}

export async function mlflowGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  return json<T>(await request(`${MLFLOW_PREFIX}${path}${queryString(query)}`, signal ? { signal } : {}));
}

export async function mlflowPost<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return apiSend<T>('POST', `${MLFLOW_PREFIX}${path}`, body, signal);
}

/** MLflow's PATCH and DELETE routes take their message as a JSON body too. */
export async function mlflowSend<T>(method: 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return apiSend<T>(method, `${MLFLOW_PREFIX}${path}`, body, signal);
}
