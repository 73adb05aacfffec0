import { Command } from 'commander';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerTracesCommand } from '../../src/cli/traces-command.js';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { registerTraceRoutes } from '../../src/http/routes/v1/traces.js';
import { SpanStore } from '../../src/stores/telemetry/span-store.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { describeEachDialect } from '../helpers/dialects.js';

const T1 = '0af7651916cd43dd8448eb211c80319c';
const T2 = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROOT1 = 'b7ad6b7169203331';
const BASE_NS = 1_700_000_000_000_000_000n;

const str = (v: string) => ({ stringValue: v });
const int = (v: number) => ({ intValue: String(v) });

function otlpSpan(o: { traceId: string; spanId: string; parent?: string; name: string; startMs: number; durMs: number; attrs?: Array<[string, object]>; error?: string }) {
  const start = BASE_NS + BigInt(o.startMs) * 1_000_000n;
  return {
    traceId: o.traceId,
    spanId: o.spanId,
    ...(o.parent ? { parentSpanId: o.parent } : {}),
    name: o.name,
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt(o.durMs) * 1_000_000n),
    attributes: (o.attrs ?? []).map(([key, value]) => ({ key, value })),
    ...(o.error ? { status: { code: 2, message: o.error }, events: [{ name: 'exception', timeUnixNano: String(start), attributes: [{ key: 'exception.message', value: str(o.error) }] }] } : { status: { code: 1 } }),
  };
}

function jobAttrs(jobRunId: number, taskKey?: string): Array<[string, object]> {
  return [
    ['modelyard.job_key', str('train')],
    ['modelyard.job_run_id', int(jobRunId)],
    ['mlflow.run_id', str(`run${jobRunId}`)],
    ['mlflow.experiment_id', str('7')],
    ...(taskKey ? ([['modelyard.task_key', str(taskKey)], ['modelyard.operation', str('task_attempt')]] as Array<[string, object]>) : ([['modelyard.operation', str('job_run')]] as Array<[string, object]>)),
  ];
}

