import { sql } from 'kysely';
import type { Kysely, Updateable } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/driver-errors.js';
import type { Database } from '../../db/schema.js';
import type { TaskRunsTable } from '../../db/schema-jobs.js';
import type { JobDefinition, JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { BundleRef } from '../../domain/pipelines/bundle-ref.js';
import type { JobRunState, JobRunTrigger, TaskRunState } from '../../domain/pipelines/run-states.js';
import { API_PROJECT_NAME, ONE_TIME_KEY_PREFIX } from '../../domain/pipelines/jobs-api-ids.js';
import { toJobRunRecord, toTaskRunRecord } from './job-row-mappers.js';

export interface JobRunPageQuery {
  jobId?: number;
  /** Only queued and running runs, or only ended ones. */
  activeOnly?: boolean;
  completedOnly?: boolean;
  /** Only runs still waiting in the queue. */
  queuedOnly?: boolean;
  /** One-time runs (`runs/submit`) only, or runs of real jobs only. */
  oneTime?: boolean;
  /** Runs that started (or, still queued, were queued) in this range, epoch ms, inclusive. */
  startTimeFrom?: number;
  startTimeTo?: number;
  /** Newest first; only runs with a smaller id (the previous page's last). */
  beforeId?: number;
  offset?: number;
  limit: number;
}

export interface NewJobRun {
  jobId: number;
  trigger: JobRunTrigger;
  actor: string | null;
  parameters: Record<string, string>;
  definition: JobDefinition;
  /** For scheduled runs: the fire time. A second run for the same fire is refused. */
  scheduledTime?: number;
  now: number;
}

export type StartResult = 'started' | 'at-capacity' | 'not-queued';

export interface TaskRunPatch {
  state?: TaskRunState;
  stateMessage?: string | null;
  startTime?: number | null;
  endTime?: number | null;
  nextAttemptTime?: number | null;
  result?: unknown;
}

const ACTIVE: JobRunState[] = ['QUEUED', 'RUNNING'];

/**
 * Job runs and their task runs. The store is the source of truth for who drives a run (`owner_id`
 * with a heartbeat), so every transition that could race with another runner process is a
 * conditional UPDATE whose row count says whether this process won.
 */
export class JobRunStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DbCaps,
  ) {}

  /** Creates a QUEUED run with a PENDING task run per task; undefined when the schedule fire was already taken. */
  async create(input: NewJobRun): Promise<JobRunRecord | undefined> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('job_runs')
          .values({
            job_id: input.jobId,
            state: 'QUEUED',
            state_message: null,
            trigger: input.trigger,
            actor: input.actor,
            parameters_json: JSON.stringify(input.parameters),
            definition_json: JSON.stringify(input.definition),
            mlflow_experiment_id: null,
            mlflow_run_id: null,
            scheduled_time: input.scheduledTime ?? null,
            queued_time: input.now,
            start_time: null,
            end_time: null,
            repair_count: 0,
            owner_id: null,
            heartbeat_time: null,
            cancel_requested: 0,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx
          .insertInto('task_runs')
          .values(
            input.definition.job.tasks.map((t) => ({
              job_run_id: row.job_run_id,
              task_key: t.taskKey,
              state: 'PENDING',
              state_message: null,
              start_time: null,
              end_time: null,
              attempt_count: 0,
              next_attempt_time: null,
              result_json: null,
            })),
          )
          .execute();
        return toJobRunRecord(row);
      });
    } catch (e) {
      if (input.scheduledTime !== undefined && isUniqueViolation(e)) return undefined;
      throw e;
    }
  }

  async get(jobRunId: number): Promise<JobRunRecord | undefined> {
    const row = await this.db.selectFrom('job_runs').selectAll().where('job_run_id', '=', jobRunId).executeTakeFirst();
    return row ? toJobRunRecord(row) : undefined;
  }

  /** Newest first; `beforeId` pages backwards. */
  async list(q: { jobId?: number; activeOnly?: boolean; limit: number; beforeId?: number }): Promise<JobRunRecord[]> {
    let query = this.db.selectFrom('job_runs').selectAll();
    if (q.jobId !== undefined) query = query.where('job_id', '=', q.jobId);
    if (q.activeOnly) query = query.where('state', 'in', ACTIVE);
    if (q.beforeId !== undefined) query = query.where('job_run_id', '<', q.beforeId);
    const rows = await query.orderBy('job_run_id', 'desc').limit(q.limit).execute();
    return rows.map(toJobRunRecord);
  }

  /** A page of runs, newest first, filtered the ways `runs/list` of the Jobs API filters. */
  async page(q: JobRunPageQuery): Promise<JobRunRecord[]> {
    let query = this.db.selectFrom('job_runs').selectAll();
    if (q.jobId !== undefined) query = query.where('job_id', '=', q.jobId);
    if (q.activeOnly) query = query.where('state', 'in', ACTIVE);
    if (q.completedOnly) query = query.where('state', 'not in', ACTIVE);
    if (q.queuedOnly) query = query.where('state', '=', 'QUEUED');
    if (q.oneTime !== undefined) {
      const oneTimeJobs = this.db
        .selectFrom('jobs')
        .select('job_id')
        .where('project_name', '=', API_PROJECT_NAME)
        .where('job_key', 'like', `${ONE_TIME_KEY_PREFIX}%`);
      query = query.where('job_id', q.oneTime ? 'in' : 'not in', oneTimeJobs);
    }
    if (q.startTimeFrom !== undefined) query = query.where((eb) => eb(eb.fn.coalesce('start_time', 'queued_time'), '>=', q.startTimeFrom!));
    if (q.startTimeTo !== undefined) query = query.where((eb) => eb(eb.fn.coalesce('start_time', 'queued_time'), '<=', q.startTimeTo!));
    if (q.beforeId !== undefined) query = query.where('job_run_id', '<', q.beforeId);
    query = query.orderBy('job_run_id', 'desc').limit(q.limit);
    if (q.offset) query = query.offset(q.offset);
    return (await query.execute()).map(toJobRunRecord);
  }

  /** Deletes an ended run with its task runs and attempts; false if it is still queued or running (or unknown). */
  async delete(jobRunId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('job_runs').where('job_run_id', '=', jobRunId).where('state', 'not in', ACTIVE).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async queued(jobId: number): Promise<JobRunRecord[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('state', '=', 'QUEUED')
      .orderBy('job_run_id')
      .execute();
    return rows.map(toJobRunRecord);
  }

  async taskRuns(jobRunId: number): Promise<TaskRunRecord[]> {
    const rows = await this.db.selectFrom('task_runs').selectAll().where('job_run_id', '=', jobRunId).execute();
    return rows.map(toTaskRunRecord);
  }

  /**
   * QUEUED → RUNNING under this owner if the job has fewer than `maxConcurrent` running runs.
   * On PostgreSQL the job row is locked so two processes cannot both take the last slot; SQLite
   * serialises writers already.
   */
  async startIfCapacity(jobRunId: number, jobId: number, maxConcurrent: number, ownerId: string, now: number): Promise<StartResult> {
    return this.db.transaction().execute(async (tx) => {
      if (this.caps.dialect === 'postgres') {
        await sql`select job_id from jobs where job_id = ${jobId} for update`.execute(tx);
      }
      const { running } = await tx
        .selectFrom('job_runs')
        .select((eb) => eb.fn.countAll<number>().as('running'))
        .where('job_id', '=', jobId)
        .where('state', '=', 'RUNNING')
        .executeTakeFirstOrThrow();
      if (Number(running) >= maxConcurrent) return 'at-capacity';
      const r = await tx
        .updateTable('job_runs')
        .set((eb) => ({
          state: 'RUNNING',
          owner_id: ownerId,
          heartbeat_time: now,
          start_time: eb.fn.coalesce('start_time', eb.val(now)),
        }))
        .where('job_run_id', '=', jobRunId)
        .where('state', '=', 'QUEUED')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? 'started' : 'not-queued';
    });
  }

  /** QUEUED → a terminal state without running (skipped for concurrency, canceled while queued). */
  async endQueued(jobRunId: number, state: 'SKIPPED' | 'CANCELED', message: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('job_runs')
      .set({ state, state_message: message, end_time: now })
      .where('job_run_id', '=', jobRunId)
      .where('state', '=', 'QUEUED')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.db
      .updateTable('task_runs')
      .set({ state: state === 'CANCELED' ? 'CANCELED' : 'EXCLUDED', state_message: message })
      .where('job_run_id', '=', jobRunId)
      .execute();
    return true;
  }

  /**
   * Points an ended run's definition snapshot at another bundle (a repair with the job's latest
   * code); a queued or running run is left alone, so code never changes under a running task.
   */
  async setBundle(jobRunId: number, bundle: BundleRef): Promise<boolean> {
    const row = await this.db.selectFrom('job_runs').select(['definition_json']).where('job_run_id', '=', jobRunId).executeTakeFirst();
    if (!row) return false;
    const definition = { ...(JSON.parse(row.definition_json) as JobDefinition), bundle, projectDir: '' };
    const r = await this.db
      .updateTable('job_runs')
      .set({ definition_json: JSON.stringify(definition) })
      .where('job_run_id', '=', jobRunId)
      .where('state', 'not in', ['QUEUED', 'RUNNING'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setMlflowRun(jobRunId: number, experimentId: string, runId: string): Promise<void> {
    await this.db.updateTable('job_runs').set({ mlflow_experiment_id: experimentId, mlflow_run_id: runId }).where('job_run_id', '=', jobRunId).execute();
  }

  async updateTaskRun(jobRunId: number, taskKey: string, patch: TaskRunPatch): Promise<void> {
    const set: Updateable<TaskRunsTable> = {};
    if (patch.state !== undefined) set.state = patch.state;
    if (patch.stateMessage !== undefined) set.state_message = patch.stateMessage;
    if (patch.startTime !== undefined) set.start_time = patch.startTime;
    if (patch.endTime !== undefined) set.end_time = patch.endTime;
    if (patch.nextAttemptTime !== undefined) set.next_attempt_time = patch.nextAttemptTime;
    if (patch.result !== undefined) set.result_json = JSON.stringify(patch.result);
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('task_runs').set(set).where('job_run_id', '=', jobRunId).where('task_key', '=', taskKey).execute();
  }

  /** RUNNING → terminal, only by the run's owner; false if the run was taken over or already ended. */
  async finish(jobRunId: number, ownerId: string, state: JobRunState, message: string | null, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('job_runs')
      .set({ state, state_message: message, end_time: now, owner_id: null, cancel_requested: 0 })
      .where('job_run_id', '=', jobRunId)
      .where('owner_id', '=', ownerId)
      .where('state', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Says this owner is alive for all its running runs. */
  async heartbeat(ownerId: string, now: number): Promise<void> {
    await this.db.updateTable('job_runs').set({ heartbeat_time: now }).where('owner_id', '=', ownerId).where('state', '=', 'RUNNING').execute();
  }

  /** Marks this owner's running runs stale at once (it is shutting down), so the next runner recovers them without waiting. */
  async release(ownerId: string): Promise<void> {
    await this.db.updateTable('job_runs').set({ heartbeat_time: null }).where('owner_id', '=', ownerId).where('state', '=', 'RUNNING').execute();
  }

  /** Jobs that have runs waiting for a free slot. */
  async jobsWithQueuedRuns(): Promise<number[]> {
    const rows = await this.db.selectFrom('job_runs').select('job_id').distinct().where('state', '=', 'QUEUED').execute();
    return rows.map((r) => Number(r.job_id));
  }

  /** Asks the owner of a running run to cancel it (it polls); a queued run is canceled at once. */
  async requestCancel(jobRunId: number, now: number, message: string): Promise<'requested' | 'canceled' | 'not-active'> {
    if (await this.endQueued(jobRunId, 'CANCELED', message, now)) return 'canceled';
    const r = await this.db
      .updateTable('job_runs')
      .set({ cancel_requested: 1 })
      .where('job_run_id', '=', jobRunId)
      .where('state', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? 'requested' : 'not-active';
  }

  async cancelRequestedFor(ownerId: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .select('job_run_id')
      .where('owner_id', '=', ownerId)
      .where('state', '=', 'RUNNING')
      .where('cancel_requested', '=', 1)
      .execute();
    return rows.map((r) => Number(r.job_run_id));
  }

  /** RUNNING runs whose owner has not said it is alive since `before`: their runner died. */
  async stale(before: number): Promise<JobRunRecord[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .selectAll()
      .where('state', '=', 'RUNNING')
      .where((eb) => eb.or([eb('heartbeat_time', 'is', null), eb('heartbeat_time', '<', before)]))
      .orderBy('job_run_id')
      .execute();
    return rows.map(toJobRunRecord);
  }

  /** Takes a stale run over; only one process can win, because the old owner and heartbeat must still match. */
  async takeOver(run: Pick<JobRunRecord, 'jobRunId' | 'ownerId' | 'heartbeatTime'>, newOwner: string, now: number): Promise<boolean> {
    let q = this.db
      .updateTable('job_runs')
      .set({ owner_id: newOwner, heartbeat_time: now })
      .where('job_run_id', '=', run.jobRunId)
      .where('state', '=', 'RUNNING');
    q = run.ownerId === null ? q.where('owner_id', 'is', null) : q.where('owner_id', '=', run.ownerId);
    q = run.heartbeatTime === null ? q.where('heartbeat_time', 'is', null) : q.where('heartbeat_time', '=', run.heartbeatTime);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Reopens a finished run for repair: the given task runs go back to PENDING, the rest keep their
   * results. Refused (false) while the run is still queued or running.
   */
  async beginRepair(jobRunId: number, taskKeys: readonly string[], ownerId: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('job_runs')
        .set((eb) => ({
          state: 'RUNNING',
          state_message: null,
          end_time: null,
          owner_id: ownerId,
          heartbeat_time: now,
          cancel_requested: 0,
          repair_count: eb('repair_count', '+', 1),
        }))
        .where('job_run_id', '=', jobRunId)
        .where('state', 'not in', ACTIVE)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      if (taskKeys.length > 0) {
        await tx
          .updateTable('task_runs')
          .set({ state: 'PENDING', state_message: null, start_time: null, end_time: null, next_attempt_time: null, result_json: null })
          .where('job_run_id', '=', jobRunId)
          .where('task_key', 'in', [...taskKeys])
          .execute();
      }
      return true;
    });
  }
}
