import type { ComparisonOp, EntityType, SearchDialect } from './ast.js';

/**
 * What each MLflow search API accepts, learnt from mlflow/utils/search_utils.py (SearchUtils,
 * SearchExperimentsUtils, SearchModelUtils, SearchModelVersionUtils),
 * mlflow/utils/search_logged_model_utils.py and the SQLAlchemy stores that compile them.
 * Prefixes and keys are case-sensitive, as in MLflow; operators and AND/ASC/DESC are not.
 */
export interface DialectRules {
  /** `<prefix>.<key>` → entity type. A bare `<key>` is always an attribute. */
  prefixes: Readonly<Record<string, EntityType>>;
  /** The prefixes to suggest in error messages. */
  preferredPrefixes: readonly string[];
  /** Filterable attribute spelling (aliases included) → canonical key. */
  filterAttributes: Readonly<Record<string, string>>;
  /** Sortable attribute spelling (aliases included) → canonical key. */
  orderAttributes: Readonly<Record<string, string>>;
  /** Canonical attribute keys compared as numbers. */
  numericAttributes: ReadonlySet<string>;
  /** Canonical attribute keys that accept `IN (…)` / `NOT IN (…)`. */
  listAttributes: ReadonlySet<string>;
  /** Entity types an order-by may name. */
  orderEntities: readonly EntityType[];
  ops: {
    metric?: readonly ComparisonOp[];
    parameter?: readonly ComparisonOp[];
    tag: readonly ComparisonOp[];
    dataset?: readonly ComparisonOp[];
    stringAttribute: readonly ComparisonOp[];
    numericAttribute: readonly ComparisonOp[];
  };
  /** model_version: MLflow accepts `version_number = '3'` as well as `version_number = 3`. */
  quotedNumbersAllowed: boolean;
}

