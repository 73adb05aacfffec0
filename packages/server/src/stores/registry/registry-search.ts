import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { InvalidParameterError } from '../../errors.js';
import type { Comparison, Filter, OrderByKey } from '../../domain/search/ast.js';
import { parseSearchFilter } from '../../domain/search/filter-parser.js';
import { parseOrderByList } from '../../domain/search/order-by-parser.js';
import { STAGE_DELETED_INTERNAL } from '../../domain/registry.js';
import { compareColumn } from '../search-sql/column-comparison.js';
import { existsProbes } from '../search-sql/exists-probe.js';
import type { ExistsProbes } from '../search-sql/exists-probe.js';
import { orderPlain, textSortKey } from '../search-sql/ordering.js';
import { checkMaxResults, pageOf, pageWindow } from '../search-sql/paging.js';
import type { ModelVersionRow } from './registry-rows.js';

/** MLflow's bounds (mlflow/store/model_registry/__init__.py). */
export const REGISTERED_MODEL_SEARCH = { defaultMaxResults: 100, maxResults: 1000 } as const;
export const MODEL_VERSION_SEARCH = { defaultMaxResults: 10_000, maxResults: 200_000 } as const;

/** MLflow 3 keeps prompts in the registry, marked by this tag; model searches leave them out. */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';

export interface RegistrySearchQuery {
  filter?: string | undefined;
  orderBy?: readonly string[] | undefined;
  maxResults: number;
  pageToken?: string | undefined;
}

/** A filter that names the prompt tag asks about prompts; any other search excludes them. */
function asksForPrompts(filter: Filter): boolean {
  return filter.some((c) => c.type === 'tag' && c.key === PROMPT_TAG);
}

function rejectDuplicateOrderKeys(keys: readonly OrderByKey[], clauses: readonly string[] | undefined): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.key)) throw new InvalidParameterError(`\`order_by\` contains duplicate fields: ${JSON.stringify(clauses ?? [])}`);
    seen.add(k.key);
  }
}

/** The EXISTS probes of a registry search: one per tag clause, plus the prompt exclusion's. */
function registryProbes(filter: Filter): ExistsProbes {
  return existsProbes(filter.filter((c) => c.type === 'tag').length + (asksForPrompts(filter) ? 0 : 1));
}

function tagCondition(caps: DbCaps, probes: ExistsProbes, table: 'registered_model_tags' | 'model_version_tags', owner: RawBuilder<SqlBool>, c: Comparison): RawBuilder<SqlBool> {
  // MLflow 3's client adds `tags.\`mlflow.prompt.is_prompt\` != 'true'` to every model search;
  // MLflow's SQL store outer-joins that one tag, so a model without it counts as "not a prompt".
  // Every other tag comparison needs the tag to exist, as in MLflow.
  if (c.key === PROMPT_TAG && c.op === '!=') {
    return probes.notExists(sql`select 1 from ${sql.table(table)} t where ${owner} and t.key = ${c.key}
      and ${compareColumn(caps, sql.ref('t.value'), '=', c.value)}`);
  }
  return probes.exists(sql`select 1 from ${sql.table(table)} t where ${owner} and t.key = ${c.key}
    and ${compareColumn(caps, sql.ref('t.value'), c.op, c.value)}`);
}

