/**
 * States of job runs, task runs and task attempts. Names follow Databricks' run life cycle and
 * result states, flattened into one column each (a finished run's state is its result).
 */
export const JOB_RUN_STATES = ['QUEUED', 'RUNNING', 'SUCCESS', 'SUCCESS_WITH_FAILURES', 'FAILED', 'TIMEDOUT', 'CANCELED', 'SKIPPED'] as const;
export type JobRunState = (typeof JOB_RUN_STATES)[number];

export const TASK_RUN_STATES = [
  'PENDING',
  'WAITING_FOR_RETRY',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'TIMEDOUT',
  'CANCELED',
  'EXCLUDED',
  'UPSTREAM_FAILED',
  'UPSTREAM_CANCELED',
] as const;
export type TaskRunState = (typeof TASK_RUN_STATES)[number];

/** `LOST`: the process that watched the attempt died; recovery marks it so and retries per policy. */
export const ATTEMPT_STATES = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEDOUT', 'CANCELED', 'LOST'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];
export type AttemptOutcomeState = Exclude<AttemptState, 'QUEUED' | 'RUNNING'>;

export const JOB_RUN_TRIGGERS = ['MANUAL', 'SCHEDULE'] as const;
export type JobRunTrigger = (typeof JOB_RUN_TRIGGERS)[number];

/** Why an attempt exists: the first try, a retry after a failure, a repair, or a retry after a lost watcher. */
export const ATTEMPT_TRIGGERS = ['INITIAL', 'RETRY', 'REPAIR', 'RECOVERY'] as const;
export type AttemptTrigger = (typeof ATTEMPT_TRIGGERS)[number];

const TERMINAL_JOB: ReadonlySet<JobRunState> = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES', 'FAILED', 'TIMEDOUT', 'CANCELED', 'SKIPPED']);
const TERMINAL_TASK: ReadonlySet<TaskRunState> = new Set([
  'SUCCESS',
  'FAILED',
  'TIMEDOUT',
  'CANCELED',
  'EXCLUDED',
  'UPSTREAM_FAILED',
  'UPSTREAM_CANCELED',
]);

export function isTerminalJobRunState(s: JobRunState): boolean {
  return TERMINAL_JOB.has(s);
}

export function isTerminalTaskRunState(s: TaskRunState): boolean {
  return TERMINAL_TASK.has(s);
}

export type TaskOutcomeClass = 'success' | 'failed' | 'canceled' | 'excluded';

/** How a finished task counts for `run_if` and for the job result. */
export function classifyTaskOutcome(s: TaskRunState): TaskOutcomeClass {
  switch (s) {
    case 'SUCCESS':
      return 'success';
    case 'CANCELED':
    case 'UPSTREAM_CANCELED':
      return 'canceled';
    case 'EXCLUDED':
      return 'excluded';
    default:
      return 'failed';
  }
}

/** Task runs a repair re-runs (with everything downstream of them). */
export function needsRepair(s: TaskRunState): boolean {
  return s === 'FAILED' || s === 'TIMEDOUT' || s === 'CANCELED' || s === 'UPSTREAM_FAILED' || s === 'UPSTREAM_CANCELED';
}
