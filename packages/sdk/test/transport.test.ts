import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MlflowApiError, MlflowConnectionError, resolveClientOptions } from '../src/index.js';
import { Transport } from '../src/transport.js';

/** A real HTTP server that answers from a script, recording what it received. */
describe('sdk transport', () => {
  let server: Server;
  let url = '';
  const seen: Array<{ method: string; url: string; auth?: string; body: string }> = [];
  let script: Array<{ status: number; body: unknown }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
        const next = script.shift() ?? { status: 200, body: {} };
        res.writeHead(next.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries 503 and 429 with backoff, then succeeds', async () => {
    seen.length = 0;
    script = [
      { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } },
      { status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' } },
      { status: 200, body: { experiment_id: '7' } },
    ];
    const client = new Client({ trackingUri: url, backoffMs: 5, env: {} });
    expect(await client.tracking.createExperiment('x')).toBe('7');
    expect(seen).toHaveLength(3);
  });

  it('stops at once when the caller aborts: the abort error, no retry', async () => {
    seen.length = 0;
    script = [{ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } }];
    const transport = new Transport(resolveClientOptions({ trackingUri: url, backoffMs: 60_000, env: {} }));
    const ctl = new AbortController();
    const pending = transport.json('GET', '/api/2.0/mlflow/experiments/get?experiment_id=1', undefined, ctl.signal).catch((e: unknown) => e);
    // The 503 puts it into a minute-long backoff; the abort must end it now, not after the wait.
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    expect(seen).toHaveLength(1);
  });

  it('sends Basic credentials as UTF-8 base64 without Node buffers (the browser entry shares this code)', () => {
    const opts = resolveClientOptions({ trackingUri: url, username: 'jürgen', password: 'pa:ss', env: {} });
    expect(opts.authorization).toBe(`Basic ${Buffer.from('jürgen:pa:ss', 'utf8').toString('base64')}`);
  });

  it('does not retry a 400 and raises the MLflow error', async () => {
    seen.length = 0;
    script = [{ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad key' } }];
    const client = new Client({ trackingUri: url, backoffMs: 5, env: {} });
    const err = await client.tracking.logParam('r', 'k', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', httpStatus: 400, message: 'bad key' });
    expect(seen).toHaveLength(1);
  });

  it('sends GET messages as query parameters with repeated keys, and the bearer token', async () => {
    seen.length = 0;
    script = [{ status: 200, body: { metrics: [{ key: 'm', value: 'NaN', step: 1, timestamp: 2, run_id: 'a' }] } }];
    const client = new Client({ trackingUri: url, env: { MLFLOW_TRACKING_TOKEN: 'tok' } });
    const metrics = await client.tracking.getMetricHistoryBulkInterval(['a', 'b'], 'm', { maxResults: 10 });
    expect(Number.isNaN(metrics[0]!.value)).toBe(true);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=a&run_ids=b&metric_key=m&max_results=10');
    expect(seen[0]!.auth).toBe('Bearer tok');
  });

  it('gives up on an unreachable server with a connection error naming the URL', async () => {
    const client = new Client({ trackingUri: 'http://127.0.0.1:9', maxRetries: 1, backoffMs: 1, env: {} });
    const err = await client.tracking.getExperiment('0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowConnectionError);
    expect((err as Error).message).toContain('http://127.0.0.1:9/api/2.0/mlflow/experiments/get');
  });

  it('resolves URIs and credentials from the environment like MLflow', () => {
    expect(resolveClientOptions({ env: { MLFLOW_TRACKING_URI: 'http://h:1/' } }).baseUrl).toBe('http://h:1');
    expect(resolveClientOptions({ env: { MLFLOW_TRACKING_URI: 'http://t', MLFLOW_REGISTRY_URI: 'http://r' } }, 'registry').baseUrl).toBe('http://r');
    expect(resolveClientOptions({ env: { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' } }).authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(() => resolveClientOptions({ env: { MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' } })).toThrow(/not an http\(s\) URL/);
  });
});
