import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

// Written against `Kysely<any>` on purpose: a migration describes the schema as it was when it
// was written, not as db/schema-registry.ts says today.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The model registry. Model names are the keys (as in MLflow): a rename updates
 * `registered_models.name` and ON UPDATE CASCADE carries it to versions, tags and aliases in the
 * same statement, on both dialects. Free-text columns are `text` so PostgreSQL never rejects a
 * value with a driver error; the services enforce MLflow's length limits with proper messages.
 */
export async function up(db: Kysely<any>, caps: DbCaps): Promise<void> {
  const pg = caps.dialect === 'postgres';

  await db.schema
    .createTable('registered_models')
    .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
  // search-registered-models orders by last update (MLflow's `timestamp`) with name as tie-break.
  await db.schema.createIndex('registered_models_updated').on('registered_models').columns(['last_updated_time', 'name']).execute();

  await db.schema
    .createTable('registered_model_tags')
    .addColumn('name', 'varchar(256)', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
    .execute();
  await db.schema.createIndex('registered_model_tags_key_value').on('registered_model_tags').columns(['key', 'value']).execute();

  await db.schema
    .createTable('model_versions')
    .addColumn('name', 'varchar(256)', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', 'varchar(256)')
    .addColumn('current_stage', 'varchar(20)', (c) => c.notNull().defaultTo('None'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('storage_location', 'text')
    .addColumn('run_id', 'varchar(256)')
    .addColumn('run_link', 'text')
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('model_id', 'varchar(256)')
    .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
    .execute();
  // get-latest-versions and `models:/name/<Stage>`: newest version of a model in a stage.
  await db.schema.createIndex('model_versions_stage').on('model_versions').columns(['name', 'current_stage', 'version']).execute();
  // search-model-versions `run_id = …` / `run_id IN (…)`, and its default order.
  await db.schema.createIndex('model_versions_run').on('model_versions').columns(['run_id']).execute();
  await db.schema.createIndex('model_versions_updated').on('model_versions').columns(['last_updated_time']).execute();

  await db.schema
    .createTable('model_version_tags')
    .addColumn('name', 'varchar(256)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('key', 'varchar(250)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
    .addForeignKeyConstraint('model_version_tags_version_fk', ['name', 'version'], 'model_versions', ['name', 'version'], (fk) =>
      fk.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();
  await db.schema.createIndex('model_version_tags_key_value').on('model_version_tags').columns(['key', 'value']).execute();

  await db.schema
    .createTable('registered_model_aliases')
    .addColumn('name', 'varchar(256)', (c) =>
      c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
    )
    .addColumn('alias', 'varchar(256)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
    .execute();

  // The audit trail outlives the model it describes (no foreign key): who deleted a model is
  // part of its history.
  let events = db.schema.createTable('registry_events');
  events = pg
    ? events.addColumn('event_id', 'bigserial', (c) => c.primaryKey())
    : events.addColumn('event_id', 'integer', (c) => c.primaryKey().autoIncrement());
  await events
    .addColumn('name', 'varchar(256)', (c) => c.notNull())
    .addColumn('version', 'integer')
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('alias', 'varchar(256)')
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('actor', 'varchar(256)', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('registry_events_name').on('registry_events').columns(['name', 'event_id']).execute();

  let requests = db.schema.createTable('transition_requests');
  requests = pg
    ? requests.addColumn('request_id', 'bigserial', (c) => c.primaryKey())
    : requests.addColumn('request_id', 'integer', (c) => c.primaryKey().autoIncrement());
  await requests
    .addColumn('name', 'varchar(256)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('to_stage', 'varchar(20)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('requested_by', 'varchar(256)', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('resolved_by', 'varchar(256)')
    .addColumn('resolved_comment', 'text')
    .addColumn('resolved_time', 'bigint')
    .addForeignKeyConstraint('transition_requests_version_fk', ['name', 'version'], 'model_versions', ['name', 'version'], (fk) =>
      fk.onDelete('cascade').onUpdate('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('transition_requests_version')
    .on('transition_requests')
    .columns(['name', 'version', 'status'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('webhook_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(256)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    // 'mlflow' (MLflow OSS webhooks: {entity, action, timestamp, data}, X-MLflow-* signature) or
    // 'databricks' (registry-webhooks: Databricks payload and X-Databricks-Signature).
    .addColumn('api', 'varchar(20)', (c) => c.notNull().defaultTo('mlflow'))
    // Databricks webhooks may listen to one model only; NULL listens registry-wide.
    .addColumn('model_name', 'varchar(256)')
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('webhook_id', 'varchar(36)', (c) => c.notNull().references('webhooks.webhook_id').onDelete('cascade'))
    .addColumn('entity', 'varchar(40)', (c) => c.notNull())
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_events_pk', ['webhook_id', 'entity', 'action'])
    .execute();
  // Fan-out on every registry write: which webhooks listen to (entity, action)?
  await db.schema.createIndex('webhook_events_event').on('webhook_events').columns(['entity', 'action']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('delivery_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('webhook_id', 'varchar(36)', (c) => c.notNull().references('webhooks.webhook_id').onDelete('cascade'))
    .addColumn('entity', 'varchar(40)', (c) => c.notNull())
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_time', 'bigint', (c) => c.notNull())
    .addColumn('last_attempt_time', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  // The dispatcher's poll: due pending deliveries, oldest first.
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_time'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_webhook')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'creation_time'])
    .execute();
}
