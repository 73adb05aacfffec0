import { sql } from 'kysely';
import type { Expression, RawBuilder } from 'kysely';
import type { DbCaps } from '../../db/connect.js';

/**
 * `expr ASC|DESC NULLS LAST`: MLflow puts runs without the sorted value after all others whatever
 * the direction. Both dialects support NULLS LAST (SQLite since 3.30); spelling it out also removes
 * their disagreement (SQLite sorts NULL first ascending, PostgreSQL last).
 */
export function orderNullsLast(expr: Expression<unknown>, ascending: boolean): RawBuilder<unknown> {
  return ascending ? sql`${expr} asc nulls last` : sql`${expr} desc nulls last`;
}

/** `expr ASC|DESC` for values that are never NULL (keys, the join-guaranteed metric value). */
export function orderPlain(expr: Expression<unknown>, ascending: boolean): RawBuilder<unknown> {
  return ascending ? sql`${expr} asc` : sql`${expr} desc`;
}

/**
 * Strings sort by code point on both dialects: SQLite's BINARY collation does that for UTF-8, and
 * PostgreSQL does it under COLLATE "C" (its default collation follows the cluster's locale, which
 * would make the same search order differently per installation).
 */
export function textSortKey(caps: DbCaps, expr: Expression<unknown>): RawBuilder<unknown> {
  return caps.dialect === 'postgres' ? sql`${expr} collate "C"` : sql`${expr}`;
}
