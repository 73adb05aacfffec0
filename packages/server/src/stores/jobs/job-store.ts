import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { JobDefinition, JobRecord } from '../../domain/pipelines/job-records.js';
import { toJobRecord } from './job-row-mappers.js';

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
