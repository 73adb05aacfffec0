import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptStarted } from '../../src/services/pipelines/task-executor.js';
import { PgQueueExecutor } from '../../src/worker/pg-queue/pg-queue-executor.js';
import { jobIdForAttempt } from '../../src/worker/pg-queue/queue-boss.js';
import { runQueueWorker } from '../../src/worker/pg-queue/queue-worker.js';
import type { QueueWorker } from '../../src/worker/pg-queue/queue-worker.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { commandRequest, isAlive } from './attempt-requests.js';
import { QUEUE_TASK_SCRIPTS, queueDatabase, waitFor } from './pg-queue-fixtures.js';

const skipWhy = postgresUnavailableReason();
const suite = skipWhy ? describe.skip : describe;

suite(`PgQueueExecutor with a queue worker [postgres]${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  let dir: string;
  let database: TestDatabase;
  let executor: PgQueueExecutor;
  let worker: QueueWorker;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-queue-'));
    for (const [name, text] of Object.entries(QUEUE_TASK_SCRIPTS)) writeFileSync(join(dir, name), text);
    database = await queueDatabase('queue');
    executor = new PgQueueExecutor({ connectionString: database.uri, pollIntervalMs: 100 });
    worker = await runQueueWorker({ connectionString: database.uri, concurrency: 2, pollIntervalMs: 500, killGraceMs: 500, workerId: 'test-worker' });
  });

  afterAll(async () => {
    await worker?.stop();
    await executor?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a command task in the worker: output in the attempt log, SUCCESS, started with the job id', async () => {
    const started: AttemptStarted[] = [];
    const req = commandRequest(dir, 101, [process.execPath, 'hello.js']);
    const outcome = await executor.submit(req, (s) => started.push(s)).done;
    expect(outcome).toMatchObject({ state: 'SUCCESS', exitCode: 0, message: 'exited with code 0' });
    expect(readFileSync(req.stdoutPath, 'utf8')).toBe('hello from test-worker attempt 101\n');
    expect(started).toHaveLength(1);
    expect(started[0]!.executorRef).toBe(jobIdForAttempt(101));
    expect(started[0]!.startTime).toBeLessThanOrEqual(outcome.endTime);
  });

  it('reports a failing command as FAILED with its exit code and last stderr line', async () => {
    const req = commandRequest(dir, 102, [process.execPath, 'fail.js']);
    const outcome = await executor.submit(req, () => {}).done;
    expect(outcome).toMatchObject({ state: 'FAILED', exitCode: 3, message: 'exited with code 3: something broke: bad input' });
    expect(readFileSync(req.stderrPath, 'utf8')).toBe('something broke: bad input\n');
  });

  it('cancels a running attempt: its process is killed and the attempt ends CANCELED within seconds', async () => {
    const pidFile = join(dir, 'sleep-103.pid');
    const started: AttemptStarted[] = [];
    const handle = executor.submit(commandRequest(dir, 103, [process.execPath, 'sleep.js', pidFile]), (s) => started.push(s));
    await waitFor(() => existsSync(pidFile) && started.length === 1);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    const t0 = Date.now();
    handle.cancel('canceled by test');
    expect(await handle.done).toMatchObject({ state: 'CANCELED', message: 'canceled by test' });
    await waitFor(() => !isAlive(pid), 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The worker's slot is free again: the next attempt runs.
    expect((await executor.submit(commandRequest(dir, 104, [process.execPath, 'hello.js']), () => {}).done).state).toBe('SUCCESS');
  });

  it('runs an attempt submitted twice once; both handles get its outcome', async () => {
    const marks = join(dir, 'twice.txt');
    const req = commandRequest(dir, 105, [process.execPath, 'append.js', marks, '300']);
    const first = executor.submit(req, () => {});
    const second = executor.submit(req, () => {});
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.state).toBe('SUCCESS');
    expect(b).toEqual(a);
    // A later duplicate (a retried submit after the attempt ended) does not run it again either.
    expect((await executor.submit(req, () => {}).done).state).toBe('SUCCESS');
    expect(readFileSync(marks, 'utf8')).toBe('ran\n');
  });

  it('abandon cancels the job of an attempt, so it ends and its process dies', async () => {
    const pidFile = join(dir, 'sleep-106.pid');
    const handle = executor.submit(commandRequest(dir, 106, [process.execPath, 'sleep.js', pidFile]), () => {});
    await waitFor(() => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await executor.abandon({ attemptId: 106, executorRef: null });
    expect((await handle.done).state).toBe('CANCELED');
    await waitFor(() => !isAlive(pid), 5000);
  });

  it('fails only the attempt of a non-command task, without queueing it', async () => {
    const req = commandRequest(dir, 107, ['true']);
    const outcome = await executor.submit({ ...req, task: { ...req.task, type: 'gate' } as never }, () => {}).done;
    expect(outcome).toMatchObject({ state: 'FAILED', message: "the PostgreSQL task queue runs command tasks, not 'gate'" });
  });
});
