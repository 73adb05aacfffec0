import { sql } from 'kysely';
import type { Expression, RawBuilder, SqlBool } from 'kysely';

/**
 * Up to this many probes, the database plans them as joins; with more, all of them are fenced
 * (see existsProbes). Measured planning time on 2,000 runs, PostgreSQL: 1 ms at 3 probes, 6 ms at
 * 4, 146 ms at 5; SQLite: 0.1 ms at 4, 8 ms at 12.
 */
export const PLANNED_PROBES = 4;

export interface ExistsProbes {
  /** `EXISTS (<probe>)`. */
  exists(probe: Expression<unknown>): RawBuilder<SqlBool>;
  /** `NOT EXISTS (<probe>)`. */
  notExists(probe: Expression<unknown>): RawBuilder<SqlBool>;
}

/**
 * The EXISTS probes of one query's filter clauses (one per metric/param/tag/dataset clause);
 * `count` is how many the query will ask for.
 *
 * Both databases turn a correlated EXISTS into a join: PostgreSQL pulls it up into a semi-join
 * (planned as an inner join, since (run_uuid, key) is unique), SQLite (3.51 here) flattens it into
 * the FROM list. A filter of n clauses thus becomes an (n+1)-table join whose order the planner
 * searches, and that search explodes: measured on 2,000 runs, PostgreSQL planned for 0.15 s at 5
 * clauses, 0.9 s at 20 and 18 s at 50 (999 clauses kept a backend busy for minutes with 900 MB);
 * SQLite prepared a 30-clause model-version search in 0.3 s and a 100-clause one in 6.5 s. For a
 * few clauses the join is worth it (it can start from the (key, value) index and visit only the
 * matching rows), so up to PLANNED_PROBES probes are left plain. Beyond that every probe gets
 * `LIMIT 1 OFFSET 0`: PostgreSQL never pulls up a subquery with an OFFSET, SQLite never flattens
 * one with a LIMIT, and EXISTS looks at one row anyway. Each probe then stays a per-row index
 * lookup, evaluated only for rows that passed the earlier conditions, and planning is linear in
 * the number of clauses. It is all or nothing because PostgreSQL cannot estimate a fenced
 * probe and assumes a fixed fraction of rows pass it, so after a few dozen it expects one row and
 * would join a remaining plain probe by rescanning it per row (measured: 100 clauses with 4 left
 * plain took 2 s instead of 0.25 s). The rows are the same either way. The price is on SQLite's
 * fastest shape, run search, whose flattened probes it prepares quickly: there 100 clauses over
 * 2,000 runs now take ~280 ms instead of ~150 ms, against seconds of preparing for other shapes.
 */
export function existsProbes(count: number): ExistsProbes {
  const fence = fencesProbes(count) ? sql` limit 1 offset 0` : sql``;
  return {
    exists: (probe) => sql<SqlBool>`exists (${probe}${fence})`,
    notExists: (probe) => sql<SqlBool>`not exists (${probe}${fence})`,
  };
}

/** Whether a query with `count` probes gets them fenced. */
export function fencesProbes(count: number): boolean {
  return count > PLANNED_PROBES;
}
