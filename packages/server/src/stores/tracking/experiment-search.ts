import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import { LIMITS } from '@modelyard/contract';
import type { ViewType } from '@modelyard/contract';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { Comparison, OrderByKey } from '../../domain/search/ast.js';
import { parseSearchFilter } from '../../domain/search/filter-parser.js';
import { parseOrderByList } from '../../domain/search/order-by-parser.js';
import { compareColumn } from '../search-sql/column-comparison.js';
import { existsProbes } from '../search-sql/exists-probe.js';
import type { ExistsProbes } from '../search-sql/exists-probe.js';
import { orderNullsLast, orderPlain, textSortKey } from '../search-sql/ordering.js';
import { checkMaxResults, pageOf, pageWindow } from '../search-sql/paging.js';

export interface ExperimentSearchQuery {
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

const STAGES: Readonly<Record<ViewType, readonly string[]>> = {
  ACTIVE_ONLY: ['active'],
  DELETED_ONLY: ['deleted'],
  ALL: ['active', 'deleted'],
};

const TEXT_COLUMNS = new Set(['name']);

const DEFAULT_ORDER: readonly OrderByKey[] = [
  { type: 'attribute', key: 'creation_time', ascending: false },
  { type: 'attribute', key: 'experiment_id', ascending: true },
];

/**
 * SearchExperiments: ids of one page of experiments in the view (active / deleted / all) that pass
 * the filter (name, creation_time, last_update_time, tags.*), in the requested order.
 */
export async function searchExperimentIds(
  db: Kysely<Database>,
  caps: DbCaps,
  q: ExperimentSearchQuery,
): Promise<{ experimentIds: string[]; nextPageToken?: string }> {
  checkMaxResults(q.maxResults, LIMITS.maxSearchResultsExperiments);
  const filter = parseSearchFilter(q.filter ?? '', 'experiment');
  const orderBy = parseOrderByList(q.orderBy, 'experiment');
  const window = pageWindow(q.maxResults, q.pageToken);

  const probes = existsProbes(filter.filter((c) => c.type === 'tag').length);
  const conditions: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`e.lifecycle_stage in (${sql.join([...STAGES[q.viewType]])})`,
    ...filter.map((c) => experimentCondition(caps, probes, c)),
  ];
  // MLflow's SQL store: no order_by means `creation_time DESC, experiment_id ASC`; otherwise the
  // given keys, then experiment_id DESC as the tie-break unless it was named.
  const keys = orderBy.length > 0 ? orderBy : DEFAULT_ORDER;
  const orderTerms: RawBuilder<unknown>[] = keys.map((k) => {
    const ref = sql.ref(`e.${k.key}`);
    if (k.key === 'experiment_id') return orderPlain(ref, k.ascending);
    return orderNullsLast(TEXT_COLUMNS.has(k.key) ? textSortKey(caps, ref) : ref, k.ascending);
  });
  if (!keys.some((k) => k.key === 'experiment_id')) orderTerms.push(orderPlain(sql.ref('e.experiment_id'), false));

  const { rows } = await sql<{ experiment_id: number }>`select e.experiment_id from experiments e
    where ${sql.join(conditions, sql` and `)}
    order by ${sql.join(orderTerms)}
    limit ${window.limit} offset ${window.offset}`.execute(db);
  const page = pageOf(
    rows.map((r) => String(r.experiment_id)),
    window,
  );
  return page.nextPageToken ? { experimentIds: page.items, nextPageToken: page.nextPageToken } : { experimentIds: page.items };
}

function experimentCondition(caps: DbCaps, probes: ExistsProbes, c: Comparison): RawBuilder<SqlBool> {
  if (c.type === 'tag') {
    const probe = sql`select 1 from experiment_tags t where t.experiment_id = e.experiment_id and t.key = ${c.key}`;
    if (c.op === 'IS NULL') return probes.notExists(probe);
    if (c.op === 'IS NOT NULL') return probes.exists(probe);
    return probes.exists(sql`${probe} and ${compareColumn(caps, sql.ref('t.value'), c.op, c.value)}`);
  }
  return compareColumn(caps, sql.ref(`e.${c.key}`), c.op, c.value);
}
