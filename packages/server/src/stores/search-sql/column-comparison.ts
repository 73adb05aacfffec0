import { sql } from 'kysely';
import type { Expression, RawBuilder, SqlBool } from 'kysely';
import type { ComparisonOp } from '../../domain/search/ast.js';
import type { DbCaps } from '../../db/connect.js';
import { likeToGlob } from './like-pattern.js';

const NUMERIC_SQL_OPS: Partial<Record<ComparisonOp, string>> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
};

/**
 * `column <op> value` for a parsed comparison: numbers for numeric ops, strings for =, !=, LIKE,
 * ILIKE, string lists for IN / NOT IN. NULL columns never match (SQL semantics, as in MLflow's
 * SQL stores). IS NULL / IS NOT NULL are about a key's presence, which callers compile as
 * (NOT) EXISTS, so they are rejected here.
 */
export function compareColumn(
  caps: DbCaps,
  column: Expression<unknown>,
  op: ComparisonOp,
  value: string | number | string[] | null,
): RawBuilder<SqlBool> {
  if (op === 'IN' || op === 'NOT IN') {
    if (!Array.isArray(value) || value.length === 0) throw new Error(`${op} needs a non-empty list`);
    const list = sql.join(value.map((v) => sql`${v}`));
    return op === 'IN' ? sql<SqlBool>`${column} in (${list})` : sql<SqlBool>`${column} not in (${list})`;
  }
  if (op === 'LIKE' || op === 'ILIKE') {
    if (typeof value !== 'string') throw new Error(`${op} needs a string pattern`);
    return op === 'LIKE' ? like(caps, column, value) : ilike(caps, column, value);
  }
  if (value === null || Array.isArray(value)) throw new Error(`cannot compare a column with ${op} ${JSON.stringify(value)}`);
  return compareValue(column, op, value);
}

/** `column <op> value` for =, !=, >, >=, <, <= (numbers, or strings for = and !=). */
export function compareValue(column: Expression<unknown>, op: ComparisonOp, value: string | number): RawBuilder<SqlBool> {
  const sqlOp = NUMERIC_SQL_OPS[op];
  if (sqlOp === undefined) throw new Error(`${op} is not a value comparison`);
  return sql<SqlBool>`${column} ${sql.raw(sqlOp)} ${value}`;
}

/** Case-sensitive LIKE with `\` as the escape character, identical on both dialects. */
export function like(caps: DbCaps, column: Expression<unknown>, pattern: string): RawBuilder<SqlBool> {
  if (caps.dialect === 'sqlite') return sql<SqlBool>`${column} glob ${likeToGlob(pattern)}`;
  return sql<SqlBool>`${column} like ${pattern} escape '\\'`;
}

/**
 * Case-insensitive LIKE. SQLite folds ASCII letters only (as its lower() and LIKE do without
 * ICU); lower() on both sides keeps it case-insensitive even if a connection turns
 * `case_sensitive_like` on. PostgreSQL's ILIKE folds per the database's locale.
 */
export function ilike(caps: DbCaps, column: Expression<unknown>, pattern: string): RawBuilder<SqlBool> {
  if (caps.dialect === 'sqlite') return sql<SqlBool>`lower(${column}) like lower(${pattern}) escape '\\'`;
  return sql<SqlBool>`${column} ilike ${pattern} escape '\\'`;
}
