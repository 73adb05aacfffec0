import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DbCaps } from './connect.js';
import type { Database } from './schema.js';
import * as m001 from './migrations/001-tracking.js';
import * as m002 from './migrations/002-default-experiment.js';
import * as m003 from './migrations/003-registry.js';
import * as m004 from './migrations/004-jobs.js';
import * as m005 from './migrations/005-serving.js';
import * as m006 from './migrations/006-telemetry.js';
import * as m007 from './migrations/007-latest-metrics-rowid.js';

type Step = { up(db: Kysely<any>, caps: DbCaps): Promise<void> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every migration, in order. Names are stored in the database: never rename one. */
const STEPS: ReadonlyArray<[string, Step]> = [
  ['001-tracking', m001],
  ['002-default-experiment', m002],
  ['003-registry', m003],
  ['004-jobs', m004],
  ['005-serving', m005],
  ['006-telemetry', m006],
  ['007-latest-metrics-rowid', m007],
];

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly caps: DbCaps) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, step] of STEPS) out[name] = { up: (db) => step.up(db, this.caps) };
    return out;
  }
}

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies every pending migration, all in one transaction (so a process starting on a store
 * another one is migrating waits for it, then finds nothing left to do); throws naming the one
 * that failed.
 */
export function migrateToLatest(db: Kysely<Database>, caps: DbCaps): Promise<MigrationReport> {
  return migrateTo(db, caps, STEPS[STEPS.length - 1]![0]);
}

/** Applies the pending migrations up to and including `last` (a name from the list above). */
export async function migrateTo(db: Kysely<Database>, caps: DbCaps, last: string): Promise<MigrationReport> {
  if (!STEPS.some(([name]) => name === last)) throw new Error(`no database migration is named '${last}'`);
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(caps),
    migrationTableName: 'modelyard_migrations',
    migrationLockTableName: 'modelyard_migrations_lock',
  });
  const { error, results } = await migrator.migrateTo(last);
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${why}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
