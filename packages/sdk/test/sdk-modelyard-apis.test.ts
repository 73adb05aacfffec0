import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../server/src/domain/pipelines/project-parser.js';
import { startTestServer } from '../../server/test/helpers/server.js';
import type { TestServer } from '../../server/test/helpers/server.js';
import { logAndRegister, pimaFrame, trainClassifier } from '../../server/test/serving/serving-fixtures.js';
import { BrowserClient } from '../src/browser.js';
import { Client, MlflowApiError, Tracker } from '../src/index.js';
import type { JobRunDetail } from '../src/index.js';

const NODE = JSON.stringify(process.execPath);

// `ok` prints its parameter; `boom` fails after printing to stderr; `slow` runs until canceled.
const PROJECT = `
project: { name: sdk-apis }
jobs:
  greet:
    name: sdk-greet
    parameters: [{ name: who, default: "world" }]
    tasks:
      - { task_key: hello, command_task: { command: [${NODE}, -e, "console.log('hello ' + process.env.MODELYARD_PARAM_WHO)"] } }
      - { task_key: bye, depends_on: [{ task_key: hello }], command_task: { command: [${NODE}, -e, "console.error('bye failed'); process.exit(4)"] } }
  slow:
    tasks:
      - { task_key: wait, command_task: { command: [${NODE}, -e, "setTimeout(() => {}, 60000)"] } }
`;

