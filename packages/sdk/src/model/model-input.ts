import type { ColumnSpec } from './signature.js';

/** Rows (`[{col: value}]`) or columns (`{col: [values]}`): what `predict` accepts. */
export type ModelInput = Array<Record<string, unknown>> | Record<string, ReadonlyArray<unknown>>;

export type Columns = Map<string, unknown[]>;

/** The input does not fit the model (shape, missing column, wrong type): the caller's mistake, not the model's. */
export class ModelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}

const NUMERIC = new Set(['double', 'float', 'long', 'integer']);

/** Turns either input shape into columns, checking every row has the same length. */
export function toColumns(input: ModelInput): { columns: Columns; rows: number } {
  const columns: Columns = new Map();
  if (Array.isArray(input)) {
    const names = new Set(input.flatMap((r) => Object.keys(r)));
    for (const name of names) columns.set(name, input.map((r) => r[name] ?? null));
    return { columns, rows: input.length };
  }
  let rows = -1;
  for (const [name, values] of Object.entries(input)) {
    if (!Array.isArray(values)) throw new ModelInputError(`input column '${name}' must be an array of values`);
    if (rows >= 0 && values.length !== rows) throw new ModelInputError(`input column '${name}' has ${values.length} values, others have ${rows}`);
    rows = values.length;
    columns.set(name, [...values]);
  }
  return { columns, rows: Math.max(rows, 0) };
}

/**
 * Checks the columns against the signature's inputs: a required column that is missing, or a
 * value of the wrong type, is an error naming the column (and the row). Missing numbers (null)
 * become NaN, which the model's imputer handles; missing strings become ''.
 */
export function checkAgainstSignature(columns: Columns, rows: number, inputs: readonly ColumnSpec[]): Columns {
  const out: Columns = new Map();
  for (const spec of inputs) {
    const values = columns.get(spec.name);
    if (!values) {
      if (spec.required === false) {
        out.set(spec.name, new Array(rows).fill(null));
        continue;
      }
      const known = [...columns.keys()].join(', ') || 'none';
      throw new ModelInputError(`model input is missing column '${spec.name}' (${spec.type}); the input has: ${known}`);
    }
    out.set(
      spec.name,
      values.map((v, i) => {
        if (v === null || v === undefined) return NUMERIC.has(spec.type) ? Number.NaN : '';
        if (NUMERIC.has(spec.type)) {
          if (typeof v === 'number') return v;
          if (typeof v === 'boolean') return v ? 1 : 0;
          throw new ModelInputError(`column '${spec.name}' expects ${spec.type} values, row ${i} has ${JSON.stringify(v)}`);
        }
        if (spec.type === 'string') {
          if (typeof v === 'string') return v;
          throw new ModelInputError(`column '${spec.name}' expects string values, row ${i} has ${JSON.stringify(v)}`);
        }
        if (spec.type === 'boolean') {
          if (typeof v === 'boolean') return v;
          throw new ModelInputError(`column '${spec.name}' expects boolean values, row ${i} has ${JSON.stringify(v)}`);
        }
        return v;
      }),
    );
  }
  return out;
}

export function isNumericType(type: string): boolean {
  return NUMERIC.has(type);
}
