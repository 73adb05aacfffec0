import type { Logger } from 'pino';
import { buildDag, leavesOf } from '../../domain/pipelines/dag.js';
import type { Dag } from '../../domain/pipelines/dag.js';
import type { AttemptRecord, JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { TaskSpec } from '../../domain/pipelines/project-model.js';
import { decideRetry } from '../../domain/pipelines/retry-policy.js';
import { decideRunIf, jobResult } from '../../domain/pipelines/run-if.js';
import { classifyTaskOutcome, isTerminalTaskRunState } from '../../domain/pipelines/run-states.js';
import type { AttemptOutcomeState, AttemptTrigger, JobRunState, TaskRunState } from '../../domain/pipelines/run-states.js';
import type { AttemptStore } from '../../stores/jobs/attempt-store.js';
import type { JobRunStore, TaskRunPatch } from '../../stores/jobs/job-run-store.js';
import type { JobRunTracing } from '../../telemetry/job-run-tracing.js';
import type { AttemptHandle, TaskExecutor } from './task-executor.js';
import { buildAttemptRequest } from './attempt-request.js';
import type { JobRunTracking } from './job-run-tracking.js';

export interface DriverDeps {
  runs: JobRunStore;
  attempts: AttemptStore;
  executor: TaskExecutor;
  executorNameFor: (task: TaskSpec) => string;
  tracking: JobRunTracking;
  logRoot: string;
  trackingUri: string | undefined;
  ownerId: string;
  now: () => number;
  logger: Logger;
  tracing?: JobRunTracing;
}

interface ActiveAttempt {
  attemptId: number;
  handle: AttemptHandle;
}

type Ending = { state: AttemptOutcomeState; message: string; endTime: number; result?: unknown };

const OUTCOME_TO_TASK: Record<Exclude<AttemptOutcomeState, 'SUCCESS'>, TaskRunState> = {
  FAILED: 'FAILED',
  TIMEDOUT: 'TIMEDOUT',
  CANCELED: 'CANCELED',
  LOST: 'FAILED',
};

/**
 * Drives one job run that this process owns, from whatever state the store holds: a fresh run, a
 * repaired one, or one taken over from a runner that died. The store is the source of truth; the
 * in-memory maps only mirror it. Every step runs through `serial`, so attempt completions, retry
 * timers and cancels never interleave their reads and writes.
 */
export class JobRunDriver {
  private readonly dag: Dag;
  private readonly specs: Map<string, TaskSpec>;
  private readonly tasks = new Map<string, TaskRunRecord>();
  private readonly active = new Map<string, ActiveAttempt>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly lost = new Set<string>();
  private stopping: { state: 'CANCELED' | 'TIMEDOUT'; message: string } | undefined;
  private jobTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private done = false;
  private detached = false;
  private resolveFinished!: (s: JobRunState) => void;
  readonly finished: Promise<JobRunState>;

  constructor(
    private run: JobRunRecord,
    private readonly deps: DriverDeps,
  ) {
    const tasks = run.definition.job.tasks;
    this.dag = buildDag(tasks);
    this.specs = new Map(tasks.map((t) => [t.taskKey, t]));
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  get jobRunId(): number {
    return this.run.jobRunId;
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((e: unknown) => {
      this.deps.logger.error({ err: e, job_run_id: this.run.jobRunId }, 'job run step failed');
      return this.abort(`internal error: ${(e as Error).message}`);
    });
    this.chain = next;
    return next;
  }

  /** Starts driving; `finished` settles with the run's final state. */
  start(): Promise<JobRunState> {
    void this.serial(async () => {
      this.run = (await this.deps.runs.get(this.run.jobRunId)) ?? this.run;
      for (const t of await this.deps.runs.taskRuns(this.run.jobRunId)) this.tasks.set(t.taskKey, t);
      await this.reconcile();
      const limit = this.run.definition.job.timeoutSeconds;
      if (limit) {
        const left = Math.max(0, (this.run.startTime ?? this.deps.now()) + limit * 1000 - this.deps.now());
        this.jobTimer = setTimeout(() => void this.stop('TIMEDOUT', `the job run timed out after ${limit}s (timeout_seconds)`), left);
      }
      await this.evaluate();
    });
    return this.finished;
  }

  /**
   * Stops driving without writing anything more: this process is shutting down, its attempts die
   * with it, and the next runner recovers the run from the store (attempts marked LOST, retried).
   */
  detach(): void {
    this.detached = true;
    if (this.done) return;
    this.done = true;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.resolveFinished('RUNNING');
  }

  /** Cancels the run: running attempts are stopped, nothing new starts. */
  cancel(message: string): Promise<void> {
    return this.stop('CANCELED', message);
  }

  private stop(state: 'CANCELED' | 'TIMEDOUT', message: string): Promise<void> {
    return this.serial(async () => {
      if (this.stopping || this.done) return;
      this.stopping = { state, message };
      for (const a of this.active.values()) a.handle.cancel(message);
      for (const t of this.retryTimers.values()) clearTimeout(t);
      this.retryTimers.clear();
      await this.evaluate();
    });
  }

  /**
   * Task runs left RUNNING by a runner that died: their unfinished attempt is stopped if it still
   * runs somewhere, marked LOST, and handled like any failed attempt (so retried per policy).
   */
  private async reconcile(): Promise<void> {
    for (const key of this.dag.order) {
      const tr = this.tasks.get(key)!;
      if (tr.state !== 'RUNNING') continue;
      const attempts = await this.deps.attempts.list(this.run.jobRunId, key);
      const last = attempts[attempts.length - 1];
      if (!last) {
        await this.update(key, { state: 'PENDING' });
        continue;
      }
      if (last.state === 'QUEUED' || last.state === 'RUNNING') {
        await this.deps.executor.abandon({ attemptId: last.attemptId, executorRef: last.executorRef, executor: last.executor });
        const message = `the runner watching attempt ${last.attemptNumber} stopped (its process ended); marked lost on recovery`;
        const now = this.deps.now();
        await this.deps.attempts.finish(last.attemptId, { state: 'LOST', message, exitCode: null, signal: null, endTime: now });
        this.deps.tracing?.recordLostAttempt(
          { run: this.run, task: this.specs.get(key)!, attemptId: last.attemptId, attemptNumber: last.attemptNumber, trigger: last.trigger, startTime: last.startTime ?? last.queuedTime },
          { state: 'LOST', message, endTime: now },
        );
        await this.applyOutcome(key, { state: 'LOST', message, endTime: now }, attempts);
      } else {
        await this.applyOutcome(key, { state: last.state, message: last.stateMessage ?? '', endTime: last.endTime ?? this.deps.now() }, attempts);
      }
    }
  }

  private async update(key: string, patch: TaskRunPatch): Promise<void> {
    await this.deps.runs.updateTaskRun(this.run.jobRunId, key, patch);
    const prior = this.tasks.get(key)!;
    this.tasks.set(key, {
      ...prior,
      ...(patch.state !== undefined ? { state: patch.state } : {}),
      ...(patch.stateMessage !== undefined ? { stateMessage: patch.stateMessage } : {}),
      ...(patch.startTime !== undefined ? { startTime: patch.startTime } : {}),
      ...(patch.endTime !== undefined ? { endTime: patch.endTime } : {}),
      ...(patch.nextAttemptTime !== undefined ? { nextAttemptTime: patch.nextAttemptTime } : {}),
      ...(patch.result !== undefined ? { result: patch.result } : {}),
    });
  }

  private async applyOutcome(key: string, end: Ending, attempts?: AttemptRecord[]): Promise<void> {
    if (end.state === 'SUCCESS') {
      await this.update(key, { state: 'SUCCESS', stateMessage: null, endTime: end.endTime, ...(end.result !== undefined ? { result: end.result } : {}) });
      return;
    }
    const spec = this.specs.get(key)!;
    const history = attempts ?? (await this.deps.attempts.list(this.run.jobRunId, key));
    const lastStart = history.map((a) => a.trigger).lastIndexOf('INITIAL');
    const lastRepair = history.map((a) => a.trigger).lastIndexOf('REPAIR');
    const retriesSoFar = history.slice(Math.max(lastStart, lastRepair) + 1).length;
    const decision = this.stopping ? { retry: false as const, reason: 'the run is stopping' } : decideRetry(spec, end.state, retriesSoFar, end.endTime);
    const attemptNo = history.length;
    if (decision.retry) {
      if (end.state === 'LOST') this.lost.add(key);
      else this.lost.delete(key);
      await this.update(key, {
        state: 'WAITING_FOR_RETRY',
        stateMessage: `attempt ${attemptNo} ${end.state}: ${end.message}; retry ${retriesSoFar + 1} after ${new Date(decision.notBefore).toISOString()}`,
        nextAttemptTime: decision.notBefore,
      });
      return;
    }
    // A failed task's result (a gate's per-rule decision) is kept too: it says why.
    await this.update(key, { state: OUTCOME_TO_TASK[end.state], stateMessage: end.message, endTime: end.endTime, ...(end.result !== undefined ? { result: end.result } : {}) });
  }

  private async evaluate(): Promise<void> {
    if (this.done) return;
    const now = this.deps.now();
    for (const key of this.dag.order) {
      const tr = this.tasks.get(key)!;
      if (tr.state === 'PENDING') {
        if (this.stopping) {
          await this.update(key, { state: 'CANCELED', stateMessage: this.stopping.message, endTime: now });
          continue;
        }
        const deps = this.dag.dependencies.get(key)!.map((d) => ({ taskKey: d, state: this.tasks.get(d)!.state }));
        if (!deps.every((d) => isTerminalTaskRunState(d.state))) continue;
        const decision = decideRunIf(this.specs.get(key)!.runIf, deps);
        if (decision.run) await this.submit(key, tr.attemptCount === 0 ? 'INITIAL' : 'REPAIR');
        else await this.update(key, { state: decision.state, stateMessage: decision.reason, endTime: now });
      } else if (tr.state === 'WAITING_FOR_RETRY') {
        if (this.stopping) {
          await this.update(key, { state: 'CANCELED', stateMessage: `${this.stopping.message} (while waiting to retry)`, endTime: now });
        } else if (!this.retryTimers.has(key)) {
          const delay = Math.max(0, (tr.nextAttemptTime ?? now) - now);
          const timer = setTimeout(() => {
            void this.serial(async () => {
              this.retryTimers.delete(key);
              if (this.tasks.get(key)!.state !== 'WAITING_FOR_RETRY' || this.stopping) return;
              await this.submit(key, this.lost.has(key) ? 'RECOVERY' : 'RETRY');
              await this.evaluate();
            });
          }, delay);
          this.retryTimers.set(key, timer);
        }
      }
    }
    const allDone = [...this.tasks.values()].every((t) => isTerminalTaskRunState(t.state));
    if (allDone && this.active.size === 0 && this.retryTimers.size === 0) await this.finish();
  }

  private async submit(key: string, trigger: AttemptTrigger): Promise<void> {
    const spec = this.specs.get(key)!;
    const tr = this.tasks.get(key)!;
    const attemptNumber = tr.attemptCount + 1;
    const now = this.deps.now();
    const request = buildAttemptRequest({ run: this.run, task: spec, attemptId: 0, attemptNumber, trackingUri: this.deps.trackingUri, logRoot: this.deps.logRoot });
    const attempt = await this.deps.attempts.create({
      jobRunId: this.run.jobRunId,
      taskKey: key,
      attemptNumber,
      trigger,
      executor: this.deps.executorNameFor(spec),
      stdoutPath: request.stdoutPath,
      stderrPath: request.stderrPath,
      now,
    });
    if (!attempt) {
      // Another runner created this attempt: it owns the run now.
      await this.abort(`attempt ${attemptNumber} of task '${key}' was created by another runner`, false);
      return;
    }
    this.tasks.set(key, { ...tr, state: 'RUNNING', stateMessage: null, attemptCount: attemptNumber, startTime: tr.startTime ?? now, endTime: null, nextAttemptTime: null });
    // Awaited before the end is written, so an attempt's end never lands before its start.
    let markStarted: Promise<void> | undefined;
    const span = this.deps.tracing?.startAttempt({
      run: this.run,
      task: spec,
      attemptId: attempt.attemptId,
      attemptNumber,
      trigger,
      startTime: now,
      trackingUri: this.deps.trackingUri,
      logFiles: { stdoutPath: request.stdoutPath, stderrPath: request.stderrPath },
    });
    const env = span ? { ...request.env, ...span.env } : request.env;
    const handle = this.deps.executor.submit({ ...request, env, attemptId: attempt.attemptId }, (s) => {
      markStarted = this.deps.attempts.markStarted(attempt.attemptId, s.executorRef, s.startTime).catch((e: unknown) => {
        this.deps.logger.warn({ err: e, attempt_id: attempt.attemptId }, 'could not record attempt start');
      });
    });
    this.active.set(key, { attemptId: attempt.attemptId, handle });
    void handle.done.then((outcome) =>
      this.serial(async () => {
        if (markStarted) await markStarted;
        this.active.delete(key);
        span?.end(outcome);
        if (this.detached) return;
        const recorded = await this.deps.attempts.finish(attempt.attemptId, {
          state: outcome.state,
          message: outcome.message,
          exitCode: outcome.exitCode,
          signal: outcome.signal,
          endTime: outcome.endTime,
        });
        if (this.done) return;
        // Someone else ended it (a recovery that took the run over): their decision stands.
        if (!recorded) return this.abort('the run was taken over by another runner', false);
        await this.applyOutcome(key, { state: outcome.state, message: outcome.message, endTime: outcome.endTime, result: outcome.result });
        await this.evaluate();
      }),
    );
  }

  private async finish(): Promise<void> {
    this.done = true;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    const leaves = new Set(leavesOf(this.dag));
    const rows = this.dag.order.map((k) => ({ taskKey: k, state: this.tasks.get(k)!.state, isLeaf: leaves.has(k) }));
    const state: JobRunState = this.stopping?.state ?? jobResult(rows);
    const firstFailure = rows.find((r) => classifyTaskOutcome(r.state) === 'failed' && r.state !== 'UPSTREAM_FAILED');
    const message =
      this.stopping?.message ??
      (firstFailure ? `task '${firstFailure.taskKey}' ${firstFailure.state}: ${this.tasks.get(firstFailure.taskKey)!.stateMessage ?? ''}`.trim() : null);
    const now = this.deps.now();
    // The MLflow run ends first: whoever sees the job run ended (a client polling it, the UI) must
    // also see its MLflow run ended. Should another runner own the job run by now (finish returns
    // false), that runner ends the MLflow run again with its own outcome.
    if (this.run.mlflowRunId) {
      await this.deps.tracking.end(this.run.mlflowRunId, state, now).catch((e: unknown) => {
        this.deps.logger.warn({ err: e, job_run_id: this.run.jobRunId, run_id: this.run.mlflowRunId }, 'could not end the MLflow run');
      });
    }
    const ended = await this.deps.runs.finish(this.run.jobRunId, this.deps.ownerId, state, message, now);
    if (ended) this.deps.tracing?.endRun(this.run, state, message, now);
    this.resolveFinished(ended ? state : 'RUNNING');
  }

  /**
   * Stops driving. With `endRun` (an internal error) the run is failed in the store; without it
   * (another runner owns the run now) the store is left to that runner.
   */
  private async abort(message: string, endRun = true): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const a of this.active.values()) a.handle.cancel(message);
    let state: JobRunState = 'RUNNING';
    if (endRun && (await this.deps.runs.finish(this.run.jobRunId, this.deps.ownerId, 'FAILED', message, this.deps.now()).catch(() => false))) {
      state = 'FAILED';
      this.deps.tracing?.endRun(this.run, state, message, this.deps.now());
    }
    this.resolveFinished(state);
  }
}