export const NUMERIC_OPS: readonly ComparisonOp[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_OPS: readonly ComparisonOp[] = ['=', '!=', 'LIKE', 'ILIKE'];
const STRING_OPS_WITH_NULL: readonly ComparisonOp[] = [...STRING_OPS, 'IS NULL', 'IS NOT NULL'];
const STRING_OPS_WITH_LISTS: readonly ComparisonOp[] = [...STRING_OPS, 'IN', 'NOT IN'];

export const DATASET_KEYS: readonly string[] = ['name', 'digest', 'context'];

const RUN_ATTRIBUTES = {
  run_id: 'run_id',
  run_name: 'run_name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
  // MLflow's UI spellings (SearchUtils._ALTERNATE_*_ATTRIBUTES)
  created: 'start_time',
  Created: 'start_time',
} as const;

const run: DialectRules = {
  prefixes: {
    metric: 'metric',
    metrics: 'metric',
    parameter: 'parameter',
    parameters: 'parameter',
    param: 'parameter',
    params: 'parameter',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
    run: 'attribute',
    dataset: 'dataset',
    datasets: 'dataset',
  },
  preferredPrefixes: ['metrics', 'params', 'tags', 'attributes', 'datasets'],
  filterAttributes: { ...RUN_ATTRIBUTES, 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' },
  orderAttributes: RUN_ATTRIBUTES,
  numericAttributes: new Set(['start_time', 'end_time']),
  listAttributes: new Set(['run_id']),
  orderEntities: ['metric', 'parameter', 'tag', 'attribute'],
  ops: {
    metric: NUMERIC_OPS,
    parameter: STRING_OPS_WITH_NULL,
    tag: STRING_OPS_WITH_NULL,
    dataset: STRING_OPS_WITH_LISTS,
    stringAttribute: STRING_OPS_WITH_LISTS,
    numericAttribute: NUMERIC_OPS,
  },
  quotedNumbersAllowed: false,
};

const experiment: DialectRules = {
  // SearchExperimentsUtils accepts exactly these prefixes (not `attributes.`).
  prefixes: { attribute: 'attribute', tag: 'tag', tags: 'tag' },
  preferredPrefixes: ['attribute', 'tags'],
  filterAttributes: { name: 'name', creation_time: 'creation_time', last_update_time: 'last_update_time' },
  orderAttributes: {
    name: 'name',
    experiment_id: 'experiment_id',
    creation_time: 'creation_time',
    last_update_time: 'last_update_time',
  },
  numericAttributes: new Set(['creation_time', 'last_update_time']),
  listAttributes: new Set(),
  orderEntities: ['attribute'],
  ops: { tag: STRING_OPS_WITH_NULL, stringAttribute: STRING_OPS, numericAttribute: NUMERIC_OPS },
  quotedNumbersAllowed: false,
};

const registeredModel: DialectRules = {
  prefixes: { attribute: 'attribute', tag: 'tag', tags: 'tag' },
  preferredPrefixes: ['attribute', 'tags'],
  filterAttributes: { name: 'name' },
  orderAttributes: {
    name: 'name',
    // MLflow's registry store treats `timestamp` as last_updated_timestamp.
    timestamp: 'last_updated_timestamp',
    creation_timestamp: 'creation_timestamp',
    last_updated_timestamp: 'last_updated_timestamp',
  },
  numericAttributes: new Set(),
  listAttributes: new Set(),
  orderEntities: ['attribute'],
  ops: { tag: STRING_OPS, stringAttribute: STRING_OPS, numericAttribute: NUMERIC_OPS },
  quotedNumbersAllowed: false,
};

const modelVersion: DialectRules = {
  prefixes: { attribute: 'attribute', tag: 'tag', tags: 'tag' },
  preferredPrefixes: ['attribute', 'tags'],
  filterAttributes: { name: 'name', version_number: 'version_number', run_id: 'run_id', source_path: 'source_path' },
  orderAttributes: {
    name: 'name',
    version_number: 'version_number',
    creation_timestamp: 'creation_timestamp',
    last_updated_timestamp: 'last_updated_timestamp',
  },
  numericAttributes: new Set(['version_number']),
  listAttributes: new Set(['run_id']),
  orderEntities: ['attribute'],
  // SearchModelVersionUtils has no NOT IN.
  ops: { tag: STRING_OPS, stringAttribute: [...STRING_OPS, 'IN'], numericAttribute: NUMERIC_OPS },
  quotedNumbersAllowed: true,
};

const LOGGED_MODEL_ATTRIBUTES = {
  name: 'name',
  model_id: 'model_id',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_timestamp: 'creation_timestamp',
  creation_time: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
  last_updated_time: 'last_updated_timestamp',
} as const;

const loggedModel: DialectRules = {
  // search_logged_model_utils accepts exactly the plural prefixes.
  prefixes: { attributes: 'attribute', metrics: 'metric', params: 'parameter', tags: 'tag' },
  preferredPrefixes: ['metrics', 'params', 'tags', 'attributes'],
  filterAttributes: LOGGED_MODEL_ATTRIBUTES,
  orderAttributes: LOGGED_MODEL_ATTRIBUTES,
  numericAttributes: new Set(['creation_timestamp', 'last_updated_timestamp']),
  listAttributes: new Set(),
  orderEntities: ['attribute', 'metric'],
  ops: {
    metric: NUMERIC_OPS,
    parameter: STRING_OPS,
    tag: STRING_OPS,
    stringAttribute: STRING_OPS,
    numericAttribute: NUMERIC_OPS,
  },
  quotedNumbersAllowed: false,
};

export const DIALECTS: Readonly<Record<SearchDialect, DialectRules>> = {
  run,
  experiment,
  registered_model: registeredModel,
  model_version: modelVersion,
  logged_model: loggedModel,
};

/** Canonical keys, deduplicated, for "valid keys are …" messages. */
export function canonicalKeys(spellings: Readonly<Record<string, string>>): string[] {
  return [...new Set(Object.values(spellings))].sort();
}
