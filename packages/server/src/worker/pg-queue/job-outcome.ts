import type PgBoss from 'pg-boss';
import type { AttemptOutcome } from '../../services/pipelines/task-executor.js';

const STATES = new Set<AttemptOutcome['state']>(['SUCCESS', 'FAILED', 'TIMEDOUT', 'CANCELED']);

/** What the server makes of a queue job it watches. */
export type JobProgress =
  | { kind: 'queued' }
  | { kind: 'running'; startTime: number }
  | { kind: 'ended'; startTime: number | null; outcome: AttemptOutcome };

/** The AttemptOutcome a worker returned as the job's output, if that is what the output is. */
export function outcomeFromOutput(output: unknown): AttemptOutcome | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const o = output as Record<string, unknown>;
  if (typeof o.state !== 'string' || !STATES.has(o.state as AttemptOutcome['state'])) return undefined;
  if (typeof o.message !== 'string' || typeof o.endTime !== 'number') return undefined;
  return {
    state: o.state as AttemptOutcome['state'],
    message: o.message,
    exitCode: typeof o.exitCode === 'number' ? o.exitCode : null,
    signal: typeof o.signal === 'string' ? o.signal : null,
    endTime: o.endTime,
    ...(o.result !== undefined ? { result: o.result } : {}),
  };
}

/** pg-boss stores a failed job's error (serialized) or a worker's reason as its output. */
function failureText(output: unknown): string {
  if (typeof output === 'object' && output !== null) {
    const o = output as Record<string, unknown>;
    if (typeof o.message === 'string' && o.message) return o.message;
    if (typeof o.value === 'string' && o.value) return o.value;
  }
  return 'no reason recorded';
}

const time = (d: Date | null | undefined): number | null => (d ? new Date(d).getTime() : null);

/**
 * Reads a job's state. `cancelReason` is set once this server asked for the cancel: a job
 * cancelled by anyone ends CANCELED, but a job that completed first keeps the worker's outcome.
 */
export function progressOf(job: PgBoss.JobWithMetadata<unknown> | null, now: number, cancelReason: string | undefined): JobProgress {
  if (!job) {
    const message = cancelReason ?? 'the queue job of this attempt no longer exists (deleted from the pgboss schema)';
    return { kind: 'ended', startTime: null, outcome: { state: cancelReason ? 'CANCELED' : 'FAILED', message, exitCode: null, signal: null, endTime: now } };
  }
  const startTime = time(job.startedOn);
  const endTime = time(job.completedOn) ?? now;
  switch (job.state) {
    case 'created':
    case 'retry':
      return { kind: 'queued' };
    case 'active':
      return { kind: 'running', startTime: startTime ?? now };
    case 'completed': {
      const outcome = outcomeFromOutput(job.output);
      if (outcome) return { kind: 'ended', startTime, outcome };
      return { kind: 'ended', startTime, outcome: { state: 'FAILED', message: 'the worker completed the queue job without an attempt outcome', exitCode: null, signal: null, endTime } };
    }
    case 'cancelled':
      return { kind: 'ended', startTime, outcome: { state: 'CANCELED', message: cancelReason ?? 'the queue job was cancelled', exitCode: null, signal: null, endTime } };
    case 'failed':
      // A worker that died or overran pg-boss's expiration: the job failed without an outcome.
      return { kind: 'ended', startTime, outcome: { state: 'FAILED', message: `the queue job failed: ${failureText(job.output)}`, exitCode: null, signal: null, endTime } };
    default:
      return { kind: 'queued' };
  }
}
