import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { connect } from '../../src/db/connect.js';
import type { DbCaps, Dialect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { parseStoreUri } from '../../src/db/store-uri.js';
import { createTestDatabase, POSTGRES_PROVIDE_KEY } from './postgres.js';

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** An empty store location: a new SQLite file in a temp folder, or a new PostgreSQL database. */
export interface TestStoreLocation {
  dialect: Dialect;
  /** Backend store URI as a user would pass it (`sqlite:////tmp/…/modelyard.db`, `postgresql://…`). */
  uri: string;
  /** Deletes the file / drops the database. Close every connection to it first. */
  dispose(): Promise<void>;
}

/** Why PostgreSQL suites are skipped in this run, or undefined when they run. */
export function postgresUnavailableReason(): string | undefined {
  const pg = inject(POSTGRES_PROVIDE_KEY);
  if (!pg) return 'the vitest global setup (test/helpers/global-setup.ts) did not run';
  return 'unavailable' in pg ? pg.unavailable : undefined;
}

export async function createTestStoreLocation(dialect: Dialect, label = 'test'): Promise<TestStoreLocation> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'modelyard-sqlite-'));
    return {
      dialect,
      uri: `sqlite:///${join(dir, 'modelyard.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg = inject(POSTGRES_PROVIDE_KEY);
  if (!pg || 'unavailable' in pg) {
    throw new Error(`PostgreSQL is not available in this test run: ${postgresUnavailableReason() ?? ''}`);
  }
  const database = await createTestDatabase(pg.adminUrl, label);
  return { dialect, uri: database.uri, dispose: database.drop };
}

/** A fresh store, migrated to the latest schema. */
export interface TestStore {
  dialect: Dialect;
  uri: string;
  db: Kysely<Database>;
  caps: DbCaps;
  close(): Promise<void>;
}

export async function openTestStore(dialect: Dialect, label = 'test'): Promise<TestStore> {
  const location = await createTestStoreLocation(dialect, label);
  const conn = connect(parseStoreUri(location.uri));
  try {
    await migrateToLatest(conn.db, conn.caps);
  } catch (e) {
    await conn.close();
    await location.dispose();
    throw e;
  }
  let closed = false;
  return {
    dialect,
    uri: location.uri,
    db: conn.db,
    caps: conn.caps,
    async close() {
      if (closed) return;
      closed = true;
      await conn.close();
      await location.dispose();
    },
  };
}

/** What a dialect suite sees; the getters are valid inside tests and hooks, not at collection time. */
export interface DialectContext {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  readonly caps: DbCaps;
  readonly uri: string;
}

/**
 * Runs `body` once per dialect, as `name [sqlite]` and `name [postgres]`, each on its own fresh
 * migrated store shared by the tests of that suite. When PostgreSQL is unavailable (only possible
 * outside CI) the postgres variant is registered as skipped, with the reason in its name.
 */
export function describeEachDialect(name: string, body: (ctx: DialectContext) => void): void {
  for (const dialect of DIALECTS) {
    const skipWhy = dialect === 'postgres' ? postgresUnavailableReason() : undefined;
    if (skipWhy) {
      describe.skip(`${name} [${dialect}] (skipped: ${skipWhy})`, () => body(unusableContext(dialect)));
      continue;
    }
    describe(`${name} [${dialect}]`, () => {
      let store: TestStore | undefined;
      const current = (): TestStore => {
        if (!store) throw new Error('the dialect store is only available inside tests and hooks');
        return store;
      };
      beforeAll(async () => {
        store = await openTestStore(dialect, name);
      });
      afterAll(async () => {
        await store?.close();
        store = undefined;
      });
      body({
        dialect,
        get db() {
          return current().db;
        },
        get caps() {
          return current().caps;
        },
        get uri() {
          return current().uri;
        },
      });
    });
  }
}

function unusableContext(dialect: Dialect): DialectContext {
  const fail = (): never => {
    throw new Error(`the ${dialect} suite is skipped`);
  };
  return {
    dialect,
    get db() {
      return fail();
    },
    get caps() {
      return fail();
    },
    get uri() {
      return fail();
    },
  };
}
