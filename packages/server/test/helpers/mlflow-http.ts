import { afterAll, beforeAll, describe } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { DIALECTS, postgresUnavailableReason } from './dialects.js';
import { startTestServer } from './server.js';
import type { TestServer, TestServerOptions } from './server.js';

export interface HttpResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Raw MLflow REST calls over a real port, the way any MLflow client makes them. */
export class MlflowHttp {
  constructor(readonly baseUrl: string, readonly prefix = '/api/2.0/mlflow') {}

  async post(path: string, body: unknown): Promise<HttpResult> {
    return this.send('POST', path, JSON.stringify(body));
  }

  /** GET with the message as query parameters; arrays become repeated keys. */
  async get(path: string, query: Record<string, string | number | Array<string | number>> = {}): Promise<HttpResult> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
    }
    const q = qs.toString();
    return this.send('GET', q ? `${path}?${q}` : path);
  }

  async send(method: string, path: string, body?: string): Promise<HttpResult> {
    const res = await fetch(this.baseUrl + this.prefix + path, {
      method,
      ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the raw text: the assertion that follows will show it
    }
    return { status: res.status, body: parsed };
  }

  /** POST that must succeed; returns the body. */
  async ok(path: string, body: unknown = {}): Promise<any> {
    const r = await this.post(path, body);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async okGet(path: string, query: Record<string, string | number | Array<string | number>> = {}): Promise<any> {
    const r = await this.get(path, query);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

export interface ServerContext {
  readonly dialect: Dialect;
  readonly server: TestServer;
  readonly http: MlflowHttp;
}

/**
 * Runs `body` once per dialect against a real server on a fresh store (one server per suite).
 * PostgreSQL suites are skipped, with the reason in their name, only when PostgreSQL cannot run
 * here (never in CI: the global setup fails first).
 */
export function describeEachServer(name: string, body: (ctx: ServerContext) => void, opts: TestServerOptions = {}): void {
  for (const dialect of DIALECTS) {
    const skipWhy = dialect === 'postgres' ? postgresUnavailableReason() : undefined;
    const title = `${name} [${dialect}]`;
    (skipWhy ? describe.skip : describe)(skipWhy ? `${title} (skipped: ${skipWhy})` : title, () => {
      let server: TestServer | undefined;
      beforeAll(async () => {
        server = await startTestServer({ ...opts, dialect });
      });
      afterAll(async () => {
        await server?.close();
      });
      const current = (): TestServer => {
        if (!server) throw new Error('the test server is only available inside tests and hooks');
        return server;
      };
      body({
        dialect,
        get server() {
          return current();
        },
        get http() {
          return new MlflowHttp(current().url);
        },
      });
    });
  }
}
