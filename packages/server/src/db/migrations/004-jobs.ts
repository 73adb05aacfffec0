import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Pipelines: deployed jobs, their runs, task runs and every attempt of a task. */
export async function up(db: Kysely<any>, caps: DbCaps): Promise<void> {
  const pg = caps.dialect === 'postgres';
  const serial = (t: any, name: string) =>
    pg ? t.addColumn(name, 'bigserial', (c: any) => c.primaryKey()) : t.addColumn(name, 'integer', (c: any) => c.primaryKey().autoIncrement());

  await serial(db.schema.createTable('jobs'), 'job_id')
    .addColumn('project_name', 'varchar(256)', (c: any) => c.notNull())
    .addColumn('job_key', 'varchar(100)', (c: any) => c.notNull())
    .addColumn('target', 'varchar(100)', (c: any) => c.notNull().defaultTo(''))
    .addColumn('name', 'varchar(500)', (c: any) => c.notNull())
    .addColumn('project_dir', 'varchar(4000)', (c: any) => c.notNull())
    .addColumn('definition_json', 'text', (c: any) => c.notNull())
    .addColumn('schedule_cursor_time', 'bigint')
    .addColumn('created_time', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_time', 'bigint', (c: any) => c.notNull())
    .addUniqueConstraint('jobs_project_key_target', ['project_name', 'job_key', 'target'])
    .execute();

  await serial(db.schema.createTable('job_runs'), 'job_run_id')
    .addColumn('job_id', 'bigint', (c: any) => c.notNull().references('jobs.job_id').onDelete('cascade'))
    .addColumn('state', 'varchar(32)', (c: any) => c.notNull())
    .addColumn('state_message', 'text')
    .addColumn('trigger', 'varchar(16)', (c: any) => c.notNull())
    .addColumn('actor', 'varchar(256)')
    .addColumn('parameters_json', 'text', (c: any) => c.notNull())
    .addColumn('definition_json', 'text', (c: any) => c.notNull())
    .addColumn('mlflow_experiment_id', 'varchar(32)')
    .addColumn('mlflow_run_id', 'varchar(32)')
    .addColumn('scheduled_time', 'bigint')
    .addColumn('queued_time', 'bigint', (c: any) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('repair_count', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('owner_id', 'varchar(64)')
    .addColumn('heartbeat_time', 'bigint')
    .addColumn('cancel_requested', 'integer', (c: any) => c.notNull().defaultTo(0))
    // NULLs are distinct in both dialects: manual runs never collide; one run per schedule fire.
    .addUniqueConstraint('job_runs_job_scheduled_time', ['job_id', 'scheduled_time'])
    .execute();
  await db.schema.createIndex('job_runs_job_id').on('job_runs').columns(['job_id', 'job_run_id']).execute();
  await db.schema.createIndex('job_runs_state').on('job_runs').columns(['state', 'heartbeat_time']).execute();

  await db.schema
    .createTable('task_runs')
    .addColumn('job_run_id', 'bigint', (c: any) => c.notNull().references('job_runs.job_run_id').onDelete('cascade'))
    .addColumn('task_key', 'varchar(100)', (c: any) => c.notNull())
    .addColumn('state', 'varchar(32)', (c: any) => c.notNull())
    .addColumn('state_message', 'text')
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('attempt_count', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_time', 'bigint')
    .addColumn('result_json', 'text')
    .addPrimaryKeyConstraint('task_runs_pk', ['job_run_id', 'task_key'])
    .execute();

  await serial(db.schema.createTable('task_attempts'), 'attempt_id')
    .addColumn('job_run_id', 'bigint', (c: any) => c.notNull())
    .addColumn('task_key', 'varchar(100)', (c: any) => c.notNull())
    .addColumn('attempt_number', 'integer', (c: any) => c.notNull())
    .addColumn('state', 'varchar(16)', (c: any) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c: any) => c.notNull())
    .addColumn('state_message', 'text')
    .addColumn('executor', 'varchar(32)', (c: any) => c.notNull())
    .addColumn('executor_ref', 'varchar(256)')
    .addColumn('queued_time', 'bigint', (c: any) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('exit_code', 'integer')
    .addColumn('signal', 'varchar(16)')
    .addColumn('stdout_path', 'varchar(4000)')
    .addColumn('stderr_path', 'varchar(4000)')
    .addForeignKeyConstraint('task_attempts_task_run', ['job_run_id', 'task_key'], 'task_runs', ['job_run_id', 'task_key'], (c: any) => c.onDelete('cascade'))
    // The attempt number is the idempotency key of a submission: two runners cannot both create attempt n.
    .addUniqueConstraint('task_attempts_number', ['job_run_id', 'task_key', 'attempt_number'])
    .execute();
  await db.schema.createIndex('task_attempts_state').on('task_attempts').columns(['state']).execute();
}
