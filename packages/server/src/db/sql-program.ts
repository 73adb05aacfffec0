import type { Kysely } from 'kysely';
import type { DbCaps } from './connect.js';
import { rawQuery } from './raw-insert.js';
import type { Database } from './schema.js';
import type { SqliteSync } from './sqlite-sync.js';

/** One statement of a program: SQL text with `?` placeholders, and its parameters. */
export interface SqlStatement {
  sql: string;
  params: readonly unknown[];
}

/**
 * A write written once for both dialects: a generator that yields its statements and receives
 * each one's rows. On SQLite it runs synchronously on the connection (db/sqlite-sync.ts), start to
 * end in one turn of the event loop, without Kysely's async machinery; on PostgreSQL each
 * statement is a round trip inside a Kysely transaction. The dialect branch is here, once.
 */
export type SqlProgram<T> = Generator<SqlStatement, T, unknown[]>;

/** Inside a program: `const rows = yield* query<Row>(sql, params)`. */
export function* query<R>(sql: string, params: readonly unknown[]): Generator<SqlStatement, R[], unknown[]> {
  return (yield { sql, params }) as R[];
}

/** `?, ?, ?`: `n` placeholders for an IN list. */
export function placeholders(n: number): string {
  return new Array<string>(n).fill('?').join(', ');
}

/** `(?, ?, ?), (?, ?, ?)`: the VALUES list of a multi-row insert of `rows` rows of `width` columns. */
export function valuesList(rows: number, width: number): string {
  return new Array<string>(rows).fill(`(${placeholders(width)})`).join(', ');
}

/** Runs `program` as one transaction: all its writes or none. */
export function runTransaction<T>(db: Kysely<Database>, caps: DbCaps, program: () => SqlProgram<T>): Promise<T> {
  if (caps.dialect === 'sqlite') {
    const sqlite = caps.sqlite;
    return sqlite.transaction(db, () => driveSync(sqlite, program()));
  }
  return db.transaction().execute((tx) => driveAsync(tx, program()));
}

/**
 * Runs a read-only `program`. On SQLite its statements share one read transaction (one snapshot,
 * and the WAL read lock is taken once rather than per statement); on PostgreSQL each statement
 * runs on its own, without the round trips a transaction would add.
 */
export function runRead<T>(db: Kysely<Database>, caps: DbCaps, program: () => SqlProgram<T>): Promise<T> {
  if (caps.dialect === 'sqlite') {
    const sqlite = caps.sqlite;
    return sqlite.readTransaction(db, () => driveSync(sqlite, program()));
  }
  return driveAsync(db, program());
}

function driveSync<T>(sqlite: SqliteSync, gen: SqlProgram<T>): T {
  let step = gen.next();
  while (!step.done) step = gen.next(sqlite.execute(step.value.sql, step.value.params));
  return step.value;
}

async function driveAsync<T>(db: Kysely<Database>, gen: SqlProgram<T>): Promise<T> {
  let step = gen.next();
  while (!step.done) {
    const { rows } = await db.executeQuery(rawQuery(toPostgres(step.value.sql), [...step.value.params]));
    step = gen.next(rows as unknown[]);
  }
  return step.value;
}

/** One statement on its own (autocommitted): its rows. */
export async function runStatement<R>(db: Kysely<Database>, caps: DbCaps, sql: string, params: readonly unknown[]): Promise<R[]> {
  if (caps.dialect === 'sqlite') {
    const sqlite = caps.sqlite;
    return sqlite.exclusive(db, () => sqlite.execute(sql, params) as R[]);
  }
  const { rows } = await db.executeQuery(rawQuery<R>(toPostgres(sql), [...params]));
  return rows as R[];
}

const pgText = new Map<string, string>();

/**
 * `?` → `$1`, `$2`… The programs' SQL has no `?` inside literals or operators. Texts are cached
 * (bounded, short ones only): the hot statements are few and repeat.
 */
function toPostgres(sql: string): string {
  let out = pgText.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  out = sql.replace(/\?/g, () => `$${++n}`);
  if (sql.length > 4096) return out;
  if (pgText.size >= 200) pgText.clear();
  pgText.set(sql, out);
  return out;
}
