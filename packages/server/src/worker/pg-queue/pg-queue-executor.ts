import type { Logger } from 'pino';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStarted, TaskExecutor } from '../../services/pipelines/task-executor.js';
import { finishedHandle } from '../../services/pipelines/task-executor.js';
import { forgetJobs, silentJobs, WORKER_LOST_AFTER_MS } from './attempt-heartbeats.js';
import { progressOf } from './job-outcome.js';
import { ATTEMPT_QUEUE, expireSecondsFor, jobIdForAttempt, startBoss } from './queue-boss.js';
import type { PgBoss } from './queue-boss.js';

export interface PgQueueExecutorOptions {
  /** `postgresql://…` of the database holding the `pgboss` schema (may be the backend store's). */
  connectionString: string;
  /** How often the state of submitted jobs is read. Default 1 s. */
  pollIntervalMs?: number;
  /** A running job nobody stamped for this long is failed as its worker's loss (attempt-heartbeats.ts). Default 30 s. */
  workerLostAfterMs?: number;
  logger?: Logger;
  now?: () => number;
}

interface Watched {
  jobId: string;
  onStarted: (s: AttemptStarted) => void;
  started: boolean;
  settle: (o: AttemptOutcome) => void;
  settled: boolean;
  cancelReason?: string;
  /** Set until the job is known to be in the queue (sent, or already there). */
  sending: Promise<void> | undefined;
}

/**
 * Command attempts as pg-boss jobs on `modelyard-attempts`, run by `modelyard worker` processes
 * (see queue-worker.ts). The server side only sends, reads job states and cancels: the job's
 * state in PostgreSQL is the one truth both sides read, so a cancel is durable, reaches a
 * worker on any machine, and survives this process restarting.
 */
export class PgQueueExecutor implements TaskExecutor {
  readonly name = 'pg-queue';
  private boss: Promise<PgBoss> | undefined;
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: PgQueueExecutorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Connects on first use, so building the executor starts nothing. */
  private ready(): Promise<PgBoss> {
    // A failed start is forgotten, so the next attempt tries again (the database may come back).
    this.boss ??= startBoss({ connectionString: this.opts.connectionString, maxConnections: 4, supervise: true, applicationName: 'modelyard-server', ...(this.opts.logger ? { logger: this.opts.logger } : {}) }).catch((e: unknown) => {
      this.boss = undefined;
      throw e;
    });
    return this.boss;
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    if (request.task.type !== 'command') {
      return finishedHandle(this.failed(`the PostgreSQL task queue runs command tasks, not '${request.task.type}'`));
    }
    if (this.closed) return finishedHandle({ ...this.failed('the executor is shutting down'), state: 'CANCELED' });
    let settle!: (o: AttemptOutcome) => void;
    const done = new Promise<AttemptOutcome>((r) => (settle = r));
    const w: Watched = { jobId: jobIdForAttempt(request.attemptId), onStarted, started: false, settle, settled: false, sending: undefined };
    w.settle = (o) => {
      if (w.settled) return;
      w.settled = true;
      this.watched.delete(w);
      settle(o);
    };
    w.sending = this.send(request, w.jobId)
      .then(() => {
        w.sending = undefined;
        this.watched.add(w);
        this.schedule();
      })
      .catch((e: unknown) => w.settle(this.failed(`cannot queue the attempt on the PostgreSQL task queue: ${(e as Error).message}`)));
    return { done, cancel: (reason) => this.cancel(w, reason) };
  }

  private async send(request: AttemptRequest, jobId: string): Promise<void> {
    const boss = await this.ready();
    // null when a job with this id exists already: the attempt was submitted before, watch that one.
    await boss.send(ATTEMPT_QUEUE, request as unknown as object, {
      id: jobId,
      singletonKey: String(request.attemptId),
      // The runner owns retries (per task policy, as new attempts).
      retryLimit: 0,
      expireInSeconds: expireSecondsFor(request.timeoutMs),
    });
  }

