import { MlflowApiError, MlflowConnectionError } from './errors.js';
import type { ResolvedClientOptions } from './config.js';

export type Query = Record<string, string | number | boolean | undefined | Array<string | number>>;

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * JSON over HTTP to an MLflow-compatible server: GET messages as query parameters (lists as
 * repeated keys), others as JSON bodies; retries with exponential backoff and jitter on 429, 5xx
 * and connection failures; MLflow's `{error_code, message}` becomes an MlflowApiError.
 */
export class Transport {
  constructor(readonly options: ResolvedClientOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.json<T>('GET', withQuery(path, query));
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  async patch<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>('PATCH', path, body);
  }

  async delete<T>(path: string, body?: unknown, query: Query = {}): Promise<T> {
    return this.json<T>('DELETE', withQuery(path, query), body);
  }

  /** `signal` cancels the request (a page leaving a view); the abort error is thrown as is, never retried. */
  async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.request(method, path, {
      ...(body !== undefined ? { body: JSON.stringify(body), contentType: 'application/json' } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    if (text === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MlflowConnectionError(`${method} ${path}: the server answered ${res.status} with non-JSON content: ${text.slice(0, 200)}`);
    }
  }

  /**
   * One request with retries. `body` may be a stream factory (uploads), so a retry re-opens it
   * rather than resending a consumed stream.
   */
  async request(
    method: string,
    path: string,
    init: { body?: string | (() => NonNullable<RequestInit["body"]>); contentType?: string; duplex?: boolean; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = this.options.baseUrl + path;
    let attempt = 0;
    for (;;) {
      const headers: Record<string, string> = { 'user-agent': 'modelyard-sdk' };
      if (this.options.authorization) headers.authorization = this.options.authorization;
      if (this.options.user) headers['x-modelyard-user'] = this.options.user;
      const traceParent = ambientTraceParent();
      if (traceParent) headers.traceparent = traceParent;
      if (init.contentType) headers['content-type'] = init.contentType;
      const body = typeof init.body === 'function' ? init.body() : init.body;
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await fetch(url, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(typeof init.body === 'function' ? { duplex: 'half' } : {}),
          signal: init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(this.options.timeoutMs)]) : AbortSignal.timeout(this.options.timeoutMs),
        } as RequestInit);
      } catch (e) {
        if (init.signal?.aborted) throw e;
        failure = e;
      }
      if (res && res.ok) return res;
      const retriable = res ? RETRY_STATUSES.has(res.status) : true;
      if (!retriable || attempt >= this.options.maxRetries) {
        if (res) throw await apiError(method, path, res);
        throw new MlflowConnectionError(`${method} ${url} failed after ${attempt + 1} attempt(s): ${describe(failure)}`, { cause: failure });
      }
      if (res) await res.body?.cancel();
      const delay = this.options.backoffMs * 2 ** attempt;
      await backoff(delay / 2 + Math.random() * (delay / 2), init.signal);
      attempt++;
    }
  }
}

/** Waits `ms`, or until `signal` aborts (then throws its reason: a caller that left does not wait). */
function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function withQuery(path: string, query: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

async function apiError(method: string, path: string, res: Response): Promise<MlflowApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    if (body.error_code) return new MlflowApiError(body.error_code, res.status, body.message ?? '');
  } catch {
    // not MLflow's error JSON
  }
  return new MlflowApiError(res.status === 404 ? 'ENDPOINT_NOT_FOUND' : 'INTERNAL_ERROR', res.status, `${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

/**
 * A task process started by the pipeline runner gets TRACEPARENT (its attempt's span): sending it
 * makes the script's tracking requests part of the job run's trace. Read per request, since a
 * script may set it after creating its client; browsers have no `process`.
 */
function ambientTraceParent(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.TRACEPARENT?.trim();
  return value ? value : undefined;
}