describeEachDialect('traces API', (ctx) => {
  let app: FastifyInstance;
  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    app = Fastify();
    registerErrorHandling(app, silentLogger());
    const spans = new SpanStore(ctx.db, ctx.caps);
    registerTraceRoutes(app, { traces: spans, sink: spans });
    await app.ready();
    // Job run 1: root + prepare (10 ms) + fit twice (100 ms failed, 300 ms) + a child process's span.
    // Job run 2: root + prepare (30 ms) + fit (200 ms).
    const spansOf1 = [
      otlpSpan({ traceId: T1, spanId: ROOT1, name: 'job train', startMs: 0, durMs: 500, attrs: jobAttrs(1) }),
      otlpSpan({ traceId: T1, spanId: '00f067aa0ba902b7', parent: ROOT1, name: 'task prepare', startMs: 1, durMs: 10, attrs: jobAttrs(1, 'prepare') }),
      otlpSpan({ traceId: T1, spanId: '00f067aa0ba902b8', parent: ROOT1, name: 'task fit', startMs: 20, durMs: 100, attrs: jobAttrs(1, 'fit'), error: 'exited with code 3' }),
      otlpSpan({ traceId: T1, spanId: '00f067aa0ba902b9', parent: ROOT1, name: 'task fit', startMs: 130, durMs: 300, attrs: jobAttrs(1, 'fit') }),
      otlpSpan({ traceId: T1, spanId: '00f067aa0ba902ba', parent: '00f067aa0ba902b9', name: 'load data', startMs: 140, durMs: 50 }),
    ];
    const spansOf2 = [
      otlpSpan({ traceId: T2, spanId: 'c7ad6b7169203331', name: 'job train', startMs: 10_000, durMs: 400, attrs: jobAttrs(2) }),
      otlpSpan({ traceId: T2, spanId: 'c7ad6b7169203332', parent: 'c7ad6b7169203331', name: 'task prepare', startMs: 10_001, durMs: 30, attrs: jobAttrs(2, 'prepare') }),
      otlpSpan({ traceId: T2, spanId: 'c7ad6b7169203333', parent: 'c7ad6b7169203331', name: 'task fit', startMs: 10_040, durMs: 200, attrs: jobAttrs(2, 'fit') }),
    ];
    const post = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: {
        resourceSpans: [
          { resource: { attributes: [{ key: 'service.name', value: str('trainer') }] }, scopeSpans: [{ scope: { name: 't' }, spans: spansOf1 }] },
          { resource: { attributes: [{ key: 'service.name', value: str('modelyard') }] }, scopeSpans: [{ spans: spansOf2 }] },
        ],
      },
    });
    expect(post.statusCode).toBe(200);
    expect(post.json()).toEqual({});
    // Written again (a repaired run's root): replaced, not duplicated.
    const again = await app.inject({ method: 'POST', url: '/v1/traces', payload: { resourceSpans: [{ scopeSpans: [{ spans: [spansOf1[0]] }] }] } });
    expect(again.statusCode).toBe(200);
  });
  afterAll(async () => app?.close());

  it('lists traces newest first with their root span, duration and span count', async () => {
    const { status, body } = await get('/api/v1/traces');
    expect(status).toBe(200);
    expect(body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([T2, T1]);
    const t1 = body.traces[1];
    expect(t1).toMatchObject({
      trace_id: T1,
      name: 'job train',
      status: 'OK',
      start_time_us: Number(BASE_NS / 1000n),
      end_time_us: Number(BASE_NS / 1000n) + 500_000,
      duration_us: 500_000,
      span_count: 5,
      error_count: 1,
      job_run_id: 1,
      job_key: 'train',
      run_id: 'run1',
      experiment_id: '7',
    });
    expect(t1.root_span).toMatchObject({ span_id: ROOT1, name: 'job train', kind: 'INTERNAL', duration_us: 500_000 });
    expect(t1.root_span.parent_span_id).toBeUndefined();
  });

  it('filters by job run, MLflow run, trace id and job', async () => {
    expect((await get('/api/v1/traces?job_run_id=2')).body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([T2]);
    expect((await get('/api/v1/traces?run_id=run1')).body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([T1]);
    expect((await get(`/api/v1/traces?trace_id=${T1}`)).body.traces).toHaveLength(1);
    expect((await get('/api/v1/traces?job=train&limit=1')).body.traces.map((t: { trace_id: string }) => t.trace_id)).toEqual([T2]);
    expect(await get('/api/v1/traces?job_run_id=99')).toEqual({ status: 200, body: {} });
  });

  it('returns every span of a trace with attributes, events and status', async () => {
    const { status, body } = await get(`/api/v1/traces/${T1}`);
    expect(status).toBe(200);
    expect(body.trace_id).toBe(T1);
    expect(body.spans.map((s: { name: string }) => s.name)).toEqual(['job train', 'task prepare', 'task fit', 'task fit', 'load data']);
    const failed = body.spans[2];
    expect(failed).toMatchObject({
      parent_span_id: ROOT1,
      status: { code: 'ERROR', message: 'exited with code 3' },
      service_name: 'trainer',
      attributes: { 'modelyard.task_key': 'fit', 'modelyard.job_run_id': 1, 'mlflow.run_id': 'run1' },
      events: [{ name: 'exception', time_us: Number(BASE_NS / 1000n) + 20_000, attributes: { 'exception.message': 'exited with code 3' } }],
    });
    expect(body.spans[4]).toMatchObject({ parent_span_id: '00f067aa0ba902b9', duration_us: 50_000, status: { code: 'OK' } });
    expect(body.spans[4].attributes).toBeUndefined();
  });

  it('aggregates durations per stage of a job (count, p50, p95)', async () => {
    const { status, body } = await get('/api/v1/traces/stage-durations?job=train');
    expect(status).toBe(200);
    expect(body).toEqual({
      job: 'train',
      stages: [
        { task_key: 'prepare', count: 2, failed_count: 0, mean_ms: 20, p50_ms: 10, p95_ms: 30, max_ms: 30 },
        { task_key: 'fit', count: 3, failed_count: 1, mean_ms: 200, p50_ms: 200, p95_ms: 300, max_ms: 300 },
      ],
    });
    const since = Number(BASE_NS / 1_000_000n) + 5_000;
    expect((await get(`/api/v1/traces/stage-durations?job=train&since_ms=${since}`)).body.stages.map((s: { count: number }) => s.count)).toEqual([1, 1]);
  });

  it('answers bad requests with MLflow-style errors', async () => {
    expect(await get('/api/v1/traces/ffff')).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await get(`/api/v1/traces/${'1'.repeat(32)}`)).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await get('/api/v1/traces?job_run_id=1&run_id=x')).toMatchObject({ status: 400, body: { message: expect.stringContaining('at most one') } });
    expect(await get('/api/v1/traces/stage-durations')).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const badSpan = await app.inject({ method: 'POST', url: '/v1/traces', payload: { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '00f067aa0ba902b7', name: 'x' }] }] }] } });
    expect(badSpan.statusCode).toBe(400);
    expect(badSpan.json().message).toContain('resourceSpans[0].scopeSpans[0].spans[0].traceId');
    const protobuf = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from([1, 2, 3]) });
    expect(protobuf.statusCode).toBe(415);
    expect(protobuf.json().message).toContain('http/json');
  });

  it('modelyard traces lists, shows a waterfall and prints stage durations, through the server', async () => {
    // The CLI asks the server over HTTP, from any folder: the app listens on a loopback port.
    let url: string | undefined;
    const serverUrl = async () => (url ??= await app.listen({ host: '127.0.0.1', port: 0 }));
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      });
      try {
        const program = new Command('modelyard').exitOverride();
        registerTracesCommand(program);
        await program.parseAsync(['traces', ...args, '--tracking-uri', await serverUrl()], { from: 'user' });
      } finally {
        spy.mockRestore();
      }
      return out.join('');
    };
    const list = await run('--job-run', '1');
    expect(list.split('\n')[0]).toMatch(/^TRACE_ID +STARTED +DURATION +SPANS +ERRORS +JOB_RUN +NAME$/);
    expect(list).toMatch(new RegExp(`^${T1} +2023-11-14 22:13:20.000 +500.0 ms +5 +1 +1 +job train$`, 'm'));
    expect(list).not.toContain(T2);

    expect(await run('show', '--job-run', '1')).toBe(await run('show', T1));
    const show = (await run('show', T1)).split('\n');
    expect(show[0]).toBe(`trace ${T1}: 5 spans, 500.0 ms, started 2023-11-14 22:13:20.000`);
    const lines = [
      /^job train +OK +500\.0 ms +\|/,
      /^ {2}task prepare +OK +10\.0 ms +\|/,
      /^ {2}task fit +ERROR: exited with code 3 +100\.0 ms +\|/,
      /^ {2}task fit +OK +300\.0 ms +\|/,
      /^ {4}load data +OK +50\.0 ms +\|/,
    ];
    lines.forEach((re, i) => expect(show[2 + i]).toMatch(re));
    // The failed attempt's bar starts 20 ms into the 500 ms trace.
    expect(show[4]).toMatch(/\| {1}#{8} {31}\|$/);

    const stages = await run('stages', 'train');
    expect(stages).toMatch(/^fit +3 +1 +200\.0 +300\.0 +200\.0 +300\.0$/m);

    // --json on each: the SDK's entities, for scripts.
    const listJson = JSON.parse(await run('--job-run', '1', '--json')) as Array<{ traceId: string; spanCount: number; jobRunId: number }>;
    expect(listJson).toEqual([expect.objectContaining({ traceId: T1, spanCount: 5, jobRunId: 1 })]);
    const showJson = JSON.parse(await run('show', T1, '--json')) as Array<{ name: string }>;
    expect(showJson.map((s) => s.name).sort()).toEqual(['job train', 'load data', 'task fit', 'task fit', 'task prepare']);
    const stagesJson = JSON.parse(await run('stages', 'train', '--json')) as Array<{ taskKey: string; count: number }>;
    expect(stagesJson).toContainEqual(expect.objectContaining({ taskKey: 'fit', count: 3 }));
  });
});
