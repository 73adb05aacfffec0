import { parseCsv } from '@modelyard/learn';
import { isNumericType } from '@modelyard/sdk';
import type { ColumnSpec, Columns } from '@modelyard/sdk';
import { AppError, BadRequestError } from '../../errors.js';

/** A scoring request in columns, whatever format it came in. */
export interface ScoringInput {
  columns: Columns;
  rows: number;
  /** MLflow's optional `params` object, passed through to the model. */
  params?: Record<string, unknown>;
}

/** The four JSON input keys of MLflow's scoring protocol (since MLflow 2.0). */
export const INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const REQUIRED_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {${INPUT_KEYS.map((k) => `'${k}'`).join(', ')}}`;

/** Unsupported media type: MLflow answers 415 for anything but JSON and CSV in UTF-8. */
export class UnsupportedContentTypeError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
  override get httpStatus(): number {
    return 415;
  }
}

/** `application/json` or `text/csv`, optionally `; charset=utf-8`; anything else is a 415. */
export function scoringFormatOf(contentType: string | undefined): 'json' | 'csv' {
  const [mime = '', ...parameters] = (contentType ?? '').split(';').map((p) => p.trim());
  for (const p of parameters) {
    const [key = '', value = ''] = p.split('=').map((s) => s.trim().toLowerCase());
    if (key !== 'charset') throw new UnsupportedContentTypeError(`Unrecognized content type parameter '${key}'; only charset is accepted`);
    if (value.replace(/"/g, '') !== 'utf-8') throw new UnsupportedContentTypeError('The scoring server only supports UTF-8');
  }
  const m = mime.toLowerCase();
  if (m === 'application/json') return 'json';
  if (m === 'text/csv') return 'csv';
  throw new UnsupportedContentTypeError(`This predictor only supports the following content types: application/json, text/csv. Got '${contentType ?? ''}'.`);
}

/** Parses a scoring request body into columns; BadRequestError (400) names what is wrong. */
export function parseScoringRequest(format: 'json' | 'csv', body: string, inputs: readonly ColumnSpec[] | undefined): ScoringInput {
  if (format === 'csv') return parseCsvBody(body, inputs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new BadRequestError(`Invalid input. Ensure that input is a valid JSON formatted string. Error: ${(e as Error).message}`);
  }
  return parseJsonRequest(parsed, inputs);
}

export function parseJsonRequest(parsed: unknown, inputs: readonly ColumnSpec[] | undefined): ScoringInput {
  if (Array.isArray(parsed)) throw new BadRequestError(`${REQUIRED_FORMAT}. Received a list.`);
  if (!isObject(parsed)) throw new BadRequestError(`${REQUIRED_FORMAT}. Received unexpected input type '${parsed === null ? 'null' : typeof parsed}'.`);
  const keys = INPUT_KEYS.filter((k) => k in parsed);
  if (keys.length !== 1) throw new BadRequestError(`${REQUIRED_FORMAT}. Received dictionary with input fields: [${Object.keys(parsed).map((k) => `'${k}'`).join(', ')}].`);
  const params = parsed.params;
  if (params !== undefined && params !== null && !isObject(params)) throw new BadRequestError(`'params' must be a JSON object of parameter names to values, got ${describe(params)}`);
  const key = keys[0]!;
  const value = parsed[key];
  const { columns, rows } =
    key === 'dataframe_split' ? fromSplit(value) : key === 'dataframe_records' ? fromRecords(value, key) : fromTensorOrColumns(value, key, inputs);
  return { columns, rows, ...(isObject(params) ? { params } : {}) };
}

/** pandas' split orientation: `{"columns": [...], "data": [[...]], "index"?: [...]}`. */
function fromSplit(value: unknown): { columns: Columns; rows: number } {
  if (!isObject(value)) throw new BadRequestError(`'dataframe_split' must be an object with 'columns' and 'data', got ${describe(value)}`);
  const data = value.data;
  if (!Array.isArray(data)) throw new BadRequestError(`'dataframe_split.data' must be a list of rows, got ${describe(data)}`);
  const names = value.columns;
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
    throw new BadRequestError(`'dataframe_split.columns' must be a list of column names, got ${describe(names)}`);
  }
  const width = names ? names.length : Array.isArray(data[0]) ? data[0].length : 1;
  const columnNames = (names as string[] | undefined) ?? Array.from({ length: width }, (_, i) => String(i));
  const columns: Columns = new Map(columnNames.map((n) => [n, new Array<unknown>(data.length)]));
  const lists = columnNames.map((n) => columns.get(n)!);
  data.forEach((row, i) => {
    if (!Array.isArray(row)) throw new BadRequestError(`'dataframe_split.data' row ${i} must be a list of ${width} values, got ${describe(row)}`);
    if (row.length !== width) throw new BadRequestError(`'dataframe_split.data' row ${i} has ${row.length} values, but there are ${width} columns`);
    for (let j = 0; j < width; j++) lists[j]![i] = row[j];
  });
  return { columns, rows: data.length };
}

function fromRecords(value: unknown, key: string): { columns: Columns; rows: number } {
  if (!Array.isArray(value)) throw new BadRequestError(`'${key}' must be a list of records ({column: value}), got ${describe(value)}`);
  const columns: Columns = new Map();
  value.forEach((record, i) => {
    if (!isObject(record)) throw new BadRequestError(`'${key}' row ${i} must be an object of column values, got ${describe(record)}`);
    for (const name of Object.keys(record)) if (!columns.has(name)) columns.set(name, new Array<unknown>(value.length).fill(null));
  });
  for (const [name, list] of columns) {
    for (let i = 0; i < value.length; i++) list[i] = (value[i] as Record<string, unknown>)[name] ?? null;
  }
  return { columns, rows: value.length };
}

/**
 * TF-serving shapes: `instances` / `inputs` as a list of records, a list of rows (a 2-D tensor,
 * mapped positionally onto the signature's columns), or `{column: [values]}`.
 */
function fromTensorOrColumns(value: unknown, key: string, inputs: readonly ColumnSpec[] | undefined): { columns: Columns; rows: number } {
  if (isObject(value)) {
    const columns: Columns = new Map();
    let rows = -1;
    for (const [name, v] of Object.entries(value)) {
      const list = Array.isArray(v) ? v : [v];
      if (rows >= 0 && list.length !== rows) throw new BadRequestError(`'${key}.${name}' has ${list.length} values, other columns have ${rows}`);
      rows = list.length;
      columns.set(name, list);
    }
    return { columns, rows: Math.max(rows, 0) };
  }
  if (!Array.isArray(value)) throw new BadRequestError(`'${key}' must be a list of rows or an object of columns, got ${describe(value)}`);
  if (value.length === 0 || isObject(value[0])) return fromRecords(value, key);
  if (!inputs) throw new BadRequestError(`'${key}' as a list of rows needs a model signature to name the columns; send records or {column: [values]} instead`);
  const width = inputs.length;
  const columns: Columns = new Map(inputs.map((s) => [s.name, new Array<unknown>(value.length)]));
  const lists = inputs.map((s) => columns.get(s.name)!);
  value.forEach((row, i) => {
    const cells = Array.isArray(row) ? row : [row];
    if (cells.length !== width) {
      throw new BadRequestError(`'${key}' row ${i} has ${cells.length} values, but the model expects ${width} (${inputs.map((s) => s.name).join(', ')})`);
    }
    for (let j = 0; j < width; j++) lists[j]![i] = cells[j];
  });
  return { columns, rows: value.length };
}

/** CSV with a header row; numeric signature columns are read as numbers, others as text. */
function parseCsvBody(body: string, inputs: readonly ColumnSpec[] | undefined): ScoringInput {
  const columnTypes: Record<string, 'number' | 'string'> = {};
  for (const s of inputs ?? []) columnTypes[s.name] = isNumericType(s.type) ? 'number' : 'string';
  let frame;
  try {
    frame = parseCsv(body, { columnTypes });
  } catch (e) {
    throw new BadRequestError(`Failed to parse input as CSV with a header row. Error: ${(e as Error).message}`);
  }
  const columns: Columns = new Map();
  for (const name of frame.columnNames) {
    const col = frame.column(name);
    columns.set(name, col.type === 'number' ? Array.from(col.values) : [...col.values]);
  }
  return { columns, rows: frame.rowCount };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
