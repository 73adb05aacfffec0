import type { Kysely } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/driver-errors.js';
import type { Database } from '../../db/schema.js';
import type { AttemptRecord } from '../../domain/pipelines/job-records.js';
import type { AttemptOutcomeState, AttemptTrigger } from '../../domain/pipelines/run-states.js';
import { toAttemptRecord } from './job-row-mappers.js';

export interface NewAttempt {
  jobRunId: number;
  taskKey: string;
  attemptNumber: number;
  trigger: AttemptTrigger;
  executor: string;
  stdoutPath: string | null;
  stderrPath: string | null;
  now: number;
}

export interface AttemptOutcomeRow {
  state: AttemptOutcomeState;
  message: string | null;
  exitCode: number | null;
  signal: string | null;
  endTime: number;
}

/** Task attempts. Attempt numbers are unique per task run, which makes creating one idempotent across processes. */
export class AttemptStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly caps: DbCaps,
  ) {}

  /**
   * Records a QUEUED attempt and marks its task run RUNNING in one transaction. Undefined when
   * attempt n already exists (another runner submitted it first).
   */
  async create(a: NewAttempt): Promise<AttemptRecord | undefined> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('task_attempts')
          .values({
            job_run_id: a.jobRunId,
            task_key: a.taskKey,
            attempt_number: a.attemptNumber,
            state: 'QUEUED',
            trigger: a.trigger,
            state_message: null,
            executor: a.executor,
            executor_ref: null,
            queued_time: a.now,
            start_time: null,
            end_time: null,
            exit_code: null,
            signal: null,
            stdout_path: a.stdoutPath,
            stderr_path: a.stderrPath,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx
          .updateTable('task_runs')
          .set((eb) => ({
            state: 'RUNNING',
            state_message: null,
            attempt_count: a.attemptNumber,
            next_attempt_time: null,
            end_time: null,
            start_time: eb.fn.coalesce('start_time', eb.val(a.now)),
          }))
          .where('job_run_id', '=', a.jobRunId)
          .where('task_key', '=', a.taskKey)
          .execute();
        return toAttemptRecord(row);
      });
    } catch (e) {
      if (isUniqueViolation(e)) return undefined;
      throw e;
    }
  }

  async markStarted(attemptId: number, executorRef: string, startTime: number): Promise<void> {
    await this.db
      .updateTable('task_attempts')
      .set({ state: 'RUNNING', executor_ref: executorRef, start_time: startTime })
      .where('attempt_id', '=', attemptId)
      .where('state', '=', 'QUEUED')
      .execute();
  }

  /** Ends an attempt that is still QUEUED or RUNNING; false if something else already ended it. */
  async finish(attemptId: number, o: AttemptOutcomeRow): Promise<boolean> {
    const r = await this.db
      .updateTable('task_attempts')
      .set({ state: o.state, state_message: o.message, exit_code: o.exitCode, signal: o.signal, end_time: o.endTime })
      .where('attempt_id', '=', attemptId)
      .where('state', 'in', ['QUEUED', 'RUNNING'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(attemptId: number): Promise<AttemptRecord | undefined> {
    const row = await this.db.selectFrom('task_attempts').selectAll().where('attempt_id', '=', attemptId).executeTakeFirst();
    return row ? toAttemptRecord(row) : undefined;
  }

  /** Attempts of a job run (of one task if given), in order. */
  async list(jobRunId: number, taskKey?: string): Promise<AttemptRecord[]> {
    let q = this.db.selectFrom('task_attempts').selectAll().where('job_run_id', '=', jobRunId);
    if (taskKey !== undefined) q = q.where('task_key', '=', taskKey);
    const rows = await q.orderBy('task_key').orderBy('attempt_number').execute();
    return rows.map(toAttemptRecord);
  }

  async unfinished(jobRunId: number): Promise<AttemptRecord[]> {
    const rows = await this.db
      .selectFrom('task_attempts')
      .selectAll()
      .where('job_run_id', '=', jobRunId)
      .where('state', 'in', ['QUEUED', 'RUNNING'])
      .orderBy('attempt_id')
      .execute();
    return rows.map(toAttemptRecord);
  }
}
