import { Client } from 'undici';

/**
 * A lean keep-alive JSON client: one connection, one request at a time, like a training script's
 * client. It is undici's `Client` (the engine under Node's fetch) used directly: on this machine
 * node:http's client spends ~90 µs of its own per call and fetch more, which would hide the
 * server's cost in the figures.
 */
export class BenchClient {
  private readonly client: Client;

  constructor(baseUrl: string) {
    this.client = new Client(new URL(baseUrl).origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await this.client.request({
      method,
      path,
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : {};
  }

  post(path: string, body: unknown): Promise<any> {
    return this.call('POST', `/api/2.0/mlflow${path}`, body);
  }

  get(path: string, query: Record<string, string | number>): Promise<any> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.call('GET', `/api/2.0/mlflow${path}?${qs}`);
  }

  close(): void {
    void this.client.close();
  }
}
