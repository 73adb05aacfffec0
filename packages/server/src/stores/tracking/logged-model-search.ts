import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { InvalidParameterError } from '../../errors.js';
import type { Comparison } from '../../domain/search/ast.js';
import { idInList } from '../search-sql/id-list.js';
import { parseSearchFilter } from '../../domain/search/filter-parser.js';
import { SEARCH_LIMITS } from '../../domain/search/search-limits.js';
import { parseLoggedModelOrderBy } from '../../domain/search/logged-model-order-by.js';
import type { LoggedModelOrderBy, LoggedModelOrderByInput } from '../../domain/search/logged-model-order-by.js';
import { compareColumn, compareValue } from '../search-sql/column-comparison.js';
import { existsProbes } from '../search-sql/exists-probe.js';
import type { ExistsProbes } from '../search-sql/exists-probe.js';
import { orderNullsLast, orderPlain, textSortKey } from '../search-sql/ordering.js';
import { checkMaxResults, pageOf, pageWindow, parseExperimentIds } from '../search-sql/paging.js';

export interface DatasetScope {
  datasetName: string;
  datasetDigest?: string;
}

export interface LoggedModelSearchQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: LoggedModelOrderByInput[];
  datasets?: DatasetScope[];
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

/**
 * SearchLoggedModels (MLflow 3): ids of one page of active logged models in the experiments,
 * filtered by attributes, tags, params and metrics, ordered by the structured order_by, then
 * newest first and by id.
 *
 * Metric semantics follow MLflow's SQL store: `metrics.m > x` holds when ANY logged value of m
 * (restricted to the request's `datasets` when given) passes, while ordering by `metrics.m` uses
 * the model's latest value (latest timestamp, then highest step), restricted only to the
 * dataset named in that order_by entry. A request with `datasets` but no metric filter keeps only
 * models that have some metric on one of those datasets.
 */
