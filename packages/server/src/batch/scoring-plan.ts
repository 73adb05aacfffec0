import { isNumericType } from '@modelyard/sdk';
import type { ColumnSpec, ColumnType } from '@modelyard/sdk';
import { InvalidParameterError } from '../errors.js';
import type { InputFormat, SourceColumn } from './input-source.js';
import { sqlIdent, sqlString } from './sql.js';

/** How a model input is fed: numbers through one Float64 view, text and booleans value by value. */
export type FeatureKind = 'number' | 'string' | 'boolean';

export interface PlannedFeature {
  name: string;
  kind: FeatureKind;
}

/**
 * The one read of a job's source. Each row carries what the output keeps and what the model is
 * fed, so the input is parsed once and its rows never pass through JavaScript values.
 */
export interface ScoringPlan {
  /** Read as text by the CSV reader so a bad cell rejects its row instead of the whole file. */
  varcharColumns: string[];
  /** Names of the input columns kept in the output, in order. */
  outputColumns: string[];
  features: PlannedFeature[];
  /**
   * The select list over the source: the kept input columns (`outputColumns`), one column per
   * model input from `featureIndex` on (numbers as DOUBLE with missing values as NaN, the SDK's
   * convention), `__reject_reason` (NULL when fine) at `reasonIndex` and `__rejected` (BOOLEAN,
   * never NULL) at `rejectedIndex`.
   */
  select: string;
  /** The kept input columns' select items (each `… AS "name"`, or the bare column). */
  keptSelect: string[];
  /** One expression per model input (signature order), without alias: what `select` names `__f<j>`. */
  featureValues: string[];
  /** Some rows may be rejected: the plan checks model inputs row by row (`__rejected` is not always false). */
  checksRows: boolean;
  featureIndex: number;
  reasonIndex: number;
  rejectedIndex: number;
  /**
   * The plan converts model inputs with CAST and checks no row: a cell that does not convert
   * fails the read (DuckDB's `Conversion Error`), and the job must use the plan that checks
   * each row. False when asked for the checking plan, or when nothing needs converting.
   */
  optimistic: boolean;
}

/** Columns batch scoring adds; an input column with one of these names would be ambiguous. */
export const RESULT_COLUMNS = ['prediction', 'model_name', 'model_version', 'scored_at'] as const;
export const PROBABILITY_PREFIX = 'probability_';
/** Names of the plan's own columns (model inputs `__f<j>`, reject reason and flag, the predictions' STRUCT). */
const INTERNAL_COLUMN = /^__(f\d+|reject_reason|rejected|scored)$/;

const DUCKDB_TYPE: Partial<Record<ColumnType, string>> = {
  double: 'DOUBLE',
  float: 'FLOAT',
  long: 'BIGINT',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
};

const NUMERIC_SQL = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/i;

