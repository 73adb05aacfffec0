import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * SQLite: `latest_metrics.series_id` without AUTOINCREMENT (PostgreSQL keeps its bigserial).
 *
 * Every log-metric and log-batch upserts into latest_metrics, and SQLite rewrites a table's
 * `sqlite_sequence` row after every INSERT into an AUTOINCREMENT table, also one that ends as an
 * update: one page in four of each log-metric commit went to that bookkeeping row. Without it,
 * series_id is the table's rowid and a new series gets the largest id + 1. AUTOINCREMENT's only
 * promise beyond that, never handing out the id of a deleted largest row again, does not matter
 * here: nothing deletes a series, and whatever comes to delete one must delete its
 * metric_points in the same transaction anyway.
 *
 * SQLite cannot drop AUTOINCREMENT in place, so the table is rebuilt with the same columns,
 * constraint and index, keeping every series_id, in one transaction.
 */
export async function up(db: Kysely<any>, caps: DbCaps): Promise<void> {
  if (caps.dialect !== 'sqlite') return;
  // The migrator runs migrations inside its transaction (db/sqlite-dialect.ts); one called
  // outside it still gets one of its own.
  const inTransaction = (fn: (tx: Kysely<any>) => Promise<void>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  await inTransaction(async (tx) => {
    await tx.schema
      .createTable('latest_metrics_rebuilt')
      .addColumn('series_id', 'integer', (c) => c.primaryKey())
      .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
      .addColumn('key', 'varchar(250)', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('latest_metrics_run_key', ['run_uuid', 'key'])
      .execute();
    await sql`insert into latest_metrics_rebuilt (series_id, run_uuid, key, value, timestamp, step, is_nan)
      select series_id, run_uuid, key, value, timestamp, step, is_nan from latest_metrics`.execute(tx);
    await tx.schema.dropTable('latest_metrics').execute();
    await tx.schema.alterTable('latest_metrics_rebuilt').renameTo('latest_metrics').execute();
    await tx.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute();
    await sql`delete from sqlite_sequence where name = 'latest_metrics'`.execute(tx);
  });
}