export async function searchLoggedModelIds(
  db: Kysely<Database>,
  caps: DbCaps,
  q: LoggedModelSearchQuery,
): Promise<{ modelIds: string[]; nextPageToken?: string }> {
  checkMaxResults(q.maxResults, MAX_RESULTS_LIMIT);
  const datasets = checkDatasets(q.datasets);
  const filter = parseSearchFilter(q.filter ?? '', 'logged_model');
  const orderBy = parseLoggedModelOrderBy(q.orderBy);
  const experimentIds = parseExperimentIds(q.experimentIds);
  // MLflow 3 binds its tokens to the query that issued them; so do we.
  const window = pageWindow(q.maxResults, q.pageToken, {
    experiment_ids: q.experimentIds.map(String),
    filter_string: q.filter || null,
    order_by: q.orderBy && q.orderBy.length > 0 ? q.orderBy.map(orderByJson) : null,
  });
  if (experimentIds.length === 0) return { modelIds: [] };

  const scopeProbe = datasets.length > 0 && !filter.some((c) => c.type === 'metric');
  const probes = existsProbes(filter.filter((c) => c.type !== 'attribute').length + (scopeProbe ? 1 : 0));
  const conditions: RawBuilder<SqlBool>[] = [
    idInList(caps, sql.ref('lm.experiment_id'), experimentIds),
    sql<SqlBool>`lm.lifecycle_stage = 'active'`,
    ...filter.map((c) => condition(caps, probes, c, datasets)),
  ];
  if (scopeProbe) {
    conditions.push(probes.exists(sql`select 1 from logged_model_metrics m where m.model_id = lm.model_id and ${inDatasets(datasets)}`));
  }

  const orderTerms = orderBy.map((o) => orderTerm(caps, o));
  if (!orderBy.some((o) => o.kind === 'attribute' && o.key === 'creation_timestamp')) {
    orderTerms.push(orderPlain(sql.ref('lm.creation_timestamp_ms'), false));
  }
  if (!orderBy.some((o) => o.kind === 'attribute' && o.key === 'model_id')) {
    orderTerms.push(orderPlain(textSortKey(caps, sql.ref('lm.model_id')), true));
  }

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

function checkDatasets(datasets: readonly DatasetScope[] | undefined): DatasetScope[] {
  if ((datasets?.length ?? 0) > SEARCH_LIMITS.maxDatasets) {
    throw new InvalidParameterError(
      `Invalid datasets: ${datasets?.length} entries, more than the ${SEARCH_LIMITS.maxDatasets} a logged-model search may be scoped to; search fewer datasets at a time`,
    );
  }
  for (const d of datasets ?? []) {
    if (!d.datasetName) {
      throw new InvalidParameterError('`dataset_name` in the `datasets` clause must be specified, e.g. {"dataset_name": "eval", "dataset_digest": "…"}');
    }
  }
  return [...(datasets ?? [])];
}

/** The order_by entry as the client sent it (snake_case), for the page token. */
function orderByJson(o: LoggedModelOrderByInput): Record<string, unknown> {
  return {
    field_name: o.fieldName,
    ascending: o.ascending ?? true,
    dataset_name: o.datasetName ?? null,
    dataset_digest: o.datasetDigest ?? null,
  };
}

function inDatasets(datasets: readonly DatasetScope[]): RawBuilder<SqlBool> {
  const each = datasets.map((d) =>
    d.datasetDigest
      ? sql<SqlBool>`(m.dataset_name = ${d.datasetName} and m.dataset_digest = ${d.datasetDigest})`
      : sql<SqlBool>`m.dataset_name = ${d.datasetName}`,
  );
  return sql<SqlBool>`(${sql.join(each, sql` or `)})`;
}

function orderTerm(caps: DbCaps, o: LoggedModelOrderBy): RawBuilder<unknown> {
  if (o.kind === 'attribute') {
    const { column, text } = COLUMNS[o.key]!;
    const ref = sql.ref(`lm.${column}`);
    return orderNullsLast(text ? textSortKey(caps, ref) : ref, o.ascending);
  }
  const scope: RawBuilder<SqlBool>[] = [];
  if (o.datasetName) scope.push(sql<SqlBool>`m.dataset_name = ${o.datasetName}`);
  if (o.datasetDigest) scope.push(sql<SqlBool>`m.dataset_digest = ${o.datasetDigest}`);
  const where = scope.length > 0 ? sql` and ${sql.join(scope, sql` and `)}` : sql``;
  // A latest value of NaN sorts with the missing ones: there is no order between NaN and
  // numbers, and MLflow on SQLite (which stores NaN as NULL) puts it last too.
  const latest = sql`(select case when m.is_nan = 1 then null else m.metric_value end from logged_model_metrics m
    where m.model_id = lm.model_id and m.metric_name = ${o.key}${where}
    order by m.metric_timestamp_ms desc, m.metric_step desc limit 1)`;
  return orderNullsLast(latest, o.ascending);
}

function condition(caps: DbCaps, probes: ExistsProbes, c: Comparison, datasets: readonly DatasetScope[]): RawBuilder<SqlBool> {
  switch (c.type) {
    case 'attribute':
      return compareColumn(caps, sql.ref(`lm.${COLUMNS[c.key]!.column}`), c.op, c.value);
    case 'metric': {
      if (typeof c.value !== 'number') throw new Error(`metric comparison needs a number, got ${JSON.stringify(c.value)}`);
      // NaN compares like IEEE NaN, as in run search: only != holds.
      const value =
        c.op === '!='
          ? sql<SqlBool>`(m.is_nan = 1 or m.metric_value <> ${c.value})`
          : sql<SqlBool>`(m.is_nan = 0 and ${compareValue(sql.ref('m.metric_value'), c.op, c.value)})`;
      const scope = datasets.length > 0 ? sql` and ${inDatasets(datasets)}` : sql``;
      return probes.exists(sql`select 1 from logged_model_metrics m
        where m.model_id = lm.model_id and m.metric_name = ${c.key} and ${value}${scope}`);
    }
    case 'parameter':
      return probes.exists(sql`select 1 from logged_model_params p where p.model_id = lm.model_id
        and p.param_key = ${c.key} and ${compareColumn(caps, sql.ref('p.param_value'), c.op, c.value)}`);
    case 'tag':
      return probes.exists(sql`select 1 from logged_model_tags t where t.model_id = lm.model_id
        and t.tag_key = ${c.key} and ${compareColumn(caps, sql.ref('t.tag_value'), c.op, c.value)}`);
    case 'dataset':
      throw new Error('logged-model filters have no datasets.* keys; the parser rejects them');
  }
}
