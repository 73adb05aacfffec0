import { CompiledQuery, PostgresAdapter, PostgresDialect, PostgresDriver, sql } from 'kysely';
import type {
  DatabaseConnection,
  DialectAdapter,
  Driver,
  Kysely,
  MigrationLockOptions,
  PostgresDialectConfig,
  QueryResult,
} from 'kysely';
import { timeoutIfCancelled } from './driver-errors.js';

/**
 * Kysely's PostgreSQL dialect with the session settings every pooled connection of a store gets.
 *
 * - `statement_timeout`: PostgreSQL cancels any statement running longer (0: never), and the
 *   cancellation reaches callers as a StatementTimeoutError that says how to change the limit.
 * - `jit = off`: PostgreSQL compiles a query with LLVM once its estimated cost passes
 *   jit_above_cost, and the estimate of a search with many fenced filter probes is huge although
 *   each probe is one index lookup (stores/search-sql/exists-probe.ts). Measured on 2,000 runs, a
 *   100-clause search spent 2.2 s of its 2.5 s compiling. The store's statements are short index
 *   walks that compilation never pays for, so it is off for the session.
 * - Migrations run without the timeout: they may rewrite large tables, and a process starting
 *   while another one migrates waits on the migration lock for as long as that takes.
 *
 * Both are SET on each new connection rather than passed as startup options, which a connection
 * pooler such as PgBouncer may refuse.
 */
export class PostgresStoreDialect extends PostgresDialect {
  private readonly storeConfig: PostgresDialectConfig;

  constructor(
    config: PostgresDialectConfig,
    private readonly statementTimeoutMs: number,
  ) {
    const storeConfig: PostgresDialectConfig = {
      ...config,
      onCreateConnection: async (connection) => {
        // SET takes no bind parameters; the value is a validated integer (config/config.ts).
        await connection.executeQuery(CompiledQuery.raw(`set statement_timeout = ${Math.trunc(statementTimeoutMs)}`));
        // jit exists from PostgreSQL 11 on; older servers have nothing to turn off.
        await connection.executeQuery(CompiledQuery.raw("select set_config(name, 'off', false) from pg_settings where name = 'jit'"));
        await config.onCreateConnection?.(connection);
      },
    };
    super(storeConfig);
    this.storeConfig = storeConfig;
  }

  override createDriver(): Driver {
    return new PostgresStoreDriver(this.storeConfig, this.statementTimeoutMs);
  }

  override createAdapter(): DialectAdapter {
    return new UntimedMigrationsAdapter();
  }
}

class PostgresStoreDriver extends PostgresDriver {
  private readonly wrappers = new WeakMap<DatabaseConnection, TimeoutAwareConnection>();

  constructor(
    config: PostgresDialectConfig,
    private readonly statementTimeoutMs: number,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely keeps one connection object per pooled client, so one wrapper each will do.
    const inner = await super.acquireConnection();
    let wrapped = this.wrappers.get(inner);
    if (!wrapped) {
      wrapped = new TimeoutAwareConnection(inner, this.statementTimeoutMs);
      this.wrappers.set(inner, wrapped);
    }
    return wrapped;
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // The pool's release hook lives on Kysely's own connection object.
    const inner = connection instanceof TimeoutAwareConnection ? connection.inner : connection;
    await super.releaseConnection(inner as Parameters<PostgresDriver['releaseConnection']>[0]);
  }
}

class TimeoutAwareConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly statementTimeoutMs: number,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (e) {
      throw timeoutIfCancelled(e, this.statementTimeoutMs);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class UntimedMigrationsAdapter extends PostgresAdapter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  override async acquireMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    // Kysely runs the migrations in the transaction this lock is taken in; SET LOCAL ends with it.
    await sql`set local statement_timeout = 0`.execute(db);
    await super.acquireMigrationLock(db, options);
  }
}
