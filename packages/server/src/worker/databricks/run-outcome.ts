import type { AttemptOutcome } from '../../services/pipelines/task-executor.js';

/** What the executor reads of a Databricks `runs/get` answer (the SDK's `jobs.Run`, narrowed). */
export interface RemoteRunState {
  life_cycle_state?: string;
  result_state?: string;
  state_message?: string;
}

/**
 * Terminal life cycle states (Jobs API 2.1 `RunLifeCycleState`). `INTERNAL_ERROR` ends a run
 * without a result state; everything else (PENDING, QUEUED, BLOCKED, RUNNING, TERMINATING,
 * WAITING_FOR_RETRY) is still moving.
 */
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

export function isTerminalRemoteState(s: RemoteRunState | undefined): boolean {
  return s?.life_cycle_state !== undefined && TERMINAL.has(s.life_cycle_state);
}

/** Why we asked the run to stop, if we did: a cancel or our own timeout wins over what Databricks says. */
export type StopReason = { state: 'CANCELED' | 'TIMEDOUT'; message: string };

/**
 * Maps a terminal Databricks run state to the attempt's outcome. `error` is `runs/get-output`'s
 * `error` (the exception line of a failed Python task), preferred to `state_message`, which for a
 * failed task is often a generic "Workload failed, see run output for details".
 */
export function remoteOutcome(
  runId: number,
  s: RemoteRunState,
  opts: { stop?: StopReason; error?: string; endTime: number },
): AttemptOutcome {
  const base = { exitCode: null, signal: null, endTime: opts.endTime };
  const detail = firstLine(opts.error) || s.state_message || '';
  const said = detail ? `: ${detail}` : '';
  const result = s.result_state;
  if (result === 'SUCCESS' && !opts.stop) return { ...base, state: 'SUCCESS', message: `Databricks run ${runId} succeeded` };
  if (opts.stop) {
    // The run may have finished on its own just before the cancel landed; a success still counts.
    if (result === 'SUCCESS') return { ...base, state: 'SUCCESS', message: `Databricks run ${runId} succeeded` };
    return { ...base, state: opts.stop.state, message: `${opts.stop.message} (Databricks run ${runId} canceled)` };
  }
  switch (result) {
    case 'TIMEDOUT':
      return { ...base, state: 'TIMEDOUT', message: `Databricks run ${runId} timed out${said}` };
    case 'CANCELED':
    case 'UPSTREAM_CANCELED':
      return { ...base, state: 'CANCELED', message: `Databricks run ${runId} was canceled in the workspace${said}` };
    default: {
      const what = s.life_cycle_state === 'INTERNAL_ERROR' ? 'ended with an internal error' : s.life_cycle_state === 'SKIPPED' ? 'was skipped' : 'failed';
      return { ...base, state: 'FAILED', message: `Databricks run ${runId} ${what}${said}` };
    }
  }
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}
