import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { ensureHeartbeatTable } from './attempt-heartbeats.js';

/** The pg-boss queue command attempts travel on; `modelyard worker` processes take them from it. */
export const ATTEMPT_QUEUE = 'modelyard-attempts';

/** pg-boss refuses expirations of 24 hours or more. */
const MAX_EXPIRE_SECONDS = 24 * 60 * 60 - 60;

/**
 * The queue job id of an attempt. pg-boss's `singletonKey` alone does not deduplicate on a
 * `standard` queue (only with `singletonSeconds` or another policy), but the job table's primary
 * key is (queue, id): sending a second job with the same id inserts nothing. So the id is derived
 * from the attempt id, which makes `submit` idempotent and lets `abandon` find a job whose start
 * was never recorded. One pgboss schema per Modelyard store (attempt ids are per store).
 */
export function jobIdForAttempt(attemptId: number): string {
  const h = createHash('sha256').update(`${ATTEMPT_QUEUE}:${attemptId}`).digest('hex');
  // Shaped as a version-8 (custom) UUID, which PostgreSQL's uuid type accepts like any other.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * How long pg-boss lets a taken job run before failing it: the attempt's own timeout with a
 * margin (the worker ends a timed-out attempt itself and reports TIMEDOUT), else the most
 * pg-boss allows.
 */
export function expireSecondsFor(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || timeoutMs <= 0) return MAX_EXPIRE_SECONDS;
  return Math.min(MAX_EXPIRE_SECONDS, Math.ceil(timeoutMs / 1000) + 120);
}

export interface BossOptions {
  connectionString: string;
  /** Pool size of pg-boss's own connections. */
  maxConnections: number;
  /** Runs pg-boss maintenance (expiring and archiving jobs); one process of a deployment is enough. */
  supervise: boolean;
  logger?: Logger;
  applicationName: string;
}

/** Starts pg-boss (creating or migrating its `pgboss` schema), the attempt queue and the workers' heartbeat table. */
export async function startBoss(opts: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    max: opts.maxConnections,
    application_name: opts.applicationName,
    supervise: opts.supervise,
    schedule: false,
  });
  // pg-boss emits 'error' for failed polls; an EventEmitter without a listener would throw it.
  boss.on('error', (err) => opts.logger?.warn({ err }, 'task queue error'));
  await boss.start();
  try {
    if (!(await boss.getQueue(ATTEMPT_QUEUE))) await boss.createQueue(ATTEMPT_QUEUE, { name: ATTEMPT_QUEUE, policy: 'standard' });
  } catch (e) {
    // Two processes starting at once may both try to create it.
    if (!(await boss.getQueue(ATTEMPT_QUEUE))) throw e;
  }
  await ensureHeartbeatTable(boss);
  return boss;
}

export type { PgBoss };
