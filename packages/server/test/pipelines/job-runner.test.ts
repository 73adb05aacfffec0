import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InvalidParameterError, InvalidStateError } from '../../src/errors.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createHarness, processAlive, waitForRunEnd, waitUntil } from './pipeline-harness.js';
import type { Harness } from './pipeline-harness.js';
import { TASK_SCRIPTS } from './task-scripts.js';

interface Event {
  task: string;
  attempt: number;
  runId: string;
  experimentId: string;
  trackingUri: string;
  jobRunId: string;
  alpha?: string;
  args: string[];
  start: number;
  end: number;
}

const cmd = (...args: string[]) => `{ command: [${args.map((a) => JSON.stringify(a)).join(', ')}] }`;
const NODE = process.execPath;

describeEachDialect('job runner', (ctx) => {
  let h: Harness;
  const events = (): Event[] =>
    existsSync(join(h.projectDir, 'events.jsonl'))
      ? readFileSync(join(h.projectDir, 'events.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
      : [];

  beforeAll(async () => {
    h = await createHarness(ctx, { killGraceMs: 300 });
    for (const [name, text] of Object.entries(TASK_SCRIPTS)) h.write(name, text);
  });
  afterAll(async () => h.close());

  it('runs tasks in dependency order, in parallel where allowed, logging to one MLflow run', async () => {
    const jobs = await h.deploy(`
project: { name: demo }
experiments: { main: { name: pipeline-demo } }
jobs:
  dag:
    experiment: main
    parameters: [{ name: alpha, default: "0.5" }]
    tasks:
      - { task_key: ingest, command_task: ${cmd(NODE, 'record.js', '50', '{{job.parameters.alpha}}', '{{task.name}}')} }
      - { task_key: left, depends_on: [{ task_key: ingest }], command_task: ${cmd(NODE, 'record.js', '400')} }
      - { task_key: right, depends_on: [{ task_key: ingest }], command_task: ${cmd(NODE, 'record.js', '400')} }
      - { task_key: join, depends_on: [{ task_key: left }, { task_key: right }], command_task: ${cmd(NODE, 'record.js', '0')} }
      - { task_key: on_failure, depends_on: [{ task_key: join }], run_if: AT_LEAST_ONE_FAILED, command_task: ${cmd(NODE, 'record.js', '0')} }
`);
    const started = await h.jobs.runNow(jobs.dag!.jobId, { actor: 'alice', parameters: { alpha: '0.9' } });
    const run = await waitForRunEnd(h, started.jobRunId);
    expect(run).toMatchObject({ state: 'SUCCESS', trigger: 'MANUAL', actor: 'alice', parameters: { alpha: '0.9' } });
    const ev = Object.fromEntries(events().filter((e) => e.jobRunId === String(run.jobRunId)).map((e) => [e.task, e]));
    expect(Object.keys(ev).sort()).toEqual(['ingest', 'join', 'left', 'right']);
    expect(ev.ingest!.args).toEqual(['0.9', 'ingest']);
    expect(ev.ingest!.alpha).toBe('0.9');
    expect(ev.left!.start).toBeGreaterThanOrEqual(ev.ingest!.end);
    expect(ev.join!.start).toBeGreaterThanOrEqual(Math.max(ev.left!.end, ev.right!.end));
    // left and right overlapped in time.
    expect(ev.left!.start).toBeLessThan(ev.right!.end);
    expect(ev.right!.start).toBeLessThan(ev.left!.end);
    for (const e of Object.values(ev)) {
      expect(e.runId).toBe(run.mlflowRunId);
      expect(e.experimentId).toBe(run.mlflowExperimentId);
      expect(e.trackingUri).toBe('http://127.0.0.1:5999');
    }
    const details = await h.jobs.getRun(run.jobRunId);
    expect(details.tasks.map((t) => [t.taskKey, t.state])).toEqual([
      ['ingest', 'SUCCESS'],
      ['left', 'SUCCESS'],
      ['right', 'SUCCESS'],
      ['join', 'SUCCESS'],
      ['on_failure', 'EXCLUDED'],
    ]);
    const mlflowRun = await h.services.runs.getRun(run.mlflowRunId!);
    expect(mlflowRun.info.status).toBe('FINISHED');
    expect((await h.services.experiments.get(run.mlflowExperimentId!)).name).toBe('pipeline-demo');
    const tags = Object.fromEntries(mlflowRun.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'modelyard.job_run_id': String(run.jobRunId), 'mlflow.source.type': 'JOB', 'mlflow.user': 'alice' });
    expect(mlflowRun.data.params).toEqual([{ key: 'alpha', value: '0.9' }]);
    const log = await h.jobs.readLog(run.jobRunId, 'join');
    expect(log.text).toBe('done join\n');
  });

  it('refuses undeclared parameters', async () => {
    const jobs = await h.deploy(`project: { name: demo }\njobs:\n  p:\n    tasks: [{ task_key: a, command_task: ${cmd(NODE, '-e', '0')} }]\n`);
    await expect(h.jobs.runNow(jobs.p!.jobId, { actor: null, parameters: { beta: '1' } })).rejects.toThrow(InvalidParameterError);
  });

  it('retries a failing task after the minimum interval, then succeeds', async () => {
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  retry:
    tasks:
      - { task_key: flaky, max_retries: 3, min_retry_interval_millis: 300, command_task: ${cmd(NODE, 'flaky.js', '3')} }
`);
    const run = await waitForRunEnd(h, (await h.jobs.runNow(jobs.retry!.jobId, { actor: null })).jobRunId);
    expect(run.state).toBe('SUCCESS');
    const { attempts, tasks } = await h.jobs.getRun(run.jobRunId);
    expect(attempts.map((a) => [a.attemptNumber, a.trigger, a.state, a.exitCode])).toEqual([
      [1, 'INITIAL', 'FAILED', 2],
      [2, 'RETRY', 'FAILED', 2],
      [3, 'RETRY', 'SUCCESS', 0],
    ]);
    expect(attempts[0]!.stateMessage).toBe('exited with code 2: flaky failure on attempt 1');
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.startTime! - attempts[i - 1]!.endTime!).toBeGreaterThanOrEqual(300);
    expect(tasks[0]).toMatchObject({ state: 'SUCCESS', attemptCount: 3 });
    expect((await h.jobs.readLog(run.jobRunId, 'flaky', { attempt: 1, stream: 'stderr' })).text).toBe('flaky failure on attempt 1\n');
  });

  it('fails a task whose retries run out, blocks its dependants and still runs ALL_DONE tasks', async () => {
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  exhaust:
    tasks:
      - { task_key: broken, max_retries: 1, command_task: ${cmd(NODE, 'flaky.js', '99')} }
      - { task_key: after, depends_on: [{ task_key: broken }], command_task: ${cmd(NODE, '-e', '0')} }
      - { task_key: cleanup, depends_on: [{ task_key: broken }], run_if: ALL_DONE, command_task: ${cmd(NODE, '-e', '0')} }
`);
    const run = await waitForRunEnd(h, (await h.jobs.runNow(jobs.exhaust!.jobId, { actor: null })).jobRunId);
    const { tasks, attempts } = await h.jobs.getRun(run.jobRunId);
    expect(tasks.map((t) => [t.taskKey, t.state])).toEqual([
      ['broken', 'FAILED'],
      ['after', 'UPSTREAM_FAILED'],
      ['cleanup', 'SUCCESS'],
    ]);
    expect(attempts.filter((a) => a.taskKey === 'broken')).toHaveLength(2);
    expect(run.state).toBe('FAILED');
    expect(run.stateMessage).toMatch(/^task 'broken' FAILED: exited with code 2/);
    expect((await h.services.runs.getRun(run.mlflowRunId!)).info.status).toBe('FAILED');
  });

  it('times a task out by killing its process group', async () => {
    const pids = join(h.projectDir, 'timeout-pids.json');
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  slow:
    tasks:
      - { task_key: hang, timeout_seconds: 1, max_retries: 2, command_task: ${cmd(NODE, 'spawn-tree.js', pids)} }
`);
    const run = await waitForRunEnd(h, (await h.jobs.runNow(jobs.slow!.jobId, { actor: null })).jobRunId);
    expect(run.state).toBe('FAILED');
    const { tasks, attempts } = await h.jobs.getRun(run.jobRunId);
    // Timeouts are not retried unless retry_on_timeout is set.
    expect(attempts.map((a) => [a.state, a.signal])).toEqual([['TIMEDOUT', 'SIGKILL']]);
    expect(tasks[0]!.state).toBe('TIMEDOUT');
    const { parent, child } = JSON.parse(readFileSync(pids, 'utf8')) as { parent: number; child: number };
    await waitUntil(() => !processAlive(parent) && !processAlive(child));
  });

  it('cancels a running job: the process group dies and pending tasks are canceled', async () => {
    const pids = join(h.projectDir, 'cancel-pids.json');
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  cancel:
    tasks:
      - { task_key: hang, max_retries: 3, command_task: ${cmd(NODE, 'spawn-tree.js', pids)} }
      - { task_key: next, depends_on: [{ task_key: hang }], command_task: ${cmd(NODE, '-e', '0')} }
`);
    const started = await h.jobs.runNow(jobs.cancel!.jobId, { actor: null });
    await waitUntil(() => existsSync(pids));
    await h.jobs.cancel(started.jobRunId, 'bob');
    const run = await waitForRunEnd(h, started.jobRunId);
    expect(run).toMatchObject({ state: 'CANCELED', stateMessage: 'canceled by bob' });
    const { tasks, attempts } = await h.jobs.getRun(run.jobRunId);
    expect(tasks.map((t) => [t.taskKey, t.state])).toEqual([
      ['hang', 'CANCELED'],
      ['next', 'CANCELED'],
    ]);
    expect(attempts).toHaveLength(1);
    const { parent, child } = JSON.parse(readFileSync(pids, 'utf8')) as { parent: number; child: number };
    await waitUntil(() => !processAlive(parent) && !processAlive(child));
    expect((await h.services.runs.getRun(run.mlflowRunId!)).info.status).toBe('KILLED');
    await expect(h.jobs.cancel(run.jobRunId, 'bob')).rejects.toThrow(InvalidStateError);
  });

  it('repairs a failed run: re-runs the failed task and its dependants in the same run', async () => {
    const flag = join(h.projectDir, 'repair-flag');
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  repair:
    tasks:
      - { task_key: first, command_task: ${cmd(NODE, 'record.js', '0')} }
      - { task_key: second, depends_on: [{ task_key: first }], command_task: ${cmd(NODE, 'needs-file.js', flag)} }
      - { task_key: third, depends_on: [{ task_key: second }], command_task: ${cmd(NODE, 'record.js', '0')} }
      - { task_key: side, depends_on: [{ task_key: first }], command_task: ${cmd(NODE, 'record.js', '0')} }
`);
    const failed = await waitForRunEnd(h, (await h.jobs.runNow(jobs.repair!.jobId, { actor: null })).jobRunId);
    expect(failed.state).toBe('FAILED');
    expect((await h.jobs.getRun(failed.jobRunId)).tasks.map((t) => t.state)).toEqual(['SUCCESS', 'FAILED', 'UPSTREAM_FAILED', 'SUCCESS']);
    await expect(h.jobs.repair(failed.jobRunId, { taskKeys: ['nope'], actor: null })).rejects.toThrow(/has no task 'nope'/);
    writeFileSync(flag, 'fixed');
    await h.jobs.repair(failed.jobRunId, { actor: 'carol' });
    const repaired = await waitForRunEnd(h, failed.jobRunId);
    expect(repaired).toMatchObject({ state: 'SUCCESS', repairCount: 1, mlflowRunId: failed.mlflowRunId });
    const { tasks, attempts } = await h.jobs.getRun(failed.jobRunId);
    expect(tasks.map((t) => [t.taskKey, t.state, t.attemptCount])).toEqual([
      ['first', 'SUCCESS', 1],
      ['second', 'SUCCESS', 2],
      ['third', 'SUCCESS', 1],
      ['side', 'SUCCESS', 1],
    ]);
    expect(attempts.filter((a) => a.taskKey === 'second').map((a) => a.trigger)).toEqual(['INITIAL', 'REPAIR']);
    const ran = events().filter((e) => e.jobRunId === String(failed.jobRunId)).map((e) => e.task);
    expect(ran.sort()).toEqual(['first', 'side', 'third']);
    expect((await h.services.runs.getRun(failed.mlflowRunId!)).info.status).toBe('FINISHED');
    await expect(h.jobs.repair(failed.jobRunId, { actor: null })).rejects.toThrow(/no failed or canceled tasks/);
  });

  it('fails an evaluate task with a readable reason, blocking its gate and promotion', async () => {
    const jobs = await h.deploy(`
project: { name: demo }
jobs:
  gated:
    tasks:
      - task_key: evaluate
        evaluate_task: { challenger_model_uri: "models:/m@challenger", data_path: d.csv, target_column: y, model_type: classifier }
      - task_key: gate
        depends_on: [{ task_key: evaluate }]
        gate_task: { evaluation_task_key: evaluate, rules: ["challenger.roc_auc >= 0.8"] }
      - { task_key: promote, depends_on: [{ task_key: gate }], promote_task: { model_uri: "models:/m@challenger", alias: champion } }
`);
    const run = await waitForRunEnd(h, (await h.jobs.runNow(jobs.gated!.jobId, { actor: null })).jobRunId);
    const { tasks, attempts } = await h.jobs.getRun(run.jobRunId);
    expect(tasks.map((t) => t.state)).toEqual(['FAILED', 'UPSTREAM_FAILED', 'UPSTREAM_FAILED']);
    expect(attempts[0]).toMatchObject({ executor: 'in-process', state: 'FAILED' });
    expect(attempts[0]!.stateMessage).toMatch(/data_path .*d\.csv does not exist/);
  });
});
