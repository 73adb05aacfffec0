import { CompiledQuery } from 'kysely';

/**
 * A statement with its parameters, run as-is (no query-builder compile step).
 *
 * Why not Kysely's `sql` template: for a 1,000-row insert it builds and visits ~10,000 operation
 * nodes per call, which measured as the larger part of a log-batch request's CPU (and most of its
 * garbage). The hot paths build their SQL text (db/sql-program.ts `valuesList`) and run it as a
 * `CompiledQuery`.
 */
export function rawQuery<R = unknown>(text: string, parameters: unknown[]): CompiledQuery<R> {
  return CompiledQuery.raw(text, parameters) as CompiledQuery<R>;
}
