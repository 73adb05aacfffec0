const ACTIVE_RUN_STATES: ReadonlySet<string> = new Set(['QUEUED', 'RUNNING']);
const ACTIVE_TASK_STATES: ReadonlySet<string> = new Set(['PENDING', 'WAITING_FOR_RETRY', 'RUNNING', 'QUEUED']);

/** A job run that may still change: its page keeps polling. */
export function isActiveRun(state: string): boolean {
  return ACTIVE_RUN_STATES.has(state);
}

/** A task run that may still change (its log may still grow). */
export function isActiveTask(state: string): boolean {
  return ACTIVE_TASK_STATES.has(state);
}
