import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

// Migrations are written against `Kysely<any>` on purpose: they must keep describing the schema as
// it was when they were written, not as db/schema.ts says today.
/* eslint-disable @typescript-eslint/no-explicit-any */

export async function up(db: Kysely<any>, caps: DbCaps): Promise<void> {
  const pg = caps.dialect === 'postgres';
  const clusteredOnSqlite = pg ? sql`` : sql`without rowid`;

  let experiments = db.schema.createTable('experiments');
  experiments = pg
    ? experiments.addColumn('experiment_id', 'bigserial', (c) => c.primaryKey())
    : experiments.addColumn('experiment_id', 'integer', (c) => c.primaryKey().autoIncrement());
  await experiments
    .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
    .addColumn('artifact_location', 'varchar(1000)')
    .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull().defaultTo('active'))
    .addColumn('creation_time', 'bigint')
    .addColumn('last_update_time', 'bigint')
    .execute();

  await db.schema
    .createTable('experiment_tags')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'varchar(5000)')
    .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(250)')
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
    .addColumn('user_id', 'varchar(256)')
    .addColumn('status', 'varchar(9)', (c) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('deleted_time', 'bigint')
    .addColumn('source_type', 'varchar(20)')
    .addColumn('source_name', 'varchar(500)')
    .addColumn('entry_point_name', 'varchar(50)')
    .addColumn('source_version', 'varchar(50)')
    .addColumn('lifecycle_stage', 'varchar(20)', (c) => c.notNull().defaultTo('active'))
    .addColumn('artifact_uri', 'varchar(1000)')
    .execute();
  // search-runs always filters by experiment and lifecycle and orders by start_time by default.
  await db.schema
    .createIndex('runs_experiment_lifecycle_start')
    .on('runs')
    .columns(['experiment_id', 'lifecycle_stage', 'start_time'])
    .execute();

  let latest = db.schema.createTable('latest_metrics');
  latest = pg
    ? latest.addColumn('series_id', 'bigserial', (c) => c.primaryKey())
    : latest.addColumn('series_id', 'integer', (c) => c.primaryKey().autoIncrement());
  await latest
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('latest_metrics_run_key', ['run_uuid', 'key'])
    .execute();
  // `metrics.m > x ORDER BY metrics.m` over an experiment probes by key then value.
  await db.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute();

  // Clustered by series then step (WITHOUT ROWID on SQLite, PK index on PostgreSQL): a history
  // read is one range scan however many other series the table holds. MLflow de-duplicates
  // identical points, which the primary key gives us for free (insert … on conflict do nothing).
  await db.schema
    .createTable('metric_points')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_points_pk', ['series_id', 'step', 'timestamp', 'is_nan', 'value'])
    .modifyEnd(clusteredOnSqlite)
    .execute();

  await db.schema
    .createTable('params')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'varchar(8000)', (c) => c.notNull())
    .addPrimaryKeyConstraint('params_pk', ['run_uuid', 'key'])
    .modifyEnd(clusteredOnSqlite)
    .execute();
  await db.schema.createIndex('params_key_value').on('params').columns(['key', 'value']).execute();

  await db.schema
    .createTable('tags')
    .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'varchar(8000)')
    .addPrimaryKeyConstraint('tags_pk', ['run_uuid', 'key'])
    .modifyEnd(clusteredOnSqlite)
    .execute();
  await db.schema.createIndex('tags_key_value').on('tags').columns(['key', 'value']).execute();

  await db.schema
    .createTable('datasets')
    .addColumn('dataset_uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('digest', 'varchar(36)', (c) => c.notNull())
    .addColumn('dataset_source_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('dataset_source', 'text', (c) => c.notNull())
    .addColumn('dataset_schema', 'text')
    .addColumn('dataset_profile', 'text')
    .addUniqueConstraint('datasets_experiment_name_digest', ['experiment_id', 'name', 'digest'])
    .execute();

  await db.schema
    .createTable('inputs')
    .addColumn('input_uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('source_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('source_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('destination_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('destination_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('inputs_edge', ['source_type', 'source_id', 'destination_type', 'destination_id'])
    .execute();
  await db.schema
    .createIndex('inputs_destination')
    .on('inputs')
    .columns(['destination_type', 'destination_id', 'source_type'])
    .execute();

  await db.schema
    .createTable('input_tags')
    .addColumn('input_uuid', 'varchar(36)', (c) => c.notNull().references('inputs.input_uuid').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(500)', (c) => c.notNull())
    .addPrimaryKeyConstraint('input_tags_pk', ['input_uuid', 'name'])
    .execute();

  await db.schema
    .createTable('logged_models')
    .addColumn('model_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('artifact_location', 'varchar(1000)', (c) => c.notNull())
    .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(40)', (c) => c.notNull())
    .addColumn('status_message', 'varchar(1000)')
    .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull().defaultTo('active'))
    .addColumn('model_type', 'varchar(500)')
    .addColumn('source_run_id', 'varchar(32)')
    .execute();
  await db.schema
    .createIndex('logged_models_experiment_created')
    .on('logged_models')
    .columns(['experiment_id', 'creation_timestamp_ms'])
    .execute();

  await db.schema
    .createTable('logged_model_tags')
    .addColumn('model_id', 'varchar(36)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
    .addColumn('tag_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('tag_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('logged_model_tags_pk', ['model_id', 'tag_key'])
    .execute();

  await db.schema
    .createTable('logged_model_params')
    .addColumn('model_id', 'varchar(36)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
    .addColumn('param_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('param_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('logged_model_params_pk', ['model_id', 'param_key'])
    .execute();

  await db.schema
    .createTable('logged_model_metrics')
    .addColumn('model_id', 'varchar(36)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
    .addColumn('metric_name', 'varchar(500)', (c) => c.notNull())
    .addColumn('metric_timestamp_ms', 'bigint', (c) => c.notNull())
    .addColumn('metric_step', 'bigint', (c) => c.notNull())
    .addColumn('metric_value', 'double precision', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('experiment_id', 'bigint', (c) => c.notNull())
    .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('dataset_uuid', 'varchar(36)')
    .addColumn('dataset_name', 'varchar(500)')
    .addColumn('dataset_digest', 'varchar(36)')
    .addPrimaryKeyConstraint('logged_model_metrics_pk', [
      'model_id',
      'metric_name',
      'metric_timestamp_ms',
      'metric_step',
      'run_id',
    ])
    .execute();
}
