import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Serving endpoints managed by the server: name → configuration (served models, traffic split). */
export async function up(db: Kysely<any>, _caps: DbCaps): Promise<void> {
  await db.schema
    .createTable('serving_endpoints')
    .addColumn('name', 'varchar(256)', (c: any) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('config_json', 'text', (c: any) => c.notNull())
    .addColumn('creation_time', 'bigint', (c: any) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c: any) => c.notNull())
    .execute();
}