  private cancel(w: Watched, reason: string): void {
    if (w.settled || w.cancelReason !== undefined) return;
    w.cancelReason = reason;
    void (async () => {
      try {
        await w.sending;
        if (w.settled) return;
        await (await this.ready()).cancel(ATTEMPT_QUEUE, w.jobId);
        // The next poll sees `cancelled` (or the outcome of a job that completed first).
        this.schedule(0);
      } catch (e) {
        this.opts.logger?.warn({ err: e, job_id: w.jobId }, 'could not cancel a queued attempt');
      }
    })();
  }

  private schedule(delayMs = this.opts.pollIntervalMs ?? 1000): void {
    if (this.closed || this.watched.size === 0) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delayMs);
  }

  private async poll(): Promise<void> {
    if (this.polling) return this.schedule();
    this.polling = true;
    try {
      const boss = await this.ready();
      const running: Array<{ jobId: string; startedOn: number }> = [];
      const ended: string[] = [];
      for (const w of [...this.watched]) {
        if (this.closed) return;
        try {
          const job = await boss.getJobById<unknown>(ATTEMPT_QUEUE, w.jobId, { includeArchive: true });
          const progress = progressOf(job, this.now(), w.cancelReason);
          this.apply(w, progress);
          if (progress.kind === 'running') running.push({ jobId: w.jobId, startedOn: progress.startTime });
          if (progress.kind === 'ended') ended.push(w.jobId);
        } catch (e) {
          this.opts.logger?.warn({ err: e, job_id: w.jobId }, 'could not read a queued attempt; retrying');
        }
      }
      await this.failLostJobs(boss, running);
      await forgetJobs(boss, ended).catch((e: unknown) => this.opts.logger?.warn({ err: e }, 'could not drop the stamps of ended attempts'));
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  /**
   * Fails the running jobs no worker stamped for `workerLostAfterMs` (a killed worker's): the next
   * poll reads them `failed`, with this reason, and the runner retries per the task's policy. A
   * worker that was only cut off and comes back sees its job failed and stops the attempt.
   */
  private async failLostJobs(boss: PgBoss, running: Array<{ jobId: string; startedOn: number }>): Promise<void> {
    try {
      for (const lost of await silentJobs(boss, running, this.opts.workerLostAfterMs ?? WORKER_LOST_AFTER_MS)) {
        const who = lost.workerId ? `worker ${lost.workerId}` : 'the worker that took it';
        const message = `${who} stopped answering: no heartbeat for ${Math.round(lost.silentSeconds)} s (the worker was killed or lost its connection to the queue database)`;
        this.opts.logger?.warn({ job_id: lost.jobId, worker: lost.workerId }, message);
        await boss.fail(ATTEMPT_QUEUE, lost.jobId, { message });
      }
    } catch (e) {
      this.opts.logger?.warn({ err: e }, 'could not check the workers of running attempts; retrying');
    }
  }

  private apply(w: Watched, p: ReturnType<typeof progressOf>): void {
    if (p.kind === 'queued') return;
    const startTime = p.startTime;
    if (!w.started && startTime !== null) {
      w.started = true;
      w.onStarted({ executorRef: w.jobId, startTime });
    }
    if (p.kind === 'ended') w.settle(p.outcome);
  }

  async abandon(attempt: { attemptId: number; executorRef: string | null }): Promise<void> {
    // By the attempt id, not the reference: a job taken after its runner died has none recorded.
    const boss = await this.ready();
    await boss.cancel(ATTEMPT_QUEUE, jobIdForAttempt(attempt.attemptId));
  }

  /**
   * Cancels what this process still watches (recovery would abandon it anyway, and a cancel now
   * frees the workers at once), then disconnects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const open = [...this.watched];
    if (open.length > 0) {
      try {
        await (await this.ready()).cancel(ATTEMPT_QUEUE, open.map((w) => w.jobId));
      } catch (e) {
        this.opts.logger?.warn({ err: e }, 'could not cancel queued attempts on shutdown');
      }
    }
    for (const w of open) w.settle({ ...this.failed('the executor shut down'), state: 'CANCELED' });
    while (this.polling) await new Promise((r) => setTimeout(r, 20));
    const boss = this.boss;
    this.boss = undefined;
    if (boss) await boss.then((b) => b.stop({ graceful: false, close: true })).catch(() => {});
  }

  private failed(message: string): AttemptOutcome {
    return { state: 'FAILED', message, exitCode: null, signal: null, endTime: this.now() };
  }
}
