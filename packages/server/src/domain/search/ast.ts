/**
 * MLflow's search grammar as data: a filter is AND-joined comparisons (MLflow has no OR), an
 * order-by is a list of keys. The parser (domain/search) produces these; store compilers
 * (stores/…/search-sql) turn them into SQL. Entity names follow MLflow's prefixes.
 */
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

export type ComparisonValue = string | number | string[] | null;

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
