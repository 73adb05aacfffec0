import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import { LIMITS } from '@modelyard/contract';
import type { ViewType } from '@modelyard/contract';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { Comparison, Filter, OrderByKey } from '../../domain/search/ast.js';
import { parseSearchFilter } from '../../domain/search/filter-parser.js';
import { parseOrderByList } from '../../domain/search/order-by-parser.js';
import { compareColumn, compareValue } from '../search-sql/column-comparison.js';
import { existsProbes, fencesProbes } from '../search-sql/exists-probe.js';
import type { ExistsProbes } from '../search-sql/exists-probe.js';
import { idInList } from '../search-sql/id-list.js';
import { orderNullsLast, orderPlain, textSortKey } from '../search-sql/ordering.js';
import { checkMaxResults, pageOf, pageWindow, parseExperimentIds } from '../search-sql/paging.js';

export interface RunSearchQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

export interface RunSearchPage {
  runIds: string[];
  nextPageToken?: string;
}

const STAGES: Readonly<Record<ViewType, readonly string[]>> = {
  ACTIVE_ONLY: ['active'],
  DELETED_ONLY: ['deleted'],
  ALL: ['active', 'deleted'],
};

/** Canonical run attribute → runs column, and whether it sorts as text. */
const RUN_COLUMNS: Readonly<Record<string, { column: string; text: boolean }>> = {
  run_id: { column: 'run_uuid', text: true },
  // runs.name mirrors the mlflow.runName tag (the run store keeps them in step), so name filters
  // and sorts are plain column operations.
  run_name: { column: 'name', text: true },
  user_id: { column: 'user_id', text: true },
  status: { column: 'status', text: true },
  artifact_uri: { column: 'artifact_uri', text: true },
  start_time: { column: 'start_time', text: false },
  end_time: { column: 'end_time', text: false },
};

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/**
 * SearchRuns: the ids of one page of runs in the given experiments that pass the filter, in the
 * requested order followed by MLflow's tie-breaks (start_time DESC, then run id). The caller
 * loads the runs themselves.
 */
export async function searchRunIds(db: Kysely<Database>, caps: DbCaps, q: RunSearchQuery): Promise<RunSearchPage> {
  checkMaxResults(q.maxResults, LIMITS.maxSearchResultsRuns, 'request parameter max_results');
  const filter = parseSearchFilter(q.filter ?? '', 'run');
  const orderBy = parseOrderByList(q.orderBy, 'run');
  const window = pageWindow(q.maxResults, q.pageToken);
  const experimentIds = parseExperimentIds(q.experimentIds);
  if (experimentIds.length === 0) return { runIds: [] };

  const stages = STAGES[q.viewType];
  const lead = orderBy[0];
  // With its probes fenced, the planner expects almost no rows and would make any inner join a
  // rescan per row (2,000 × 1,800 rows compared per join, measured), so the guard shortcut below
  // is only taken for short filters; the ordered metric is then left-joined like any other.
  const guardJoins = !fencesProbes(filter.filter((c) => c.type !== 'attribute').length);
  const leadGuarded = guardJoins && lead?.type === 'metric' && filter.some((c) => isMetricGuard(c, lead.key));
  const metricFirst =
    leadGuarded &&
    caps.dialect === 'sqlite' &&
    (await metricIndexPays(db, caps, experimentIds, stages, lead, filter.filter((c) => isMetricGuard(c, lead.key)), window.offset + window.limit));
  const plan = planRunQuery(caps, filter, orderBy, { guardJoins, metricFirst });
  const conditions = [
    idInList(caps, sql.ref('runs.experiment_id'), experimentIds),
    sql<SqlBool>`runs.lifecycle_stage in (${sql.join([...stages])})`,
    ...plan.conditions,
  ];
  const query = sql<{ run_uuid: string }>`select runs.run_uuid from ${plan.from} ${sql.join(plan.joins, sql` `)}
    where ${sql.join(conditions, sql` and `)}
    order by ${sql.join(plan.orderTerms)}
    limit ${window.limit} offset ${window.offset}`;
  const { rows } = await query.execute(db);
  const page = pageOf(
    rows.map((r) => r.run_uuid),
    window,
  );
  return page.nextPageToken ? { runIds: page.items, nextPageToken: page.nextPageToken } : { runIds: page.items };
}

