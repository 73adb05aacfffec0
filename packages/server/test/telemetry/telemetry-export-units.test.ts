import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppInsightsSpanExporter } from '../../src/telemetry/app-insights-span-exporter.js';
import { AttemptLogForwarder, severityOfTaskLine } from '../../src/telemetry/attempt-log-forwarder.js';
import type { OutputStream } from '../../src/telemetry/attempt-log-forwarder.js';
import { failureOutput } from '../../src/telemetry/failure-output.js';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import { logExportOptionsFromConfig, otlpLogsUrl } from '../../src/telemetry/log-export.js';
import { pinoLineToLog } from '../../src/telemetry/pino-log-export.js';
import { waitUntil } from '../pipelines/pipeline-harness.js';

describe('attempt output forwarding', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-forwarder-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function files() {
    n++;
    return { stdout: join(dir, `${n}-stdout.log`), stderr: join(dir, `${n}-stderr.log`) };
  }
  function forwarder(f: { stdout: string; stderr: string }, opts: { pollMs?: number; maxLines?: number; active?: () => boolean } = {}) {
    const lines: Array<[string, OutputStream, number]> = [];
    const fwd = new AttemptLogForwarder({
      files: [
        { path: f.stdout, stream: 'stdout' },
        { path: f.stderr, stream: 'stderr' },
      ],
      emit: (line, stream, time) => lines.push([line, stream, time]),
      now: () => 1000,
      ...opts,
    });
    return { fwd, lines };
  }

  it('hands over whole lines while the attempt runs, and the rest when it ends', async () => {
    const f = files();
    const { fwd, lines } = forwarder(f, { pollMs: 10 });
    // The files appear only once the attempt starts.
    fwd.start();
    writeFileSync(f.stdout, 'one\ntw');
    writeFileSync(f.stderr, 'WARNING careful\n');
    await waitUntil(() => lines.length === 2);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['one', 'stdout', 1000],
        ['WARNING careful', 'stderr', 1000],
      ]),
    );
    appendFileSync(f.stdout, 'o\r\n\n   \nepoch 1\repoch 2\repoch 3\nlast words');
    expect(await fwd.finish(5000)).toEqual({ exported: 5, capped: false });
    // A read already under way may take some of the appended lines (stamped when read).
    expect(lines.slice(2).map(([l, s]) => [l, s])).toEqual([
      ['two', 'stdout'],
      ['epoch 3', 'stdout'],
      ['last words', 'stdout'],
    ]);
    // The unterminated last line is handed over by the final read, stamped with the end time.
    expect(lines.at(-1)![2]).toBe(5000);
  });

  it('stops reading when told the export is gone, without waiting for the attempt to end', async () => {
    const f = files();
    let active = true;
    const { fwd, lines } = forwarder(f, { pollMs: 10, active: () => active });
    writeFileSync(f.stdout, 'before\n');
    fwd.start();
    await waitUntil(() => lines.length === 1);
    active = false;
    // A read already under way finishes; none starts after it.
    await new Promise((r) => setTimeout(r, 40));
    appendFileSync(f.stdout, 'after\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(lines.map(([l]) => l)).toEqual(['before']);
  });

  it('stops at maxLines, and cuts a line longer than 16 KiB', async () => {
    const f = files();
    writeFileSync(f.stdout, `${'x'.repeat(40_000)}\nshort\n${Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n')}\n`);
    const { fwd, lines } = forwarder(f, { maxLines: 4 });
    expect(await fwd.finish(1)).toEqual({ exported: 4, capped: true });
    expect(lines.map(([l]) => (l.length > 20 ? `${l.length}:${l.slice(-1)}` : l))).toEqual([`${16 * 1024 + 1}:…`, 'short', 'line 0', 'line 1']);
  });

  it.each([
    ['INFO:root:training started', 'stdout', 'info'],
    ['2024-05-01 10:00:00,123 - trainer - ERROR - could not read the data', 'stdout', 'error'],
    ['WARNING: falling back to CPU', 'stderr', 'warn'],
    ['CRITICAL out of memory', 'stdout', 'fatal'],
    ['DEBUG x=1', 'stderr', 'debug'],
    ['ValueError: Input contains NaN', 'stderr', 'warn'],
    ['0 errors, 2 warnings', 'stdout', 'info'],
  ] as const)('%s on %s is %s', (line, stream, severity) => {
    expect(severityOfTaskLine(line, stream)).toBe(severity);
  });

  it("takes a failed process's last traceback, else its last lines, as the stack", () => {
    const path = join(dir, 'failed.log');
    writeFileSync(path, 'loading\nTraceback (most recent call last):\n  File "a.py", line 1\nKeyError: 1\nretrying\nTraceback (most recent call last):\n  File "b.py", line 9, in <module>\nValueError: bad\n');
    expect(failureOutput(path)).toBe('Traceback (most recent call last):\n  File "b.py", line 9, in <module>\nValueError: bad');
    writeFileSync(path, `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n')}\n\n`);
    expect(failureOutput(path)?.split('\n')).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 20}`));
    writeFileSync(path, '');
    expect(failureOutput(path)).toBeUndefined();
    expect(failureOutput(join(dir, 'missing.log'))).toBeUndefined();
  });
});

describe('pino lines as log records', () => {
  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  const SPAN = 'b7ad6b7169203331';

  it('renames the MLflow ids to the seeds dimension names and keeps the ids as the context', () => {
    const line = JSON.stringify({ level: 40, time: '2024-05-01T10:00:00.000Z', service: 'modelyard', trace_id: TRACE, span_id: SPAN, job_run_id: 3, task_key: 'fit', run_id: 'r1', experiment_id: '7', details: { a: 1 }, msg: 'task attempt did not succeed' });
    expect(pinoLineToLog(line)).toEqual({
      body: 'task attempt did not succeed',
      severity: 'warn',
      time: Date.parse('2024-05-01T10:00:00.000Z'),
      attributes: { job_run_id: 3, task_key: 'fit', mlflow_run_id: 'r1', mlflow_experiment_id: '7', details: '{"a":1}' },
      traceId: TRACE,
      spanId: SPAN,
    });
  });

  it('makes an error an exception, unless a request span already carries it', () => {
    const err = { type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at f (a.js:1:1)' };
    expect(pinoLineToLog(JSON.stringify({ level: 50, err, msg: 'dispatch failed' }))!.attributes).toEqual({
      'exception.type': 'TypeError',
      'exception.message': 'x is undefined',
      'exception.stacktrace': err.stack,
    });
    expect(pinoLineToLog(JSON.stringify({ level: 50, err, request_id: 'q1', msg: 'unhandled error' }))!.attributes).toEqual({
      request_id: 'q1',
      'error.type': 'TypeError',
      'error.message': 'x is undefined',
      'error.stack': err.stack,
    });
    expect(pinoLineToLog(JSON.stringify({ level: 40, err, msg: 'could not end the MLflow run' }))!.attributes).toHaveProperty('error.type', 'TypeError');
    expect(pinoLineToLog('not json')).toBeUndefined();
  });

  it('takes the exporters and the cloud role from the configuration', () => {
    const config = resolveConfig([configFromEnv({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=k', MODELYARD_APPLICATION_INSIGHTS_ROLE_NAME: 'Diabetes_Training', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })], '/tmp');
    expect(logExportOptionsFromConfig(config)).toMatchObject({ azureMonitorConnectionString: 'InstrumentationKey=k', azureMonitorRoleName: 'Diabetes_Training', otlpEndpoint: 'http://collector:4318' });
    expect(logExportOptionsFromConfig(resolveConfig([{}], '/tmp'))).toEqual({ serviceVersion: expect.any(String) });
  });

  it.each([
    ['http://collector:4318', 'http://collector:4318/v1/logs'],
    ['http://collector:4318/', 'http://collector:4318/v1/logs'],
    ['http://collector:4318/v1/traces', 'http://collector:4318/v1/logs'],
    ['http://collector:4318/v1/logs', 'http://collector:4318/v1/logs'],
  ])('OTLP logs of %s go to %s', (endpoint, url) => {
    expect(otlpLogsUrl(endpoint)).toBe(url);
  });
});

describe('spans on their way to Application Insights', () => {
  async function exported(roleName: string | undefined, attributes: Record<string, string | number>) {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'modelyard' }),
      spanProcessors: [new SimpleSpanProcessor(new AppInsightsSpanExporter(memory, { roleName }))],
    });
    const span = provider.getTracer('t').startSpan('task fit', { attributes });
    span.recordException({ name: 'TaskFailed', message: 'exited with code 3' });
    span.end();
    await provider.forceFlush();
    const [out] = memory.getFinishedSpans();
    await provider.shutdown();
    return { span: out! };
  }

  it('adds the underscore dimensions, to the span and its exception, and the job name as cloud role', async () => {
    const { span } = await exported(undefined, { 'mlflow.run_id': 'r1', 'mlflow.experiment_id': '7', 'modelyard.job_run_id': 3, 'modelyard.task_key': 'fit', 'modelyard.job_name': 'Diabetes_Training' });
    const dims = { mlflow_run_id: 'r1', mlflow_experiment_id: '7', job_run_id: 3, task_key: 'fit' };
    expect(span.attributes).toMatchObject({ ...dims, 'mlflow.run_id': 'r1' });
    expect(span.events[0]!.attributes).toEqual({ ...dims, 'exception.type': 'TaskFailed', 'exception.message': 'exited with code 3', 'exception.stacktrace': 'TaskFailed: exited with code 3' });
    expect(span.resource.attributes['service.name']).toBe('Diabetes_Training');
  });

  it('gives every span the configured role, and leaves spans without dimensions as they are', async () => {
    expect((await exported('Scoring', { 'modelyard.job_name': 'Diabetes_Training' })).span.resource.attributes['service.name']).toBe('Scoring');
    const plain = await exported(undefined, { 'http.route': '/health' });
    expect(plain.span.resource.attributes['service.name']).toBe('modelyard');
    expect(plain.span.attributes).toEqual({ 'http.route': '/health' });
  });
});
