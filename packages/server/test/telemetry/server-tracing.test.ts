import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { jobRunTraceIds } from '../../src/telemetry/trace-ids.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { waitForRunEnd, waitUntil } from '../pipelines/pipeline-harness.js';

/**
 * A task process as an instrumented program would behave: it posts its own span (OTLP JSON) under
 * the TRACEPARENT it was given, and calls the tracking API passing that traceparent on.
 */
const CHILD_SPANS_SCRIPT = `
  const e = process.env;
  const [, traceId, parentSpanId] = e.TRACEPARENT.split('-');
  const now = BigInt(Date.now()) * 1000000n;
  const span = { traceId, spanId: 'aaaabbbbccccdddd', parentSpanId, name: 'load data', kind: 1,
    startTimeUnixNano: String(now - 5000000n), endTimeUnixNano: String(now),
    attributes: [{ key: 'rows', value: { intValue: '768' } }], status: { code: 1 } };
  (async () => {
    const posted = await fetch(e.MODELYARD_OTLP_TRACES_ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'trainer' } }] },
        scopeSpans: [{ spans: [span] }] }] }) });
    if (posted.status !== 200) throw new Error('OTLP post answered ' + posted.status);
    const got = await fetch(e.MLFLOW_TRACKING_URI + '/api/2.0/mlflow/runs/get?run_id=' + e.MLFLOW_RUN_ID, { headers: { traceparent: e.TRACEPARENT } });
    if (got.status !== 200) throw new Error('runs/get answered ' + got.status);
  })().catch((err) => { console.error(err); process.exit(1); });`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('server tracing', () => {
  let server: TestServer;
  let projectDir: string;
  const getJson = async (path: string, headers: Record<string, string> = {}): Promise<Json> => {
    const r = await fetch(server.url + path, { headers });
    expect(r.status, path).toBe(200);
    return (await r.json()) as Json;
  };

  beforeAll(async () => {
    server = await startTestServer();
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-traced-project-'));
    writeFileSync(join(projectDir, 'child-spans.js'), CHILD_SPANS_SCRIPT);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('joins the HTTP requests and spans of a task process to its job run trace', async () => {
    const loaded = loadProject(`
project: { name: traced }
jobs:
  train:
    tasks:
      - { task_key: fit, command_task: { command: [${JSON.stringify(process.execPath)}, child-spans.js] } }
`);
    const [job] = await server.services.pipelines.jobs.deploy(loaded.spec!, projectDir);
    const started = await server.services.pipelines.jobs.runNow(job!.jobId, { actor: 'alice' });
    const run = await waitForRunEnd(server.services.pipelines, started.jobRunId);
    expect(run.state).toBe('SUCCESS');
    const { traceId, rootSpanId } = jobRunTraceIds(run);

    let listed: Json = {};
    await waitUntil(async () => {
      listed = await getJson(`/api/v1/traces?job_run_id=${run.jobRunId}`);
      return listed.traces?.[0]?.span_count === 4;
    });
    expect(listed.traces).toEqual([expect.objectContaining({ trace_id: traceId, name: 'job train', status: 'OK', job_run_id: run.jobRunId, run_id: run.mlflowRunId })]);

    const { spans } = await getJson(`/api/v1/traces/${traceId}`);
    const byName = Object.fromEntries(spans.map((s: Json) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['GET /api/2.0/mlflow/runs/get', 'job train', 'load data', 'task fit']);
    const attempt = byName['task fit'];
    expect(attempt).toMatchObject({ parent_span_id: rootSpanId, service_name: 'modelyard', attributes: { 'modelyard.task_key': 'fit', 'mlflow.run_id': run.mlflowRunId } });
    expect(byName['load data']).toMatchObject({ parent_span_id: attempt.span_id, service_name: 'trainer', attributes: { rows: 768 } });
    expect(byName['GET /api/2.0/mlflow/runs/get']).toMatchObject({
      parent_span_id: attempt.span_id,
      kind: 'SERVER',
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/2.0/mlflow/runs/get',
        'http.response.status_code': 200,
        'mlflow.run_id': run.mlflowRunId,
        'modelyard.operation': 'http_request',
      },
    });

    expect(await getJson('/api/v1/traces/stage-durations?job=train')).toEqual({
      job: 'train',
      stages: [expect.objectContaining({ task_key: 'fit', count: 1, failed_count: 0 })],
    });
  });

  it('makes a request a child of an incoming traceparent, and stores it', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    await getJson('/api/2.0/mlflow/experiments/get?experiment_id=0', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    let trace: Json = {};
    await waitUntil(async () => {
      const r = await fetch(`${server.url}/api/v1/traces/${traceId}`);
      if (r.status !== 200) return false;
      trace = (await r.json()) as Json;
      return true;
    });
    expect(trace.spans).toEqual([
      expect.objectContaining({
        trace_id: traceId,
        parent_span_id: '00f067aa0ba902b7',
        name: 'GET /api/2.0/mlflow/experiments/get',
        status: { code: 'UNSET' },
        attributes: expect.objectContaining({ 'mlflow.experiment_id': '0', 'http.response.status_code': 200 }),
      }),
    ]);
  });
});

describe('OTLP export', () => {
  let receiver: Server;
  const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => new Promise<void>((r) => receiver.close(() => r())));

  it('sends every request span to the configured OTLP/HTTP collector', async () => {
    const address = receiver.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const server = await startTestServer({ config: { otlpEndpoint: `http://127.0.0.1:${port}` } });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      // Shutting down flushes the batch exporter.
      await server.close();
    }
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.url === '/v1/traces' && String(r.headers['content-type']).startsWith('application/json'))).toBe(true);
    const resourceSpans = received.flatMap((r) => (JSON.parse(r.body) as Json).resourceSpans as Json[]);
    const spans = resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss: Json) => ss.spans as Json[]));
    const health = spans.find((s) => s.name === 'GET /health');
    expect(health).toMatchObject({ kind: 2, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(health!.parentSpanId ?? '').toBe('');
    expect(resourceSpans[0]!.resource.attributes).toEqual(expect.arrayContaining([{ key: 'service.name', value: { stringValue: 'modelyard' } }]));
  });
});
