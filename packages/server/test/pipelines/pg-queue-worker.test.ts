import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptStarted } from '../../src/services/pipelines/task-executor.js';
import { PgQueueExecutor } from '../../src/worker/pg-queue/pg-queue-executor.js';
import { runQueueWorker } from '../../src/worker/pg-queue/queue-worker.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { commandRequest, isAlive } from './attempt-requests.js';
import { QUEUE_TASK_SCRIPTS, queueDatabase, waitFor } from './pg-queue-fixtures.js';

const skipWhy = postgresUnavailableReason();
const suite = skipWhy ? describe.skip : describe;

suite(`queue worker shutdown [postgres]${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  let dir: string;
  let database: TestDatabase;
  let executor: PgQueueExecutor;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-queue-stop-'));
    for (const [name, text] of Object.entries(QUEUE_TASK_SCRIPTS)) writeFileSync(join(dir, name), text);
    database = await queueDatabase('queue_stop');
    executor = new PgQueueExecutor({ connectionString: database.uri, pollIntervalMs: 100 });
  });

  afterAll(async () => {
    await executor?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on stop takes no new attempts, stops the running one as FAILED (to be retried), and another worker takes the queued one', async () => {
    const first = await runQueueWorker({ connectionString: database.uri, concurrency: 1, pollIntervalMs: 500, killGraceMs: 300, workerId: 'first' });
    const pidFile = join(dir, 'sleep-1.pid');
    const running = executor.submit(commandRequest(dir, 1, [process.execPath, 'sleep.js', pidFile]), () => {});
    await waitFor(() => existsSync(pidFile));
    const queuedStarts: AttemptStarted[] = [];
    const queued = executor.submit(commandRequest(dir, 2, [process.execPath, 'hello.js']), (s) => queuedStarts.push(s));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await first.stop();
    expect(await running.done).toMatchObject({ state: 'FAILED', message: 'worker first shut down before the command finished' });
    expect(isAlive(pid)).toBe(false);
    // Not taken by the stopping worker: still queued.
    await new Promise((r) => setTimeout(r, 300));
    expect(queuedStarts).toHaveLength(0);
    const second = await runQueueWorker({ connectionString: database.uri, concurrency: 1, pollIntervalMs: 500, workerId: 'second' });
    try {
      expect((await queued.done).state).toBe('SUCCESS');
      expect(readFileSync(join(dir, 'logs', '2', 'stdout.log'), 'utf8')).toBe('hello from second attempt 2\n');
    } finally {
      await second.stop();
    }
  });

  it('lets a running attempt finish within the drain time', async () => {
    const worker = await runQueueWorker({ connectionString: database.uri, concurrency: 1, pollIntervalMs: 500, workerId: 'drain' });
    const marks = join(dir, 'drain.txt');
    const started: AttemptStarted[] = [];
    const handle = executor.submit(commandRequest(dir, 3, [process.execPath, 'append.js', marks, '700']), (s) => started.push(s));
    await waitFor(() => started.length === 1);
    await worker.stop({ drainMs: 10_000 });
    expect((await handle.done).state).toBe('SUCCESS');
    expect(readFileSync(marks, 'utf8')).toBe('ran\n');
  });
});
