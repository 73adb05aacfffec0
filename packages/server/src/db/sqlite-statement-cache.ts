import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running a
 * primary-key lookup. This hands Kysely a database whose `prepare` returns a cached statement for
 * SQL text it has seen (the tracking hot paths run a handful of distinct statements millions of
 * times). Statements are reusable between runs; Kysely never holds one across awaits except
 * while streaming, which the stores do not use. The cache is bounded so generated SQL (search
 * filters) cannot grow it without limit.
 */
export function withStatementCache(db: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt) {
        // Refresh recency: Map iteration order is insertion order, so the first key is the oldest.
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
      }
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
