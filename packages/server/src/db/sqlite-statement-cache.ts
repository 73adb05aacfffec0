import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Prepared statements by SQL text. Preparing costs more than running a primary-key lookup, and
 * the tracking hot paths run a handful of distinct statements millions of times. Statements are
 * reusable between runs; nothing holds one across awaits (Kysely only does while streaming, which
 * the stores do not use). The cache is bounded so generated SQL (search filters) cannot grow it
 * without limit.
 */
export class StatementCache {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly capacity = 500,
  ) {}

  prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.cache.get(sql);
    if (stmt) {
      // Refresh recency: Map iteration order is insertion order, so the first key is the oldest.
      this.cache.delete(sql);
      this.cache.set(sql, stmt);
      return stmt;
    }
    stmt = this.db.prepare(sql);
    this.cache.set(sql, stmt);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return stmt;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; this hands it a database whose `prepare`
 * returns the cached statement for SQL text it has seen.
 */
export function withStatementCache(db: BetterSqlite3.Database, cache: StatementCache): SqliteDatabase {
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sql: string) => cache.prepare(sql) as unknown as ReturnType<SqliteDatabase['prepare']>,
  };
}