/**
 * SQLite-only planner hint. SQLite keeps no value histograms, so for `metrics.m > x ORDER BY
 * metrics.m` it walks every run of the experiment, probes its metric and sorts all matches
 * (~23 ms at 10k runs) instead of reading latest_metrics(key, value) in order and stopping after
 * the page (~1 ms). Reading the metric index first only pays when the experiment's runs are dense
 * among that metric's rows in the scanned range (other experiments' rows are skipped one by one),
 * so we sample: the first 4 × (offset + page) index entries in scan order must hold at least
 * offset + page runs of the requested experiments. The sample costs about what the index walk
 * itself would. PostgreSQL keeps histograms and chooses the index on its own.
 */
async function metricIndexPays(
  db: Kysely<Database>,
  caps: DbCaps,
  experimentIds: number[],
  stages: readonly string[],
  lead: OrderByKey,
  guards: readonly Comparison[],
  needed: number,
): Promise<boolean> {
  const sample = 4 * needed;
  if (sample > MAX_INDEX_SAMPLE) return false;
  const row = sql`s`;
  const { rows } = await sql<{ candidates: number; found: number }>`select count(*) as candidates, count(runs.run_uuid) as found from
    (select s.run_uuid from latest_metrics s where s.key = ${lead.key} and ${sql.join(
      guards.map((g) => metricValueCondition(row, g)),
      sql` and `,
    )} order by s.value ${sql.raw(lead.ascending ? 'asc' : 'desc')} limit ${sample}) c
    left join runs on runs.run_uuid = c.run_uuid
      and ${idInList(caps, sql.ref('runs.experiment_id'), experimentIds)} and runs.lifecycle_stage in (${sql.join([...stages])})`.execute(db);
  const candidates = Number(rows[0]?.candidates ?? 0);
  const found = Number(rows[0]?.found ?? 0);
  // Fewer candidates than the sample means the whole range was read: the walk is short anyway.
  return found >= needed || candidates < sample;
}

/** Past this many sampled entries (deep pages) the experiment's own runs are walked instead. */
const MAX_INDEX_SAMPLE = 40_000;

/** A comparison that requires a real value of the metric, so the metric can be inner-joined. */
function isMetricGuard(c: Comparison, key: string): boolean {
  return c.type === 'metric' && c.key === key && c.op !== '!=';
}

interface RunQueryPlan {
  /** `runs`, or `latest_metrics ob0 cross join runs` when the leading metric's index is walked first. */
  from: RawBuilder<unknown>;
  joins: RawBuilder<unknown>[];
  conditions: RawBuilder<SqlBool>[];
  orderTerms: RawBuilder<unknown>[];
}

/**
 * Every filter clause becomes an EXISTS probe on an indexed (run, key) pair, so a run matches at
 * most once and no DISTINCT is needed; search-sql/exists-probe.ts keeps many of them cheap to
 * plan. Each order-by key on a metric/param/tag is a LEFT JOIN on its unique (run_uuid, key) row.
 * One shortcut, for filters whose probes are not fenced: when the filter already requires a
 * non-NaN value of the metric being sorted on (`metrics.m > x ORDER BY metrics.m`), that metric
 * is INNER JOINed once and the comparison applied to the joined row; the planner can then walk
 * the latest_metrics (key, value) index in order and stop after the page instead of sorting
 * every run.
 */
