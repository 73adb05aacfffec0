import { CompiledQuery } from 'kysely';
import type { DbCaps } from './connect.js';

/**
 * `(?, ?, ?), (?, ?, ?)` for SQLite, `($1, $2, $3), ($4, $5, $6)` for PostgreSQL: the VALUES list of
 * a multi-row insert of `rows` rows of `width` columns.
 *
 * Why not Kysely's `sql` template: for a 1,000-row insert it builds and visits ~10,000 operation
 * nodes per call, which measured as the larger part of a log-batch request's CPU (and most of its
 * garbage). The hot write paths build their text here and run it as a `CompiledQuery`.
 */
export function valuesPlaceholders(caps: DbCaps, rows: number, width: number): string {
  const parts: string[] = new Array(rows);
  if (caps.dialect === 'sqlite') {
    const row = `(${new Array(width).fill('?').join(', ')})`;
    parts.fill(row);
  } else {
    let n = 1;
    for (let r = 0; r < rows; r++) {
      const cols: string[] = new Array(width);
      for (let c = 0; c < width; c++) cols[c] = `$${n++}`;
      parts[r] = `(${cols.join(', ')})`;
    }
  }
  return parts.join(', ');
}

/** A statement with its parameters, run as-is (no query-builder compile step). */
export function rawQuery<R = unknown>(text: string, parameters: unknown[]): CompiledQuery<R> {
  return CompiledQuery.raw(text, parameters) as CompiledQuery<R>;
}
