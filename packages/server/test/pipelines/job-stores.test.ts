import { expect, it } from 'vitest';
import type { JobDefinition } from '../../src/domain/pipelines/job-records.js';
import { AttemptStore } from '../../src/stores/jobs/attempt-store.js';
import { JobRunStore } from '../../src/stores/jobs/job-run-store.js';
import { JobStore } from '../../src/stores/jobs/job-store.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { commandTask } from './attempt-requests.js';

function definition(jobKey: string, tasks: string[], maxConcurrentRuns = 1): JobDefinition {
  return {
    projectName: 'store-test',
    projectDir: '/tmp/project',
    workspace: {},
    job: {
      key: jobKey,
      name: jobKey,
      parameters: [{ name: 'alpha', default: '1' }],
      tasks: tasks.map((taskKey) => commandTask(taskKey, ['true'])),
      maxConcurrentRuns,
      queueEnabled: true,
      tags: {},
    },
  };
}

describeEachDialect('pipelines stores', (ctx) => {
  const stores = () => ({ jobs: new JobStore(ctx.db, ctx.caps), runs: new JobRunStore(ctx.db, ctx.caps), attempts: new AttemptStore(ctx.db, ctx.caps) });

  it('keeps a job id across deploys and replaces its definition', async () => {
    const { jobs } = stores();
    const first = await jobs.upsert(definition('deploy', ['a']), 1000);
    const second = await jobs.upsert(definition('deploy', ['a', 'b']), 2000);
    expect(second.jobId).toBe(first.jobId);
    expect(second.createdTime).toBe(1000);
    expect(second.updatedTime).toBe(2000);
    expect(second.definition.job.tasks.map((t) => t.taskKey)).toEqual(['a', 'b']);
    expect((await jobs.findByKey('deploy')).map((j) => j.jobId)).toEqual([first.jobId]);
    expect(await jobs.advanceScheduleCursor(first.jobId, 5000)).toBe(true);
    expect(await jobs.advanceScheduleCursor(first.jobId, 4000)).toBe(false);
    expect((await jobs.get(first.jobId))!.scheduleCursorTime).toBe(5000);
  });

  it('creates a run with a pending task run per task and refuses a second run for one schedule fire', async () => {
    const { jobs, runs } = stores();
    const job = await jobs.upsert(definition('fire', ['a', 'b']), 1);
    const input = { jobId: job.jobId, trigger: 'SCHEDULE' as const, actor: 'scheduler', parameters: { alpha: '2' }, definition: job.definition, scheduledTime: 60_000, now: 10 };
    const run = await runs.create(input);
    expect(run).toMatchObject({ state: 'QUEUED', trigger: 'SCHEDULE', parameters: { alpha: '2' }, scheduledTime: 60_000, repairCount: 0 });
    expect(await runs.create(input)).toBeUndefined();
    const tasks = await runs.taskRuns(run!.jobRunId);
    expect(tasks.map((t) => [t.taskKey, t.state]).sort()).toEqual([
      ['a', 'PENDING'],
      ['b', 'PENDING'],
    ]);
    // Manual runs (no fire time) never collide.
    const manual = { ...input, trigger: 'MANUAL' as const, scheduledTime: undefined };
    expect(await runs.create(manual)).toBeDefined();
    expect(await runs.create(manual)).toBeDefined();
  });

  it('starts runs only up to max_concurrent_runs, and only the owner finishes them', async () => {
    const { jobs, runs } = stores();
    const job = await jobs.upsert(definition('capacity', ['a'], 1), 1);
    const mk = () => runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: 'me', parameters: {}, definition: job.definition, now: 1 });
    const r1 = (await mk())!;
    const r2 = (await mk())!;
    expect(await runs.startIfCapacity(r1.jobRunId, job.jobId, 1, 'owner-1', 100)).toBe('started');
    expect(await runs.startIfCapacity(r2.jobRunId, job.jobId, 1, 'owner-1', 100)).toBe('at-capacity');
    expect(await runs.startIfCapacity(r1.jobRunId, job.jobId, 5, 'owner-1', 100)).toBe('not-queued');
    expect((await runs.queued(job.jobId)).map((r) => r.jobRunId)).toEqual([r2.jobRunId]);
    expect(await runs.finish(r1.jobRunId, 'someone-else', 'SUCCESS', null, 200)).toBe(false);
    expect(await runs.finish(r1.jobRunId, 'owner-1', 'SUCCESS', null, 200)).toBe(true);
    expect(await runs.finish(r1.jobRunId, 'owner-1', 'FAILED', null, 300)).toBe(false);
    expect(await runs.get(r1.jobRunId)).toMatchObject({ state: 'SUCCESS', endTime: 200, ownerId: null, startTime: 100 });
    expect(await runs.startIfCapacity(r2.jobRunId, job.jobId, 1, 'owner-1', 400)).toBe('started');
  });

  it('lets exactly one process take over a stale run', async () => {
    const { jobs, runs } = stores();
    const job = await jobs.upsert(definition('stale', ['a']), 1);
    const run = (await runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: null, parameters: {}, definition: job.definition, now: 1 }))!;
    await runs.startIfCapacity(run.jobRunId, job.jobId, 1, 'dead-owner', 1000);
    await runs.heartbeat('dead-owner', 2000);
    expect((await runs.stale(1500)).map((r) => r.jobRunId)).not.toContain(run.jobRunId);
    const stale = (await runs.stale(3000)).find((r) => r.jobRunId === run.jobRunId)!;
    expect(stale.heartbeatTime).toBe(2000);
    expect(await runs.takeOver(stale, 'new-owner-a', 3000)).toBe(true);
    expect(await runs.takeOver(stale, 'new-owner-b', 3000)).toBe(false);
    expect((await runs.get(run.jobRunId))!.ownerId).toBe('new-owner-a');
  });

  it('numbers attempts uniquely, and only ends an unfinished attempt once', async () => {
    const { jobs, runs, attempts } = stores();
    const job = await jobs.upsert(definition('attempts', ['a']), 1);
    const run = (await runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: null, parameters: {}, definition: job.definition, now: 1 }))!;
    const base = { jobRunId: run.jobRunId, taskKey: 'a', trigger: 'INITIAL' as const, executor: 'local', stdoutPath: '/x/out', stderrPath: '/x/err', now: 50 };
    const a1 = (await attempts.create({ ...base, attemptNumber: 1 }))!;
    expect(await attempts.create({ ...base, attemptNumber: 1 })).toBeUndefined();
    expect((await runs.taskRuns(run.jobRunId))[0]).toMatchObject({ state: 'RUNNING', attemptCount: 1, startTime: 50 });
    await attempts.markStarted(a1.attemptId, '4242', 60);
    expect(await attempts.unfinished(run.jobRunId)).toMatchObject([{ attemptId: a1.attemptId, state: 'RUNNING', executorRef: '4242' }]);
    const outcome = { state: 'FAILED' as const, message: 'exit 3', exitCode: 3, signal: null, endTime: 70 };
    expect(await attempts.finish(a1.attemptId, outcome)).toBe(true);
    expect(await attempts.finish(a1.attemptId, { ...outcome, state: 'LOST' })).toBe(false);
    expect(await attempts.get(a1.attemptId)).toMatchObject({ state: 'FAILED', exitCode: 3, endTime: 70, stdoutPath: '/x/out' });
  });

  it('cancels a queued run at once and flags a running one for its owner', async () => {
    const { jobs, runs } = stores();
    const job = await jobs.upsert(definition('cancel', ['a'], 1), 1);
    const mk = () => runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: null, parameters: {}, definition: job.definition, now: 1 });
    const running = (await mk())!;
    const queued = (await mk())!;
    await runs.startIfCapacity(running.jobRunId, job.jobId, 1, 'o', 5);
    expect(await runs.requestCancel(queued.jobRunId, 10, 'canceled by me')).toBe('canceled');
    expect((await runs.taskRuns(queued.jobRunId))[0]!.state).toBe('CANCELED');
    expect(await runs.requestCancel(running.jobRunId, 10, 'canceled by me')).toBe('requested');
    expect(await runs.cancelRequestedFor('o')).toEqual([running.jobRunId]);
    expect(await runs.requestCancel(queued.jobRunId, 10, 'again')).toBe('not-active');
  });

  it('reopens a finished run for repair, resetting only the given tasks', async () => {
    const { jobs, runs } = stores();
    const job = await jobs.upsert(definition('repair', ['a', 'b']), 1);
    const run = (await runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: null, parameters: {}, definition: job.definition, now: 1 }))!;
    await runs.startIfCapacity(run.jobRunId, job.jobId, 1, 'o', 5);
    expect(await runs.beginRepair(run.jobRunId, ['b'], 'o', 6)).toBe(false);
    await runs.updateTaskRun(run.jobRunId, 'a', { state: 'SUCCESS', endTime: 7, result: { ok: 1 } });
    await runs.updateTaskRun(run.jobRunId, 'b', { state: 'FAILED', stateMessage: 'boom', endTime: 8 });
    await runs.finish(run.jobRunId, 'o', 'FAILED', 'b failed', 9);
    expect(await runs.beginRepair(run.jobRunId, ['b'], 'o2', 10)).toBe(true);
    expect(await runs.get(run.jobRunId)).toMatchObject({ state: 'RUNNING', repairCount: 1, ownerId: 'o2', endTime: null });
    const tasks = Object.fromEntries((await runs.taskRuns(run.jobRunId)).map((t) => [t.taskKey, t]));
    expect(tasks.a).toMatchObject({ state: 'SUCCESS', result: { ok: 1 } });
    expect(tasks.b).toMatchObject({ state: 'PENDING', stateMessage: null, endTime: null });
  });
});
