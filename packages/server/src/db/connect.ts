import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import { PostgresStoreDialect } from './postgres-dialect.js';
import type { Database } from './schema.js';
import { StatementCache, withStatementCache } from './sqlite-statement-cache.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { SqliteStoreDialect } from './sqlite-dialect.js';
import { SqliteSync } from './sqlite-sync.js';
import type { StoreLocation } from './store-uri.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * What differs between the dialects, known to the stores so they can pick the SQL that fits. On
 * SQLite, also the connection for synchronous use (db/sql-program.ts runs the hot paths on it).
 */
export type DbCaps = { dialect: 'sqlite'; sqlite: SqliteSync } | { dialect: 'postgres' };

export interface Db {
  db: Kysely<Database>;
  caps: DbCaps;
  close(): Promise<void>;
}

const PG_INT8_OID = 20;
const PG_NUMERIC_OID = 1700;

export interface ConnectOptions {
  /**
   * A SQLite file's WAL is checkpointed by a worker thread instead of by the commits that fill it
   * (db/sqlite-checkpointer.ts): for a long-running server. Ignored for PostgreSQL and `:memory:`.
   */
  checkpointInBackground?: boolean;
  /**
   * PostgreSQL cancels any statement of this store running longer than this many milliseconds
   * (db/postgres-dialect.ts); 0 or unset: no limit. SQLite has no equivalent: better-sqlite3
   * offers neither sqlite3_interrupt nor a progress handler (WiseLibs/better-sqlite3 #568, #707),
   * and its statements run on the event loop's thread, so nothing could interrupt one anyway.
   * There the bounds on what one request may ask for (domain/search/search-limits.ts) are
   * the protection.
   */
  statementTimeoutMs?: number;
}

/**
 * Opens the store the location names. Nothing is migrated here: callers run `migrateToLatest`.
 */
export function connect(location: StoreLocation, opts: ConnectOptions = {}): Db {
  if (location.dialect === 'sqlite') {
    if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true });
    const sqlite = new SqliteDatabase(location.path);
    // First: another process (a second server, a CLI command) may hold the file's lock, even
    // while this one switches it to WAL. Write transactions wait on it (db/sqlite-dialect.ts);
    // one still waiting after 10 s answers 503.
    sqlite.pragma('busy_timeout = 10000');
    // WAL + synchronous=NORMAL: a commit survives a killed process (the WAL is in the OS page
    // cache); only an OS crash can lose the last commits. fsync per commit would cap us at a few
    // hundred writes/s on this disk.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('cache_size = -65536');
    const statements = new StatementCache(sqlite);
    const db = new Kysely<Database>({ dialect: new SqliteStoreDialect({ database: withStatementCache(sqlite, statements) }, sqlite) });
    const checkpointer = opts.checkpointInBackground && location.path !== ':memory:' ? SqliteCheckpointer.start(sqlite, location.path) : undefined;
    return {
      db,
      caps: { dialect: 'sqlite', sqlite: new SqliteSync(sqlite, statements) },
      // The worker's connection closes first, so the server's is the last one and SQLite folds
      // the WAL into the database file as it closes.
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
        // Kysely opens its driver lazily and closes only what it opened: a connection used
        // only through SqliteSync would stay open.
        if (sqlite.open) sqlite.close();
      },
    };
  }
  // Loaded only for a PostgreSQL store (a SQLite server never needs the driver), synchronously so
  // connect() stays synchronous: pg is CommonJS, and its ESM entry re-exports this same module.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: location.url,
    max: location.poolSize,
    // int8 and numeric come back as strings by default; every int8 here is an epoch-ms time, a
    // step or an id, all well inside 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === PG_INT8_OID || oid === PG_NUMERIC_OID) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection can be cut by the server (restart, failover, admin command). pg
  // then emits 'error' on the pool; unhandled, that would crash the process. The pool has already
  // dropped the broken client and opens a fresh one on next use, so there is nothing to do here.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresStoreDialect({ pool }, opts.statementTimeoutMs ?? 0) });
  return {
    db,
    caps: { dialect: 'postgres' },
    close: () => db.destroy(),
  };
}