function planRunQuery(caps: DbCaps, filter: Filter, orderBy: OrderByKey[], opts: { guardJoins: boolean; metricFirst: boolean }): RunQueryPlan {
  let from: RawBuilder<unknown> = sql`runs`;
  const joins: RawBuilder<unknown>[] = [];
  const conditions: RawBuilder<SqlBool>[] = [];
  const orderTerms: RawBuilder<unknown>[] = [];
  let remaining = filter;

  orderBy.forEach((key, i) => {
    const alias = sql.raw(`ob${i}`);
    if (key.type === 'attribute') {
      const { column, text } = RUN_COLUMNS[key.key];
      const ref = sql.ref(`runs.${column}`);
      orderTerms.push(orderNullsLast(text ? textSortKey(caps, ref) : ref, key.ascending));
      return;
    }
    if (key.type === 'metric') {
      const guards = opts.guardJoins ? remaining.filter((c) => isMetricGuard(c, key.key)) : [];
      const on = sql<SqlBool>`${alias}.run_uuid = runs.run_uuid and ${alias}.key = ${key.key}`;
      if (guards.length > 0) {
        remaining = remaining.filter((c) => !guards.includes(c));
        if (opts.metricFirst && i === 0) {
          // SQLite always makes the left table of CROSS JOIN the outer loop.
          from = sql`latest_metrics ${alias} cross join runs`;
          conditions.push(on);
        } else {
          joins.push(sql`inner join latest_metrics ${alias} on ${on}`);
        }
        for (const g of guards) conditions.push(metricValueCondition(sql`${alias}`, g));
        orderTerms.push(orderPlain(sql`${alias}.value`, key.ascending));
      } else {
        joins.push(sql`left join latest_metrics ${alias} on ${on}`);
        // MLflow's order: real values, then NaN, then runs without the metric, either direction.
        orderTerms.push(sql`case when ${alias}.run_uuid is null then 2 when ${alias}.is_nan = 1 then 1 else 0 end`);
        orderTerms.push(orderPlain(sql`${alias}.value`, key.ascending));
      }
      return;
    }
    const table = sql.raw(key.type === 'parameter' ? 'params' : 'tags');
    joins.push(sql`left join ${table} ${alias} on ${alias}.run_uuid = runs.run_uuid and ${alias}.key = ${key.key}`);
    orderTerms.push(orderNullsLast(textSortKey(caps, sql`${alias}.value`), key.ascending));
  });

  if (!orderBy.some((k) => k.type === 'attribute' && k.key === 'start_time')) {
    orderTerms.push(orderNullsLast(sql.ref('runs.start_time'), false));
  }
  orderTerms.push(orderPlain(textSortKey(caps, sql.ref('runs.run_uuid')), true));
  const probes = existsProbes(remaining.filter((c) => c.type !== 'attribute').length);
  for (const c of remaining) conditions.push(runCondition(caps, probes, c));
  return { from, joins, conditions, orderTerms };
}

function runCondition(caps: DbCaps, probes: ExistsProbes, c: Comparison): RawBuilder<SqlBool> {
  switch (c.type) {
    case 'attribute':
      return compareColumn(caps, sql.ref(`runs.${RUN_COLUMNS[c.key].column}`), c.op, c.value);
    case 'metric':
      return probes.exists(
        sql`select 1 from latest_metrics m where m.run_uuid = runs.run_uuid and m.key = ${c.key} and ${metricValueCondition(sql`m`, c)}`,
      );
    case 'parameter':
    case 'tag': {
      const table = sql.raw(c.type === 'parameter' ? 'params' : 'tags');
      const probe = sql`select 1 from ${table} kv where kv.run_uuid = runs.run_uuid and kv.key = ${c.key}`;
      if (c.op === 'IS NULL') return probes.notExists(probe);
      if (c.op === 'IS NOT NULL') return probes.exists(probe);
      return probes.exists(sql`${probe} and ${compareColumn(caps, sql.ref('kv.value'), c.op, c.value)}`);
    }
    case 'dataset':
      return datasetCondition(caps, probes, c);
  }
}

/**
 * NaN compares like IEEE NaN (and like MLflow's in-memory search): every comparison is false
 * except `!=`. Checking is_nan keeps this true whatever value the store keeps beside the flag
 * (PostgreSQL would otherwise sort a stored NaN above every number).
 */
function metricValueCondition(row: RawBuilder<unknown>, c: Comparison): RawBuilder<SqlBool> {
  if (typeof c.value !== 'number') throw new Error(`metric comparison needs a number, got ${JSON.stringify(c.value)}`);
  const value = sql`${row}.value`;
  if (c.op === '!=') return sql<SqlBool>`(${row}.is_nan = 1 or ${value} <> ${c.value})`;
  return sql<SqlBool>`(${row}.is_nan = 0 and ${compareValue(value, c.op, c.value)})`;
}

/** datasets.name/digest match the run's input datasets; datasets.context their context input tag. */
function datasetCondition(caps: DbCaps, probes: ExistsProbes, c: Comparison): RawBuilder<SqlBool> {
  const edge = sql`i.destination_type = 'RUN' and i.destination_id = runs.run_uuid and i.source_type = 'DATASET'`;
  if (c.key === 'context') {
    return probes.exists(
      sql`select 1 from inputs i join input_tags it on it.input_uuid = i.input_uuid
      where ${edge} and it.name = ${DATASET_CONTEXT_TAG} and ${compareColumn(caps, sql.ref('it.value'), c.op, c.value)}`,
    );
  }
  const column = sql.ref(c.key === 'name' ? 'd.name' : 'd.digest');
  return probes.exists(
    sql`select 1 from inputs i join datasets d on d.dataset_uuid = i.source_id
    where ${edge} and ${compareColumn(caps, column, c.op, c.value)}`,
  );
}