/** SearchRegisteredModels: one page of model names, filtered and ordered as MLflow does. */
export async function searchRegisteredModelNames(
  db: Kysely<Database>,
  caps: DbCaps,
  q: RegistrySearchQuery,
): Promise<{ names: string[]; nextPageToken?: string }> {
  checkMaxResults(q.maxResults, REGISTERED_MODEL_SEARCH.maxResults, 'request parameter max_results');
  const filter = parseSearchFilter(q.filter ?? '', 'registered_model');
  const orderBy = parseOrderByList(q.orderBy, 'registered_model');
  rejectDuplicateOrderKeys(orderBy, q.orderBy);
  const window = pageWindow(q.maxResults, q.pageToken);

  const owner = sql<SqlBool>`t.name = rm.name`;
  const probes = registryProbes(filter);
  const conditions = filter.map((c) =>
    c.type === 'tag' ? tagCondition(caps, probes, 'registered_model_tags', owner, c) : compareColumn(caps, sql.ref('rm.name'), c.op, c.value),
  );
  if (!asksForPrompts(filter)) {
    conditions.push(probes.notExists(sql`select 1 from registered_model_tags p
      where p.name = rm.name and p.key = ${PROMPT_TAG} and p.value = 'true'`));
  }
  const columns: Record<string, RawBuilder<unknown>> = {
    name: textSortKey(caps, sql.ref('rm.name')),
    last_updated_timestamp: sql`rm.last_updated_time`,
    creation_timestamp: sql`rm.creation_time`,
  };
  const order = orderBy.map((k) => orderPlain(columns[k.key]!, k.ascending));
  if (!orderBy.some((k) => k.key === 'name')) order.push(orderPlain(columns.name!, true));

  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const { rows } = await sql<{ name: string }>`select rm.name from registered_models rm ${where}
    order by ${sql.join(order)} limit ${window.limit} offset ${window.offset}`.execute(db);
  const page = pageOf(
    rows.map((r) => r.name),
    window,
  );
  return page.nextPageToken ? { names: page.items, nextPageToken: page.nextPageToken } : { names: page.items };
}

const VERSION_COLUMNS: Record<string, string> = {
  name: 'mv.name',
  version_number: 'mv.version',
  run_id: 'mv.run_id',
  source_path: 'mv.source',
};

const DEFAULT_VERSION_ORDER = ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];

/** SearchModelVersions: one page of (non-deleted) version rows, filtered and ordered as MLflow does. */
export async function searchModelVersionRows(
  db: Kysely<Database>,
  caps: DbCaps,
  q: RegistrySearchQuery,
): Promise<{ rows: ModelVersionRow[]; nextPageToken?: string }> {
  checkMaxResults(q.maxResults, MODEL_VERSION_SEARCH.maxResults, 'request parameter max_results');
  const filter = parseSearchFilter(q.filter ?? '', 'model_version');
  const clauses = q.orderBy && q.orderBy.length > 0 ? q.orderBy : DEFAULT_VERSION_ORDER;
  const orderBy = parseOrderByList(clauses, 'model_version');
  rejectDuplicateOrderKeys(orderBy, clauses);
  const window = pageWindow(q.maxResults, q.pageToken);

  const owner = sql<SqlBool>`t.name = mv.name and t.version = mv.version`;
  const probes = registryProbes(filter);
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`mv.current_stage <> ${STAGE_DELETED_INTERNAL}`];
  for (const c of filter) {
    if (c.type === 'tag') {
      conditions.push(tagCondition(caps, probes, 'model_version_tags', owner, c));
      continue;
    }
    const column = VERSION_COLUMNS[c.key];
    if (!column) throw new InvalidParameterError(`Invalid attribute name: ${c.key}`);
    conditions.push(compareColumn(caps, sql.ref(column), c.op, c.value));
  }
  if (!asksForPrompts(filter)) {
    conditions.push(probes.notExists(sql`select 1 from model_version_tags p
      where p.name = mv.name and p.version = mv.version and p.key = ${PROMPT_TAG} and p.value = 'true'`));
  }
  const columns: Record<string, RawBuilder<unknown>> = {
    name: textSortKey(caps, sql.ref('mv.name')),
    version_number: sql`mv.version`,
    creation_timestamp: sql`mv.creation_time`,
    last_updated_timestamp: sql`mv.last_updated_time`,
  };
  const order = orderBy.map((k) => orderPlain(columns[k.key]!, k.ascending));
  if (!orderBy.some((k) => k.key === 'name')) order.push(orderPlain(columns.name!, true));
  if (!orderBy.some((k) => k.key === 'version_number')) order.push(orderPlain(columns.version_number!, false));

  const { rows } = await sql<ModelVersionRow>`select mv.* from model_versions mv
    where ${sql.join(conditions, sql` and `)}
    order by ${sql.join(order)} limit ${window.limit} offset ${window.offset}`.execute(db);
  const page = pageOf(rows, window);
  return page.nextPageToken ? { rows: page.items, nextPageToken: page.nextPageToken } : { rows: page.items };
}
