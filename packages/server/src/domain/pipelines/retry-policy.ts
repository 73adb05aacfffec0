import type { AttemptOutcomeState } from './run-states.js';

export interface RetryPolicy {
  /** Retries after the first attempt; -1 is unlimited (Databricks). */
  maxRetries: number;
  minRetryIntervalMillis: number;
  retryOnTimeout: boolean;
}

export type RetryDecision = { retry: true; notBefore: number } | { retry: false; reason: string };

/**
 * Whether a task gets another attempt after one ended as `outcome` (LOST counts as a failure: the
 * process watching it died). `retriesSoFar` counts the retries since the task's last initial or
 * repair attempt: a repair gives the task a fresh set of retries, as a Databricks repair does.
 */
export function decideRetry(
  policy: RetryPolicy,
  outcome: AttemptOutcomeState,
  retriesSoFar: number,
  endedAt: number,
): RetryDecision {
  if (outcome === 'SUCCESS') return { retry: false, reason: 'succeeded' };
  if (outcome === 'CANCELED') return { retry: false, reason: 'canceled attempts are not retried' };
  if (outcome === 'TIMEDOUT' && !policy.retryOnTimeout) return { retry: false, reason: 'timed out and retry_on_timeout is false' };
  if (policy.maxRetries !== -1 && retriesSoFar >= policy.maxRetries) {
    return { retry: false, reason: policy.maxRetries === 0 ? 'max_retries is 0' : `all ${policy.maxRetries} retries used` };
  }
  return { retry: true, notBefore: endedAt + Math.max(0, policy.minRetryIntervalMillis) };
}
