import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/driver-errors.js';
import type { Database } from '../../db/schema.js';
import type { JobDefinition, JobRecord } from '../../domain/pipelines/job-records.js';
import { API_PROJECT_NAME, ONE_TIME_KEY_PREFIX } from '../../domain/pipelines/jobs-api-ids.js';
import { toJobRecord } from './job-row-mappers.js';

export interface JobPageQuery {
  /** Newest first; only jobs with a smaller id (the previous page's last). */
  beforeId?: number;
  offset?: number;
  limit: number;
  /** Exact name, compared case-insensitively (Databricks' `name` filter). */
  name?: string;
}

/** Deployed jobs: one row per (project, job key, target), replaced on every deploy. */
export class JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly caps: DbCaps,
  ) {}

  /** Inserts or replaces the job's definition; keeps its id (and so its run history) across deploys. */
  async upsert(definition: JobDefinition, now: number): Promise<JobRecord> {
    const row = await this.db
      .insertInto('jobs')
      .values({
        project_name: definition.projectName,
        job_key: definition.job.key,
        target: definition.target ?? '',
        name: definition.job.name,
        project_dir: definition.projectDir,
        definition_json: JSON.stringify(definition),
        schedule_cursor_time: null,
        created_time: now,
        updated_time: now,
      })
      .onConflict((oc) =>
        oc.columns(['project_name', 'job_key', 'target']).doUpdateSet({
          name: definition.job.name,
          project_dir: definition.projectDir,
          definition_json: JSON.stringify(definition),
          updated_time: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toJobRecord(row);
  }

  async get(jobId: number): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    return row ? toJobRecord(row) : undefined;
  }

  /** Jobs with this key, newest deploy first (the same key may exist in several projects or targets). */
  async findByKey(jobKey: string, filter: { projectName?: string; target?: string } = {}): Promise<JobRecord[]> {
    let q = this.db.selectFrom('jobs').selectAll().where('job_key', '=', jobKey);
    if (filter.projectName !== undefined) q = q.where('project_name', '=', filter.projectName);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    const rows = await q.orderBy('updated_time', 'desc').execute();
    return rows.map(toJobRecord);
  }

  async list(): Promise<JobRecord[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().orderBy('project_name').orderBy('job_key').orderBy('target').execute();
    return rows.map(toJobRecord);
  }

  /**
   * Inserts a Jobs API job, whose key and definition depend on the id it gets (its key is its id,
   * its folder is named after it). `key` is final when given (a one-time run's idempotency key): a
   * second insert with it finds the unique key taken and answers undefined ("already there").
   */
  async insertApiJob(build: (jobId: number) => JobDefinition, now: number, key?: string): Promise<JobRecord | undefined> {
    try {
      return await this.insertWithId(build, now, key);
    } catch (e) {
      if (key !== undefined && isUniqueViolation(e)) return undefined;
      throw e;
    }
  }

  private insertWithId(build: (jobId: number) => JobDefinition, now: number, key: string | undefined): Promise<JobRecord> {
    return this.db.transaction().execute(async (tx) => {
      const { job_id } = await tx
        .insertInto('jobs')
        .values({
          project_name: API_PROJECT_NAME,
          job_key: key ?? `pending-${crypto.randomUUID()}`,
          target: '',
          name: '',
          project_dir: '',
          definition_json: '{}',
          schedule_cursor_time: null,
          created_time: now,
          updated_time: now,
        })
        .returning('job_id')
        .executeTakeFirstOrThrow();
      const definition = build(Number(job_id));
      const row = await tx
        .updateTable('jobs')
        .set({ job_key: definition.job.key, name: definition.job.name, project_dir: definition.projectDir, definition_json: JSON.stringify(definition) })
        .where('job_id', '=', job_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toJobRecord(row);
    });
  }

  /** Replaces a job's definition (jobs/reset, jobs/update); its runs keep the snapshots they started with. */
  async replaceDefinition(jobId: number, definition: JobDefinition, now: number): Promise<JobRecord | undefined> {
    const row = await this.db
      .updateTable('jobs')
      .set({ name: definition.job.name, project_dir: definition.projectDir, definition_json: JSON.stringify(definition), updated_time: now })
      .where('job_id', '=', jobId)
      .returningAll()
      .executeTakeFirst();
    return row ? toJobRecord(row) : undefined;
  }

  /** Deletes a job with its runs, task runs and attempts (foreign keys cascade). */
  async delete(jobId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('jobs').where('job_id', '=', jobId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** A page of jobs, newest first, without the hidden jobs of one-time runs. */
  async page(q: JobPageQuery): Promise<JobRecord[]> {
    let query = this.db
      .selectFrom('jobs')
      .selectAll()
      .where((eb) => eb.not(eb.and([eb('project_name', '=', API_PROJECT_NAME), eb('job_key', 'like', `${ONE_TIME_KEY_PREFIX}%`)])));
    if (q.beforeId !== undefined) query = query.where('job_id', '<', q.beforeId);
    if (q.name !== undefined) query = query.where(sql<string>`lower(name)`, '=', q.name.toLowerCase());
    query = query.orderBy('job_id', 'desc').limit(q.limit);
    if (q.offset) query = query.offset(q.offset);
    return (await query.execute()).map(toJobRecord);
  }

  /**
   * Moves the scheduler's cursor forward only (a slower scheduler process cannot move it back).
   * Returns false when another process has already moved it at least this far.
   */
  async advanceScheduleCursor(jobId: number, to: number): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ schedule_cursor_time: to })
      .where('job_id', '=', jobId)
      .where((eb) => eb.or([eb('schedule_cursor_time', 'is', null), eb('schedule_cursor_time', '<', to)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
