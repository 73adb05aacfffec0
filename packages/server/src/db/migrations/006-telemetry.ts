import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Finished trace spans (job runs, task attempts, HTTP requests, spans task processes post to
 * `/v1/traces`). Keyed by (trace id, span id) so a span written twice (a job run's root after a
 * repair) replaces its earlier copy. The job/run columns copy span attributes for the lookups the
 * traces API makes.
 */
export async function up(db: Kysely<any>, _caps: DbCaps): Promise<void> {
  await db.schema
    .createTable('trace_spans')
    .addColumn('trace_id', 'varchar(32)', (c: any) => c.notNull())
    .addColumn('span_id', 'varchar(16)', (c: any) => c.notNull())
    .addColumn('parent_span_id', 'varchar(16)')
    .addColumn('name', 'varchar(1000)', (c: any) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c: any) => c.notNull())
    .addColumn('start_time_us', 'bigint', (c: any) => c.notNull())
    .addColumn('end_time_us', 'bigint', (c: any) => c.notNull())
    .addColumn('status_code', 'varchar(8)', (c: any) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('service_name', 'varchar(256)')
    .addColumn('operation', 'varchar(32)')
    .addColumn('job_run_id', 'bigint')
    .addColumn('job_key', 'varchar(100)')
    .addColumn('task_key', 'varchar(100)')
    .addColumn('mlflow_run_id', 'varchar(64)')
    .addColumn('mlflow_experiment_id', 'varchar(32)')
    .addColumn('attributes_json', 'text', (c: any) => c.notNull())
    .addColumn('events_json', 'text')
    .addPrimaryKeyConstraint('trace_spans_pk', ['trace_id', 'span_id'])
    .execute();
  await db.schema.createIndex('trace_spans_start').on('trace_spans').columns(['start_time_us']).execute();
  await db.schema.createIndex('trace_spans_job_run').on('trace_spans').columns(['job_run_id']).execute();
  await db.schema.createIndex('trace_spans_mlflow_run').on('trace_spans').columns(['mlflow_run_id']).execute();
  await db.schema.createIndex('trace_spans_stage').on('trace_spans').columns(['job_key', 'operation', 'start_time_us']).execute();
}