export function planScoring(opts: {
  format: InputFormat;
  /** CSV to CSV keeps the model inputs' text as it was; other outputs get the signature's types. */
  outputFormat: 'csv' | 'parquet' | 'jsonl';
  source: readonly SourceColumn[];
  inputs: readonly ColumnSpec[];
  idColumns?: readonly string[] | undefined;
  /** Convert without checking each row (see `ScoringPlan.optimistic`). */
  optimistic?: boolean | undefined;
}): ScoringPlan {
  const byName = new Map(opts.source.map((c) => [c.name, c]));
  const have = opts.source.map((c) => c.name).join(', ');
  for (const spec of opts.inputs) {
    if (!DUCKDB_TYPE[spec.type]) throw new InvalidParameterError(`model input '${spec.name}' has type ${spec.type}, which batch scoring does not read; supported: ${Object.keys(DUCKDB_TYPE).join(', ')}`);
    if (!byName.has(spec.name) && spec.required !== false) {
      throw new InvalidParameterError(`the input has no column '${spec.name}' (${spec.type}), which the model requires; the input has: ${have}`);
    }
  }
  const ids = opts.idColumns && opts.idColumns.length > 0 ? [...opts.idColumns] : undefined;
  for (const id of ids ?? []) if (!byName.has(id)) throw new InvalidParameterError(`--id-column '${id}' is not a column of the input; the input has: ${have}`);
  const outputColumns = ids ?? opts.source.map((c) => c.name);
  const clash = outputColumns.find((c) => (RESULT_COLUMNS as readonly string[]).includes(c) || c.startsWith(PROBABILITY_PREFIX));
  if (clash) throw new InvalidParameterError(`the input already has a column '${clash}', which batch scoring adds; keep only other columns with --id-column, or rename it`);
  const internal = outputColumns.find((c) => INTERNAL_COLUMN.test(c));
  if (internal) throw new InvalidParameterError(`the input has a column '${internal}', a name batch scoring uses internally; keep only other columns with --id-column, or rename it`);

  const present = opts.inputs.filter((s) => byName.has(s.name));
  // CSV cells are text: read every non-text model input as text and convert it here, row by row.
  const varcharColumns = opts.format === 'csv' ? present.filter((s) => s.type !== 'string').map((s) => s.name) : [];
  const textual = new Set(varcharColumns);
  for (const s of present) if (byName.get(s.name)!.type.toUpperCase() === 'VARCHAR') textual.add(s.name);

  const specOf = new Map(opts.inputs.map((s) => [s.name, s]));
  // CAST converts what TRY_CAST converts, to the same value, and fails where TRY_CAST gives NULL:
  // an optimistic read that completes has exactly the output the checking plan would have.
  const cast = opts.optimistic ? 'CAST' : 'TRY_CAST';
  let conversions = 0;
  const outputExprs = outputColumns.map((name) => {
    const spec = specOf.get(name);
    // Model inputs read as text are written with the type the signature declares, except into
    // CSV, where the text is kept as it was (and formatting float64 again costs DuckDB seconds per 1M rows).
    return spec && varcharColumns.includes(name) && opts.outputFormat !== 'csv' ? `${cast}(${sqlIdent(name)} AS ${DUCKDB_TYPE[spec.type]}) AS ${sqlIdent(name)}` : sqlIdent(name);
  });

  const problems: string[] = [];
  const features: PlannedFeature[] = [];
  const featureValues = opts.inputs.map((spec) => {
    const col = sqlIdent(spec.name);
    if (!byName.has(spec.name)) {
      features.push({ name: spec.name, kind: featureKind(spec.type) });
      return spec.type === 'string' ? 'NULL::VARCHAR' : isNumericType(spec.type) ? `'NaN'::DOUBLE` : 'NULL::BOOLEAN';
    }
    const kind = featureKind(spec.type);
    features.push({ name: spec.name, kind });
    if (kind === 'string') return `CAST(${col} AS VARCHAR)`;
    const target = kind === 'number' ? 'DOUBLE' : 'BOOLEAN';
    const sourceType = byName.get(spec.name)!.type;
    const converts = textual.has(spec.name) || !NUMERIC_SQL.test(sourceType);
    if (converts) conversions++;
    if (converts && !opts.optimistic) {
      // A blank cell is a missing value (NaN for the model's imputer), not a bad one. The cast is
      // tested first: CASE evaluates the rest only for the rare rows where it failed (measured:
      // this order halves the cost of validating a CSV).
      problems.push(
        `CASE WHEN TRY_CAST(${col} AS ${target}) IS NULL AND trim(CAST(${col} AS VARCHAR)) <> '' ` +
          `THEN format('column ''{}'' expects {} values, got ''{}''', ${sqlString(spec.name)}, ${sqlString(spec.type)}, CAST(${col} AS VARCHAR)) END`,
      );
    }
    const value = converts ? `${cast}(${col} AS ${target})` : `CAST(${col} AS ${target})`;
    return kind === 'number' ? `COALESCE(${value}, 'NaN'::DOUBLE)` : value;
  });
  const featureExprs = featureValues.map((value, j) => `${value} AS ${sqlIdent(`__f${j}`)}`);
  const reason = problems.length === 0 ? 'NULL::VARCHAR' : problems.length === 1 ? problems[0]! : `NULLIF(concat_ws('; ', ${problems.join(', ')}), '')`;
  const rejected = problems.length === 0 ? 'false AS "__rejected"' : `(${reason}) IS NOT NULL AS "__rejected"`;
  return {
    varcharColumns,
    outputColumns,
    features,
    select: [...outputExprs, ...featureExprs, `${reason} AS "__reject_reason"`, rejected].join(', '),
    keptSelect: outputExprs,
    featureValues,
    checksRows: problems.length > 0,
    featureIndex: outputExprs.length,
    reasonIndex: outputExprs.length + features.length,
    rejectedIndex: outputExprs.length + features.length + 1,
    optimistic: opts.optimistic === true && conversions > 0,
  };
}

/** How a model input of `type` is fed. */
export function featureKind(type: ColumnType): FeatureKind {
  if (isNumericType(type)) return 'number';
  return type === 'boolean' ? 'boolean' : 'string';
}
