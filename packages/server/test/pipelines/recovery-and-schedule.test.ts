import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AttemptStore } from '../../src/stores/jobs/attempt-store.js';
import { JobRunStore } from '../../src/stores/jobs/job-run-store.js';
import { attemptLogPaths } from '../../src/services/pipelines/attempt-request.js';
import { ATTEMPT_MARKER_VAR } from '../../src/worker/local-process-pool.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createHarness, waitForRunEnd } from './pipeline-harness.js';
import type { Harness } from './pipeline-harness.js';
import { TASK_SCRIPTS } from './task-scripts.js';

const NODE = process.execPath;

describeEachDialect('job run recovery and scheduling', (ctx) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(ctx, { killGraceMs: 300 });
    for (const [name, text] of Object.entries(TASK_SCRIPTS)) h.write(name, text);
  });
  afterAll(async () => h.close());

  /**
   * The state a runner leaves when its process is SIGKILLed mid-task: the run RUNNING under the dead
   * owner, the attempt RUNNING with the pid of a task process that outlived it (detached group).
   */
  async function leaveOrphanedAttempt(jobKey: string, yaml: string, t0: number) {
    const jobs = await h.deploy(yaml);
    const job = jobs[jobKey]!;
    const runs = new JobRunStore(ctx.db, ctx.caps);
    const attempts = new AttemptStore(ctx.db, ctx.caps);
    const run = (await runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: 'dead', parameters: {}, definition: job.definition, now: t0 }))!;
    expect(await runs.startIfCapacity(run.jobRunId, job.jobId, 1, 'dead-runner', t0)).toBe('started');
    const logs = attemptLogPaths(join(h.dataDir, 'job-runs'), run.jobRunId, 'work', 1);
    const attempt = (await attempts.create({ jobRunId: run.jobRunId, taskKey: 'work', attemptNumber: 1, trigger: 'INITIAL', executor: 'local', ...logs, now: t0 }))!;
    const orphan = spawn(NODE, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [ATTEMPT_MARKER_VAR]: String(attempt.attemptId) },
    });
    await attempts.markStarted(attempt.attemptId, String(orphan.pid), t0);
    const orphanExit = new Promise<NodeJS.Signals | null>((r) => orphan.once('exit', (_c, s) => r(s)));
    return { run, attempt, orphan, orphanExit };
  }

  it('takes over a run whose runner died: kills the orphan, marks the attempt LOST and retries it once', async () => {
    const t0 = Date.now() - 60_000;
    const { run, orphan, orphanExit } = await leaveOrphanedAttempt(
      'recover',
      `project: { name: demo }\njobs:\n  recover:\n    tasks:\n      - { task_key: work, max_retries: 1, command_task: { command: [${JSON.stringify(NODE)}, record.js, "0"] } }\n      - { task_key: after, depends_on: [{ task_key: work }], command_task: { command: [${JSON.stringify(NODE)}, record.js, "0"] } }\n`,
      t0,
    );
    // A fresh runner (the restarted server) over the same store.
    const restarted = h.another({ runner: { staleAfterMs: 10_000 } });
    expect(await restarted.runner.recoverStale()).toBe(1);
    expect(await orphanExit).toBe('SIGKILL');
    expect(orphan.signalCode).toBe('SIGKILL');
    // A second recovery finds nothing: the run has a live owner now.
    expect(await restarted.runner.recoverStale()).toBe(0);
    const ended = await waitForRunEnd(restarted, run.jobRunId);
    expect(ended.state).toBe('SUCCESS');
    expect(ended.mlflowRunId).toMatch(/^[0-9a-f]{32}$/);
    const { attempts, tasks } = await restarted.jobs.getRun(run.jobRunId);
    expect(attempts.map((a) => [a.taskKey, a.attemptNumber, a.trigger, a.state])).toEqual([
      ['work', 1, 'INITIAL', 'LOST'],
      ['work', 2, 'RECOVERY', 'SUCCESS'],
      ['after', 1, 'INITIAL', 'SUCCESS'],
    ]);
    expect(attempts[0]!.stateMessage).toMatch(/marked lost on recovery/);
    expect(tasks.map((t) => [t.taskKey, t.state, t.attemptCount])).toEqual([
      ['work', 'SUCCESS', 2],
      ['after', 'SUCCESS', 1],
    ]);
  });

  it('fails a lost attempt that has no retries left', async () => {
    const t0 = Date.now() - 60_000;
    const { run, orphanExit } = await leaveOrphanedAttempt(
      'noretry',
      `project: { name: demo }\njobs:\n  noretry:\n    tasks:\n      - { task_key: work, command_task: { command: [${JSON.stringify(NODE)}, record.js, "0"] } }\n`,
      t0,
    );
    const restarted = h.another({ runner: { staleAfterMs: 10_000 } });
    await restarted.runner.recoverStale();
    expect(await orphanExit).toBe('SIGKILL');
    const ended = await waitForRunEnd(restarted, run.jobRunId);
    expect(ended.state).toBe('FAILED');
    expect(ended.stateMessage).toMatch(/^task 'work' FAILED: the runner watching attempt 1 stopped/);
    expect((await restarted.jobs.getRun(run.jobRunId)).attempts.map((a) => a.state)).toEqual(['LOST']);
  });

  it('leaves a run alone while its owner heartbeats', async () => {
    const jobs = await h.deploy(`project: { name: demo }\njobs:\n  alive:\n    tasks: [{ task_key: work, command_task: { command: [${JSON.stringify(NODE)}, record.js, "1500"] } }]\n`);
    const started = await h.jobs.runNow(jobs.alive!.jobId, { actor: null });
    const other = h.another({ runner: { staleAfterMs: 10_000 } });
    expect(await other.runner.recoverStale()).toBe(0);
    const ended = await waitForRunEnd(h, started.jobRunId);
    expect(ended.state).toBe('SUCCESS');
    expect((await h.jobs.getRun(started.jobRunId)).attempts).toHaveLength(1);
  });

  it('fires cron schedules on an injected clock: once per fire, coalescing misses, across schedulers', async () => {
    let now = Date.parse('2030-01-01T00:00:30Z');
    const clock = () => now;
    const a = h.another({ now: clock });
    const b = h.another({ now: clock });
    const jobs = await a.jobs.deploy(
      (await import('../../src/domain/pipelines/project-parser.js')).loadProject(
        `project: { name: sched }\njobs:\n  tick:\n    schedule: { cron: "* * * * *", timezone_id: Europe/Paris }\n    tasks: [{ task_key: t, command_task: { command: [${JSON.stringify(NODE)}, "-e", "0"] } }]\n`,
      ).spec!,
      h.projectDir,
    );
    const jobId = jobs[0]!.jobId;
    expect(await a.scheduler.tick()).toEqual([]); // first look: the cursor starts now, nothing is owed
    now += 20_000; // 00:00:50
    expect(await a.scheduler.tick()).toEqual([]);
    now += 15_000; // 00:01:05 — the 00:01:00 fire is due
    const [fa, fb] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const fired = [...fa, ...fb].filter((f) => f.run);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.scheduledTime).toBe(Date.parse('2030-01-01T00:01:00Z'));
    expect(fired[0]!.run).toMatchObject({ trigger: 'SCHEDULE', actor: 'scheduler' });
    expect(await b.scheduler.tick()).toEqual([]);
    const firstDriver = fa.some((f) => f.run) ? a : b;
    expect((await waitForRunEnd(firstDriver, fired[0]!.run!.jobRunId)).state).toBe('SUCCESS');
    now += 3 * 60_000; // 00:04:05 — three fires missed, one run
    const late = await b.scheduler.tick();
    expect(late.map((f) => new Date(f.scheduledTime).toISOString())).toEqual(['2030-01-01T00:04:00.000Z']);
    const runs = await a.jobs.listRuns({ jobId });
    expect(runs.map((r) => r.scheduledTime)).toEqual([Date.parse('2030-01-01T00:04:00Z'), Date.parse('2030-01-01T00:01:00Z')]);
    expect((await waitForRunEnd(b, late[0]!.run!.jobRunId)).state).toBe('SUCCESS');
  });

  it('queues or skips a run that finds the job busy, per max_concurrent_runs and queue.enabled', async () => {
    const yaml = (queue: boolean) =>
      `project: { name: busy }\njobs:\n  busy_${queue ? 'q' : 's'}:\n    max_concurrent_runs: 1\n    queue: { enabled: ${queue} }\n    tasks: [{ task_key: t, command_task: { command: [${JSON.stringify(NODE)}, record.js, "600"] } }]\n`;
    const skipJob = (await h.deploy(yaml(false))).busy_s!;
    const first = await h.jobs.runNow(skipJob.jobId, { actor: null });
    const second = await h.jobs.runNow(skipJob.jobId, { actor: null });
    expect(first.state).toBe('RUNNING');
    expect(second).toMatchObject({ state: 'SKIPPED', stateMessage: 'skipped: max_concurrent_runs (1) reached and queueing is disabled' });
    expect((await waitForRunEnd(h, first.jobRunId)).state).toBe('SUCCESS');

    const queueJob = (await h.deploy(yaml(true))).busy_q!;
    const q1 = await h.jobs.runNow(queueJob.jobId, { actor: null });
    const q2 = await h.jobs.runNow(queueJob.jobId, { actor: null });
    expect(q2.state).toBe('QUEUED');
    const e1 = await waitForRunEnd(h, q1.jobRunId);
    const e2 = await waitForRunEnd(h, q2.jobRunId);
    expect([e1.state, e2.state]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(e2.startTime!).toBeGreaterThanOrEqual(e1.endTime!);
  });
});
