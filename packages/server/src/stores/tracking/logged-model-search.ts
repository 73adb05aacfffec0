import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { Comparison } from '../../domain/search/ast.js';
import { parseSearchFilter } from '../../domain/search/filter-parser.js';
import { parseLoggedModelOrderBy } from '../../domain/search/logged-model-order-by.js';
import type { LoggedModelOrderByInput } from '../../domain/search/logged-model-order-by.js';
import { compareColumn, compareValue } from '../search-sql/column-comparison.js';
import { orderNullsLast, orderPlain, textSortKey } from '../search-sql/ordering.js';
import { checkMaxResults, pageOf, pageWindow, parseExperimentIds } from '../search-sql/paging.js';

export interface LoggedModelSearchQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: LoggedModelOrderByInput[];
  datasets?: Array<{ datasetName: string; datasetDigest?: string }>;
  maxResults: number;
  pageToken?: string;
}

/** Canonical logged-model attribute → column of logged_models, and whether it sorts as text. */
const COLUMNS: Readonly<Record<string, { column: string; text: boolean }>> = {
  name: { column: 'name', text: true },
  model_id: { column: 'model_id', text: true },
  model_type: { column: 'model_type', text: true },
  status: { column: 'status', text: true },
  source_run_id: { column: 'source_run_id', text: true },
  creation_timestamp: { column: 'creation_timestamp_ms', text: false },
  last_updated_timestamp: { column: 'last_updated_timestamp_ms', text: false },
};

const MAX_RESULTS_LIMIT = 50_000;

type Datasets = LoggedModelSearchQuery['datasets'];

/**
 * SearchLoggedModels (MLflow 3): ids of one page of active logged models in the experiments,
 * filtered by attributes, tags, params and metrics, ordered by the structured order_by, then
 * newest first and by id. A model's value of a metric is its latest point (highest step, then
 * latest time), taken only from the given datasets when the request names some.
 */
export async function searchLoggedModelIds(
  db: Kysely<Database>,
  caps: DbCaps,
  q: LoggedModelSearchQuery,
): Promise<{ modelIds: string[]; nextPageToken?: string }> {
  checkMaxResults(q.maxResults, MAX_RESULTS_LIMIT);
  const filter = parseSearchFilter(q.filter ?? '', 'logged_model');
  const orderBy = parseLoggedModelOrderBy(q.orderBy);
  const window = pageWindow(q.maxResults, q.pageToken);
  const experimentIds = parseExperimentIds(q.experimentIds);
  if (experimentIds.length === 0) return { modelIds: [] };

  const conditions: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`lm.experiment_id in (${sql.join(experimentIds)})`,
    sql<SqlBool>`lm.lifecycle_stage = 'active'`,
    ...filter.map((c) => condition(caps, c, q.datasets)),
  ];
  const orderTerms: RawBuilder<unknown>[] = [];
  for (const o of orderBy) {
    if (o.kind === 'attribute') {
      const { column, text } = COLUMNS[o.key]!;
      const ref = sql.ref(`lm.${column}`);
      orderTerms.push(orderNullsLast(text ? textSortKey(caps, ref) : ref, o.ascending));
    } else {
      const datasets = o.datasetName ? [{ datasetName: o.datasetName, ...(o.datasetDigest ? { datasetDigest: o.datasetDigest } : {}) }] : q.datasets;
      orderTerms.push(orderNullsLast(latestMetric(o.key, datasets), o.ascending));
    }
  }
  if (!orderBy.some((o) => o.kind === 'attribute' && o.key === 'creation_timestamp')) {
    orderTerms.push(orderPlain(sql.ref('lm.creation_timestamp_ms'), false));
  }
  orderTerms.push(orderPlain(textSortKey(caps, sql.ref('lm.model_id')), true));

  const { rows } = await sql<{ model_id: string }>`select lm.model_id from logged_models lm
    where ${sql.join(conditions, sql` and `)}
    order by ${sql.join(orderTerms)}
    limit ${window.limit} offset ${window.offset}`.execute(db);
  const page = pageOf(
    rows.map((r) => r.model_id),
    window,
  );
  return page.nextPageToken ? { modelIds: page.items, nextPageToken: page.nextPageToken } : { modelIds: page.items };
}

function datasetCondition(datasets: Datasets): RawBuilder<SqlBool> {
  if (!datasets || datasets.length === 0) return sql<SqlBool>`1 = 1`;
  const each = datasets.map((d) =>
    d.datasetDigest
      ? sql<SqlBool>`(m.dataset_name = ${d.datasetName} and m.dataset_digest = ${d.datasetDigest})`
      : sql<SqlBool>`m.dataset_name = ${d.datasetName}`,
  );
  return sql<SqlBool>`(${sql.join(each, sql` or `)})`;
}

/** The model's latest value of a metric, NULL when it has none (or only NaN). */
function latestMetric(key: string, datasets: Datasets): RawBuilder<unknown> {
  return sql`(select case when m.is_nan = 1 then null else m.metric_value end from logged_model_metrics m
    where m.model_id = lm.model_id and m.metric_name = ${key} and ${datasetCondition(datasets)}
    order by m.metric_step desc, m.metric_timestamp_ms desc limit 1)`;
}

function condition(caps: DbCaps, c: Comparison, datasets: Datasets): RawBuilder<SqlBool> {
  switch (c.type) {
    case 'attribute':
      return compareColumn(caps, sql.ref(`lm.${COLUMNS[c.key]!.column}`), c.op, c.value);
    case 'metric':
      if (typeof c.value !== 'number') throw new Error(`metric comparison needs a number, got ${JSON.stringify(c.value)}`);
      return sql<SqlBool>`${compareValue(latestMetric(c.key, datasets), c.op, c.value)}`;
    case 'parameter':
      return sql<SqlBool>`exists (select 1 from logged_model_params p where p.model_id = lm.model_id
        and p.param_key = ${c.key} and ${compareColumn(caps, sql.ref('p.param_value'), c.op, c.value)})`;
    case 'tag':
      return sql<SqlBool>`exists (select 1 from logged_model_tags t where t.model_id = lm.model_id
        and t.tag_key = ${c.key} and ${compareColumn(caps, sql.ref('t.tag_value'), c.op, c.value)})`;
    case 'dataset':
      throw new Error('logged-model filters have no datasets.* keys; the parser rejects them');
  }
}
