import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, QueryResult, SqliteDialectConfig, TransactionSettings } from 'kysely';
import { unavailableIfBusy } from './driver-errors.js';

/** A write transaction takes SQLite's write lock as it begins; see `SqliteStoreDialect`. */
export const BEGIN_WRITE_SQL = 'begin immediate';
/** A read transaction takes no lock until it reads, and never the write lock. */
export const BEGIN_READ_SQL = 'begin';

const BEGIN_WRITE = CompiledQuery.raw(BEGIN_WRITE_SQL);
const BEGIN_READ = CompiledQuery.raw(BEGIN_READ_SQL);

/**
 * Kysely's SQLite dialect, made safe for several processes on one file (two servers, a server
 * and a CLI command).
 *
 * - `db.transaction()` begins with BEGIN IMMEDIATE, not Kysely's plain (deferred) BEGIN. A
 *   deferred transaction that reads and then writes must upgrade its read lock to the write
 *   lock, and when another process holds it (or committed since the read) SQLite answers
 *   SQLITE_BUSY at once: it never waits on the busy timeout then, because waiting while holding a
 *   read snapshot could deadlock. BEGIN IMMEDIATE asks for the write lock first, before any
 *   read, so it waits its turn on the busy timeout instead. A transaction set
 *   `.setAccessMode('read only')` keeps the deferred BEGIN.
 * - A lock still held after the busy timeout becomes a 503 TemporarilyUnavailableError.
 * - Migrations run in a transaction (Kysely assumes SQLite has one connection and runs them
 *   without one or a lock): two processes starting on one file would otherwise both apply them.
 *   In one BEGIN IMMEDIATE transaction, the second waits for the first and finds nothing to do.
 */
export class SqliteStoreDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly connection: BetterSqlite3.Database,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new SqliteStoreDriver(this.config, this.connection);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class SqliteStoreDriver extends SqliteDriver {
  private wrapped: BusyAwareConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly raw: BetterSqlite3.Database,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely's driver has one connection for its lifetime: one wrapper will do.
    const inner = await super.acquireConnection();
    if (this.wrapped?.inner !== inner) this.wrapped = new BusyAwareConnection(inner);
    return this.wrapped;
  }

  // Kysely passes the settings; its SqliteDriver's declaration just does not name them.
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(settings?.accessMode === 'read only' ? BEGIN_READ : BEGIN_WRITE);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite ends the transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR); a ROLLBACK
    // then fails with "no transaction is active" and would hide the error that matters.
    if (this.raw.inTransaction) await super.rollbackTransaction(connection);
  }
}

class BusyAwareConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (e) {
      throw unavailableIfBusy(e);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
