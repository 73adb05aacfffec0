/**
 * MLflow's search grammar as data: a filter is AND-joined comparisons (MLflow has no OR), an
 * order-by is a list of keys. The parser (domain/search) produces these; store compilers
 * (stores/search-sql, stores/tracking/*-search.ts) turn them into SQL. Entity names follow
 * MLflow's prefixes.
 */

/** Which MLflow search API a filter or order-by belongs to; each accepts different keys and ops. */
export type SearchDialect = 'run' | 'experiment' | 'logged_model' | 'registered_model' | 'model_version';

export type EntityType =
  | 'metric' // metrics.x
  | 'parameter' // params.x
  | 'tag' // tags.x
  | 'attribute' // attributes.x or bare x (status, run_name, start_time, run_id, name, …)
  | 'dataset'; // datasets.name / datasets.digest / datasets.context

export type ComparisonOp =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

/** number for numeric keys, string for string keys, string[] for IN / NOT IN, null for IS [NOT] NULL. */
export type ComparisonValue = string | number | string[] | null;

/**
 * One `<entity>.<key> <op> <value>` clause. `key` is canonical: aliases are resolved by the parser
 * (`created` → `start_time`, `Run name` → `run_name`, `creation_time` → `creation_timestamp`…),
 * so compilers only ever see the names listed in domain/search/dialects.ts.
 */
export interface Comparison {
  type: EntityType;
  key: string;
  op: ComparisonOp;
  value: ComparisonValue;
}

export type Filter = Comparison[];

export interface OrderByKey {
  type: EntityType;
  key: string;
  ascending: boolean;
}