const ENDED = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES', 'FAILED', 'TIMEDOUT', 'CANCELED', 'SKIPPED']);

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("@modelyard/sdk: Modelyard's jobs, serving and traces APIs against a real server", () => {
  let server: TestServer;
  let client: Client;
  let browser: BrowserClient;
  let projectDir: string;
  let greetJobId: number;
  let slowJobId: number;
  let greetRun: JobRunDetail;

  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ trackingUri: server.url, env: {}, user: 'sdk-tester' });
    browser = new BrowserClient({ trackingUri: server.url, maxRetries: 1 });
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-sdk-apis-'));
    writeFileSync(join(projectDir, 'README'), 'sdk api fixture');
    const loaded = loadProject(PROJECT);
    expect(loaded.problems ?? []).toEqual([]);
    const jobs = await server.services.pipelines.jobs.deploy(loaded.spec!, projectDir);
    greetJobId = jobs.find((j) => j.jobKey === 'greet')!.jobId;
    slowJobId = jobs.find((j) => j.jobKey === 'slow')!.jobId;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  it('lists and gets jobs with their tasks, DAG and parameters', async () => {
    const jobs = await client.jobs.listJobs();
    expect(jobs.map((j) => j.jobKey).sort()).toEqual(['greet', 'slow']);
    const greet = await browser.jobs.getJob(greetJobId);
    expect(greet).toMatchObject({ jobId: greetJobId, project: 'sdk-apis', jobKey: 'greet', name: 'sdk-greet', parameters: [{ name: 'who', default: 'world' }] });
    expect(greet.tasks.map((t) => [t.taskKey, t.type, t.dependsOn])).toEqual([
      ['hello', 'command', []],
      ['bye', 'command', ['hello']],
    ]);
    const missing = await client.jobs.getJob(987654).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MlflowApiError);
    expect((missing as MlflowApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((missing as MlflowApiError).httpStatus).toBe(404);
  });

  it('runs a job now with parameters, follows it to its end, and reads each task log', async () => {
    const started = await client.jobs.runNow(greetJobId, { who: 'sdk' });
    expect(started.runId).toBeGreaterThan(0);
    expect(['QUEUED', 'RUNNING']).toContain(started.state);
    greetRun = await until('greet run ends', () => browser.jobs.getRun(started.runId), (r) => ENDED.has(r.state));
    expect(greetRun).toMatchObject({ runId: started.runId, jobId: greetJobId, jobKey: 'greet', state: 'FAILED', parameters: { who: 'sdk' }, actor: 'sdk-tester' });
    expect(greetRun.startTime).toBeGreaterThan(0);
    expect(greetRun.endTime).toBeGreaterThanOrEqual(greetRun.startTime!);
    const byKey = new Map(greetRun.tasks.map((t) => [t.taskKey, t]));
    expect(byKey.get('hello')).toMatchObject({ state: 'SUCCESS', attemptCount: 1 });
    expect(byKey.get('hello')!.attempts[0]).toMatchObject({ attemptNumber: 1, state: 'SUCCESS', exitCode: 0 });
    expect(byKey.get('bye')!.state).toBe('FAILED');
    expect(byKey.get('bye')!.attempts[0]!.exitCode).toBe(4);

    const hello = await client.jobs.readLog({ runId: started.runId, taskKey: 'hello' });
    expect(hello).toMatchObject({ attemptNumber: 1, stream: 'stdout', text: 'hello sdk\n', truncated: false });
    expect(hello.nextOffset).toBe(Buffer.byteLength('hello sdk\n'));
    // Tailing from the returned offset gives nothing new once the attempt has ended.
    expect((await client.jobs.readLog({ runId: started.runId, taskKey: 'hello', offset: hello.nextOffset })).text).toBe('');
    const bye = await browser.jobs.readLog({ runId: started.runId, taskKey: 'bye', stream: 'stderr' });
    expect(bye.text).toBe('bye failed\n');
  });

  it('pages through job runs newest first and filters by job', async () => {
    const second = await client.jobs.runNow(greetJobId);
    await until('second run ends', () => client.jobs.getRun(second.runId), (r) => ENDED.has(r.state));
    const first = await client.jobs.listRuns({ jobId: greetJobId, limit: 1 });
    expect(first.items.map((r) => r.runId)).toEqual([second.runId]);
    expect(first.items[0]!.parameters).toEqual({ who: 'world' });
    expect(first.nextPageToken).toBeDefined();
    const rest = await client.jobs.listRuns({ jobId: greetJobId, limit: 1, pageToken: first.nextPageToken! });
    expect(rest.items.map((r) => r.runId)).toEqual([greetRun.runId]);
    expect(rest.nextPageToken).toBeUndefined();
    expect((await client.jobs.listRuns({ jobId: slowJobId })).items).toEqual([]);
    const bad = await client.jobs.listRuns({ limit: 5000 }).catch((e: unknown) => e);
    expect((bad as MlflowApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  });

  it('repairs the failed task of a run and cancels a running one', async () => {
    const repaired = await client.jobs.repairRun(greetRun.runId, ['bye']);
    expect(repaired).toMatchObject({ runId: greetRun.runId, repairCount: 1 });
    const after = await until('repair ends', () => client.jobs.getRun(greetRun.runId), (r) => ENDED.has(r.state));
    expect(after.repairCount).toBe(1);
    // The task failed again (same script), now with a second attempt.
    expect(after.tasks.find((t) => t.taskKey === 'bye')!.attempts.length).toBe(2);

    const slow = await client.jobs.runNow(slowJobId);
    await until('slow run starts', () => client.jobs.getRun(slow.runId), (r) => r.state === 'RUNNING');
    expect((await client.jobs.listRuns({ activeOnly: true })).items.map((r) => r.runId)).toEqual([slow.runId]);
    await client.jobs.cancelRun(slow.runId);
    const canceled = await until('slow run canceled', () => client.jobs.getRun(slow.runId), (r) => ENDED.has(r.state));
    expect(canceled.state).toBe('CANCELED');
  });

  it('lists the traces of a job run and reads one trace and the stage durations', async () => {
    const summaries = await until(
      'job run trace stored',
      () => browser.traces.listTraces({ jobRunId: greetRun.runId }),
      (t) => t.length > 0 && t[0]!.status !== undefined,
    );
    const summary = summaries[0]!;
    expect(summary).toMatchObject({ jobRunId: greetRun.runId, jobKey: 'greet', name: 'job greet' });
    expect(summary.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(summary.durationUs).toBe(summary.endTimeUs - summary.startTimeUs);
    expect(summary.errorCount).toBeGreaterThan(0);

    // Spans reach the store in batches a moment after they end: the root can be there before a
    // late attempt's span, so the count is compared once both reads agree.
    const { spans } = await until(
      'every span of the trace stored',
      async () => ({ spans: await client.traces.getTrace(summary.traceId), count: (await client.traces.listTraces({ traceId: summary.traceId }))[0]!.spanCount }),
      (r) => r.spans.length === r.count,
    );
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    expect(root.name).toBe('job greet');
    expect(root.attributes['modelyard.job_run_id']).toBe(greetRun.runId);
    const bye = spans.find((s) => s.attributes['modelyard.task_key'] === 'bye');
    expect(bye?.statusCode).toBe('ERROR');
    expect(spans.every((s) => s.traceId === summary.traceId)).toBe(true);

    expect((await client.traces.listTraces({ traceId: summary.traceId })).map((t) => t.traceId)).toEqual([summary.traceId]);
    const missing = await client.traces.getTrace('ab'.repeat(16)).catch((e: unknown) => e);
    expect((missing as MlflowApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    const twoSelectors = await client.traces.listTraces({ job: 'greet', runId: 'x' }).catch((e: unknown) => e);
    expect((twoSelectors as MlflowApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');

    const stages = await client.traces.stageDurations('greet');
    const hello = stages.find((s) => s.taskKey === 'hello');
    expect(hello).toBeDefined();
    expect(hello!.count).toBeGreaterThanOrEqual(2);
    expect(hello!.failedCount).toBe(0);
    expect(hello!.maxMs).toBeGreaterThanOrEqual(hello!.p50Ms);
    expect(stages.find((s) => s.taskKey === 'bye')!.failedCount).toBeGreaterThanOrEqual(1);
  });

  it('creates a serving endpoint, scores on it and on one served model, updates it and deletes it', async () => {
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('sdk-serving');
    await logAndRegister(tracker, trainClassifier(0.0005), 'sdk-pima');
    await logAndRegister(tracker, trainClassifier(100), 'sdk-pima');
    const row = pimaFrame().drop(['Outcome']).head(1).toRecords()[0]!;

    const created = await client.serving.createEndpoint(
      'sdk-live',
      {
        servedModels: [
          { name: 'a', modelUri: 'models:/sdk-pima/1' },
          { name: 'b', modelUri: 'models:/sdk-pima/2' },
        ],
        traffic: [
          { servedModelName: 'a', percentage: 100 },
          { servedModelName: 'b', percentage: 0 },
        ],
      },
      { description: 'two versions' },
    );
    expect(created).toMatchObject({ name: 'sdk-live', description: 'two versions', inferenceLog: false });
    expect(created.traffic).toEqual([
      { servedModelName: 'a', percentage: 100 },
      { servedModelName: 'b', percentage: 0 },
    ]);
    const ready = await until('endpoint ready', () => browser.serving.getEndpoint('sdk-live'), (e) => e.ready);
    expect(ready.servedModels.map((m) => [m.name, m.modelUri, m.modelName, m.modelVersion, m.deployment])).toEqual([
      ['a', 'models:/sdk-pima/1', 'sdk-pima', '1', 'READY'],
      ['b', 'models:/sdk-pima/2', 'sdk-pima', '2', 'READY'],
    ]);
    expect((await client.serving.listEndpoints()).map((e) => e.name)).toEqual(['sdk-live']);

    const routed = await browser.serving.invoke('sdk-live', { dataframe_records: [row] });
    expect(routed).toMatchObject({ status: 200, servedModel: 'a', modelName: 'sdk-pima', modelVersion: '1' });
    expect((routed.body as { predictions: unknown[] }).predictions).toHaveLength(1);
    const direct = await client.serving.invoke('sdk-live', JSON.stringify({ dataframe_records: [row, row] }), { servedModel: 'b' });
    expect(direct).toMatchObject({ status: 200, servedModel: 'b', modelVersion: '2' });
    expect((direct.body as { predictions: unknown[] }).predictions).toHaveLength(2);
    const refused = await client.serving.invoke('sdk-live', { dataframe_records: [{ nope: 1 }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MlflowApiError);
    expect((refused as MlflowApiError).httpStatus).toBe(400);
    expect((refused as MlflowApiError).message).not.toBe('');

    expect(await browser.serving.metricsText()).toContain('sdk-live');

    const updated = await client.serving.updateEndpoint('sdk-live', { servedModels: [{ name: 'b', modelUri: 'models:/sdk-pima/2' }] });
    expect(updated.servedModels.map((m) => m.name)).toEqual(['b']);
    await until('update served', () => client.serving.invoke('sdk-live', { dataframe_records: [row] }), (r) => r.servedModel === 'b');

    await browser.serving.deleteEndpoint('sdk-live');
    const gone = await client.serving.getEndpoint('sdk-live').catch((e: unknown) => e);
    expect((gone as MlflowApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await client.serving.listEndpoints()).toEqual([]);
  }, 60_000);
});
