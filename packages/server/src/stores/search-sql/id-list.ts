import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { DbCaps } from '../../db/connect.js';

/** Up to this many ids are bound one parameter each, which lets both planners use the index as usual. */
const INLINE_IDS = 100;

/**
 * `column in (ids)` for a client-sized list of numeric ids (a search's `experiment_ids`: MLflow's
 * `search_all_experiments` sends every experiment). One bound parameter per id would make a
 * list of tens of thousands exceed SQLite's 32,766 and PostgreSQL's 65,535 parameters, an error
 * instead of an answer, so a long list travels as one parameter: an array on PostgreSQL, a JSON
 * text that `json_each` unpacks on SQLite.
 */
export function idInList(caps: DbCaps, column: RawBuilder<unknown>, ids: readonly number[]): RawBuilder<SqlBool> {
  if (ids.length <= INLINE_IDS) return sql<SqlBool>`${column} in (${sql.join([...ids])})`;
  if (caps.dialect === 'postgres') return sql<SqlBool>`${column} = any(${[...ids]}::bigint[])`;
  return sql<SqlBool>`${column} in (select value from json_each(${JSON.stringify(ids)}))`;
}
