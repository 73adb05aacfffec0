import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { unavailableIfBusy } from './driver-errors.js';
import type { Database } from './schema.js';
import { BEGIN_READ_SQL, BEGIN_WRITE_SQL } from './sqlite-dialect.js';
import type { StatementCache } from './sqlite-statement-cache.js';

/**
 * The SQLite connection Kysely drives, used directly and synchronously by the hot paths
 * (db/sql-program.ts): better-sqlite3 is synchronous, and Kysely's per-query async machinery
 * (connection mutex, transaction objects, several promise hops per statement) cost more than the
 * statements of a log-metric call themselves.
 *
 * Sharing the one connection with Kysely is safe because synchronous work cannot interleave with
 * anything: it runs start to end within one turn of the event loop. The one state that spans
 * turns is a Kysely transaction awaiting between its statements (the connection is then inside
 * BEGIN); work that finds one open waits for Kysely's connection, which Kysely holds for the
 * whole of a transaction, and runs once it is released.
 */
export class SqliteSync {
  private readonly beginWrite: BetterSqlite3.Statement;
  private readonly beginRead: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  private readonly rollback: BetterSqlite3.Statement;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly statements: StatementCache,
  ) {
    // The same BEGINs as Kysely's transactions (db/sqlite-dialect.ts): IMMEDIATE for writes, so
    // they wait for another process's write lock rather than fail; deferred for reads.
    this.beginWrite = raw.prepare(BEGIN_WRITE_SQL);
    this.beginRead = raw.prepare(BEGIN_READ_SQL);
    this.commit = raw.prepare('commit');
    this.rollback = raw.prepare('rollback');
  }

  /** Runs one statement: its rows, or none for a statement that returns no data. */
  execute(sql: string, params: readonly unknown[]): unknown[] {
    const stmt = this.statements.prepare(sql);
    if (stmt.reader) return stmt.all(params);
    stmt.run(params);
    return [];
  }

  /**
   * Runs `work` (synchronous: it must not return a promise) with the connection to itself: at
   * once when no Kysely transaction is open on it, else as soon as Kysely releases it. A lock
   * another process held past the busy timeout rejects it with TemporarilyUnavailableError.
   */
  exclusive<T>(kysely: Kysely<Database>, work: () => T): Promise<T> {
    if (!this.raw.inTransaction) {
      try {
        return Promise.resolve(work());
      } catch (e) {
        return Promise.reject(unavailableIfBusy(e));
      }
    }
    return kysely.connection().execute(async () => {
      try {
        return work();
      } catch (e) {
        throw unavailableIfBusy(e);
      }
    });
  }

  /**
   * `exclusive`, as one write transaction: committed when `work` returns, rolled back when it
   * throws. It holds the database's write lock from its BEGIN to its end.
   */
  transaction<T>(kysely: Kysely<Database>, work: () => T): Promise<T> {
    return this.inTransaction(kysely, this.beginWrite, work);
  }

  /** `transaction` for `work` that only reads: one snapshot, and no write lock. */
  readTransaction<T>(kysely: Kysely<Database>, work: () => T): Promise<T> {
    return this.inTransaction(kysely, this.beginRead, work);
  }

  private inTransaction<T>(kysely: Kysely<Database>, begin: BetterSqlite3.Statement, work: () => T): Promise<T> {
    return this.exclusive(kysely, () => {
      begin.run();
      try {
        const out = work();
        this.commit.run();
        return out;
      } catch (e) {
        // SQLite may already have ended the transaction itself (it rolls back on some errors,
        // e.g. SQLITE_FULL).
        if (this.raw.inTransaction) this.rollback.run();
        throw e;
      }
    });
  }
}
