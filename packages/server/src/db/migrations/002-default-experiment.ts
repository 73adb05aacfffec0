import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DbCaps } from '../connect.js';

/**
 * MLflow always has an experiment named `Default` with id 0. Its artifact location is filled in by
 * the tracking service on start (it depends on server config, not on the schema).
 */
export async function up(db: Kysely<any>, caps: DbCaps): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const now = Date.now();
  await db
    .insertInto('experiments')
    .values({
      experiment_id: 0,
      name: 'Default',
      artifact_location: null,
      lifecycle_stage: 'active',
      creation_time: now,
      last_update_time: now,
    })
    .execute();
  if (caps.dialect === 'postgres') {
    // An explicit id does not advance the bigserial sequence; make the next one 1.
    await sql`select setval(pg_get_serial_sequence('experiments', 'experiment_id'), 1, false)`.execute(db);
  }
}
