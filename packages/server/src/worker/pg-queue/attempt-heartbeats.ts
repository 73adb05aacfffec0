import type PgBoss from 'pg-boss';

/**
 * Whether the worker running a queue job is still there. pg-boss 10 keeps no heartbeat of its
 * own: the job of a worker that was killed (SIGKILL, out of memory, its machine gone) stays
 * `active` until pg-boss expires it, which is the attempt's timeout plus two minutes or, without
 * a timeout, nearly a day. So a worker stamps every job it runs in this table (in the queue
 * database, beside the `pgboss` schema), and the server fails an active job whose stamp is too
 * old; the runner then retries the attempt per the task's policy. Both sides read the database's
 * clock, so the machines' clocks need not agree.
 */
const TABLE = 'modelyard_attempt_heartbeats';

/** How often a worker stamps the jobs it runs (or at its poll interval, when that is shorter). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** How long the server waits for a stamp before it takes the worker for lost: six missed heartbeats. */
export const WORKER_LOST_AFTER_MS = 30_000;

/** Creates the table when missing; processes starting together may race, which is fine. */
export async function ensureHeartbeatTable(boss: PgBoss): Promise<void> {
  const create = `CREATE TABLE IF NOT EXISTS ${TABLE} (job_id uuid PRIMARY KEY, worker_id text NOT NULL, beat_at timestamptz NOT NULL)`;
  try {
    await boss.getDb().executeSql(create, []);
  } catch {
    // Two CREATE TABLE IF NOT EXISTS at once: the loser fails on the catalog's unique index; the
    // table is there now (if it is not, this second try says why).
    await boss.getDb().executeSql(create, []);
  }
}

/** Stamps `jobIds` as alive, run by `workerId`, now. */
export async function stampJobs(boss: PgBoss, workerId: string, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await boss
    .getDb()
    .executeSql(
      `INSERT INTO ${TABLE} (job_id, worker_id, beat_at) SELECT id, $2, now() FROM unnest($1::uuid[]) AS t(id) ON CONFLICT (job_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, beat_at = EXCLUDED.beat_at`,
      [jobIds, workerId],
    );
}

/** Drops the stamps of jobs that ended. */
export async function forgetJobs(boss: PgBoss, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await boss.getDb().executeSql(`DELETE FROM ${TABLE} WHERE job_id = ANY($1::uuid[])`, [jobIds]);
}

export interface SilentJob {
  jobId: string;
  /** The worker that stamped it last; null when none ever did. */
  workerId: string | null;
  /** Seconds since its last stamp (or since it started, when it has none). */
  silentSeconds: number;
}

/**
 * Of these active jobs (with when they started, as pg-boss recorded it), the ones nobody stamped
 * for longer than `afterMs`: since their last stamp, or since they started if never.
 */
export async function silentJobs(boss: PgBoss, jobs: Array<{ jobId: string; startedOn: number }>, afterMs: number): Promise<SilentJob[]> {
  if (jobs.length === 0) return [];
  const { rows } = await boss.getDb().executeSql(
    `SELECT j.id::text AS job_id, h.worker_id, extract(epoch FROM now() - coalesce(h.beat_at, to_timestamp(j.started_ms / 1000.0)))::float8 AS silent_seconds
       FROM unnest($1::uuid[], $2::float8[]) AS j(id, started_ms)
       LEFT JOIN ${TABLE} h ON h.job_id = j.id
      WHERE now() - coalesce(h.beat_at, to_timestamp(j.started_ms / 1000.0)) > make_interval(secs => $3::float8 / 1000)`,
    [jobs.map((j) => j.jobId), jobs.map((j) => j.startedOn), afterMs],
  );
  return (rows as Array<{ job_id: string; worker_id: string | null; silent_seconds: number }>).map((r) => ({
    jobId: r.job_id,
    workerId: r.worker_id,
    silentSeconds: Number(r.silent_seconds),
  }));
}
