import type { BundleRef } from '../../domain/pipelines/bundle-ref.js';
import type { TaskSpec, TaskType } from '../../domain/pipelines/project-model.js';

/**
 * The one seam between the DAG runner (services/pipelines) and whatever runs a task attempt.
 *
 * Everything in an `AttemptRequest` is plain JSON on purpose, so one request runs anywhere:
 *  - the local process pool runs it in this process's children (the default);
 *  - `PgQueueExecutor` (worker/pg-queue, `modelyard server --task-queue-uri`) puts it on a pg-boss
 *    queue for `modelyard worker` processes on other machines: the job id is derived from the
 *    attempt id, `done` follows the job's state, `cancel` cancels the job and the worker stops
 *    the attempt's processes when it sees that;
 *  - `DatabricksExecutor` (worker/databricks) runs tasks with `compute.databricks` as Databricks
 *    one-time runs (`runs/submit`; `executorRef` names the run, `done` polls `runs/get`, `cancel`
 *    calls `runs/cancel`).
 * The runner only ever sees `submit`, the `started` callback, `done`, `cancel` and `abandon`, so
 * none of that changes the scheduler or the runner. Attempt ids are the idempotency key.
 */
export interface AttemptRequest {
  attemptId: number;
  jobRunId: number;
  taskKey: string;
  attemptNumber: number;
  /** The task as deployed, with `{{…}}` references in command and env already substituted (in a command string, each value shell-quoted). */
  task: TaskSpec;
  /**
   * Absolute project folder; command tasks run in it (or in their working_directory inside it).
   * '' when `bundle` is set: the executing machine unpacks the bundle and runs there instead
   * (worker/bundle-checkout-executor.ts).
   */
  projectDir: string;
  /** The code to run: a bundle every machine fetches from the server by its sha256. */
  bundle?: BundleRef;
  /** Variables set for the attempt (MLflow ids, job/task ids, parameters, task env). */
  env: Record<string, string>;
  /** Whole-attempt limit; the executor kills the attempt when it is reached. */
  timeoutMs?: number;
  stdoutPath: string;
  stderrPath: string;
}

export interface AttemptStarted {
  /** What the executor knows the attempt by (a pid, a queue job id, a remote run id). */
  executorRef: string;
  startTime: number;
}

export interface AttemptOutcome {
  state: 'SUCCESS' | 'FAILED' | 'TIMEDOUT' | 'CANCELED';
  /** Readable, e.g. "exited with code 3: <last stderr line>". */
  message: string;
  exitCode: number | null;
  signal: string | null;
  endTime: number;
  /** Task-type output kept on the task run (a gate decision, evaluation metrics). */
  result?: unknown;
}

export interface AttemptHandle {
  /** Settles once, never rejects: every failure is an outcome. */
  readonly done: Promise<AttemptOutcome>;
  /** Stops the attempt (a queued one never starts); `done` then settles as CANCELED. */
  cancel(reason: string): void;
}

export interface TaskExecutor {
  readonly name: string;
  /** The name recorded on attempts of this type (an executor that routes answers per type). */
  executorNameFor?(type: TaskType, task?: TaskSpec): string;
  /**
   * Hands the attempt over. `onStarted` is called when it actually starts (after waiting for a
   * free slot), so the runner can record RUNNING with the executor's reference.
   */
  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle;
  /**
   * Called by recovery for an attempt this executor was running when its runner died: make sure
   * it is no longer running (kill it, cancel the remote run), so that a retry never runs alongside
   * it. Must be safe when the attempt already ended or the reference is unknown.
   */
  abandon(attempt: { attemptId: number; executorRef: string | null; executor?: string }): Promise<void>;
  /** Stops everything still running (process shutdown). */
  close(): Promise<void>;
}

/** A handle that has already finished, for attempts that end before they start. */
export function finishedHandle(outcome: AttemptOutcome): AttemptHandle {
  return { done: Promise.resolve(outcome), cancel: () => {} };
}
