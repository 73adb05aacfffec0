import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './sql.js';

export type InputFormat = 'csv' | 'parquet';

/** A column of the input as DuckDB describes it. */
export interface SourceColumn {
  name: string;
  type: string;
}

/** The files one scoring job reads, in the order their rows are scored and written. */
export interface InputSource {
  /** The path as given (a file or a folder of part files). */
  path: string;
  format: InputFormat;
  files: string[];
  /**
   * CSV read with DuckDB's `strict_mode = false`: set (by `describeInput`) only for files its
   * strict sniffer refuses, such as CRLF lines ending in a bare LF (a CRLF file something
   * appended a newline to).
   */
  lenientCsv?: boolean;
}

const EXTENSIONS: Array<[RegExp, InputFormat]> = [
  [/\.(csv|tsv)(\.(gz|zst))?$/i, 'csv'],
  [/\.(parquet|pq)$/i, 'parquet'],
];

export function inputFormatOf(path: string): InputFormat | undefined {
  return EXTENSIONS.find(([re]) => re.test(path))?.[1];
}

/**
 * A file, or a folder of part files (Spark's and DuckDB's `part-*.parquet` layout): every CSV or
 * Parquet file below it in name order. Hidden files and Spark's `_SUCCESS`-style markers are
 * skipped; a folder mixing CSV and Parquet is refused rather than guessed at. `path` is what
 * messages call it (the object-store URI a staged copy at `localPath` came from).
 */
export async function resolveInput(localPath: string, path = localPath): Promise<InputSource> {
  const full = resolve(localPath);
  const info = await stat(full).catch(() => undefined);
  if (!info) throw new InvalidParameterError(`input '${path}' does not exist; pass a CSV or Parquet file, or a folder of them`);
  if (info.isFile()) {
    const format = inputFormatOf(full);
    if (!format) throw new InvalidParameterError(`input '${path}' is neither CSV (.csv, .tsv, .csv.gz) nor Parquet (.parquet); rename it or convert it`);
    if (info.size === 0) throw new InvalidParameterError(`input '${path}' is empty; a CSV input needs at least its header row`);
    return { path, format, files: [full] };
  }
  const files: string[] = [];
  for (const entry of await readdir(full, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    if (inputFormatOf(entry.name)) files.push(join(parent, entry.name));
  }
  files.sort();
  if (files.length === 0) throw new InvalidParameterError(`input folder '${path}' holds no CSV or Parquet files`);
  const formats = new Set(files.map((f) => inputFormatOf(f)!));
  if (formats.size > 1) throw new InvalidParameterError(`input folder '${path}' mixes CSV and Parquet files; score each format separately`);
  return { path, format: [...formats][0]!, files };
}

/**
 * The DuckDB table function reading every file of the input. `varcharColumns` are read as text
 * whatever the sniffer thinks, so one malformed cell becomes a rejected row instead of failing
 * the whole read (DuckDB's CSV sniffer only samples the start of the file).
 */
export function readSql(input: InputSource, varcharColumns: readonly string[] = []): string {
  const files = `[${input.files.map(sqlString).join(', ')}]`;
  // Part files may differ in column order; a single file need not pay for matching them.
  const union = input.files.length > 1 ? ', union_by_name = true' : '';
  if (input.format === 'parquet') return `read_parquet(${files}${union})`;
  const types = varcharColumns.length > 0 ? `, types = {${varcharColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}` : '';
  return `read_csv(${files}, header = true${union}${input.lenientCsv ? ', strict_mode = false' : ''}${types})`;
}

/**
 * The input's columns as DuckDB reads them. A CSV file DuckDB's strict sniffer cannot make sense
 * of is tried once more without strict mode (which then applies to the whole job); if that fails
 * too, the error names the file and says what to check instead of DuckDB's sniffer report.
 */
export async function describeInput(conn: DuckDBConnection, input: InputSource): Promise<{ input: InputSource; columns: SourceColumn[] }> {
  const describe = async (source: InputSource) => {
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readSql(source)}`);
    return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  };
  try {
    return { input, columns: await describe(input) };
  } catch (e) {
    if (input.format !== 'csv' || !SNIFF_ERROR.test(String((e as Error).message))) throw e;
  }
  const lenient = { ...input, lenientCsv: true };
  try {
    return { input: lenient, columns: await describe(lenient) };
  } catch (e) {
    if (!SNIFF_ERROR.test(String((e as Error).message))) throw e;
    const which = input.files.length === 1 ? `'${input.path}'` : `one of the ${input.files.length} files of '${input.path}'`;
    throw new InvalidParameterError(
      `cannot read ${which} as CSV: DuckDB could not detect its delimiter, quoting and line endings. ` +
        `Check that it is UTF-8 text with a header row, separated by commas, semicolons, tabs or pipes, with the same number of fields on every line`,
    );
  }
}

/** DuckDB's answers for a file it cannot take as CSV: its sniffer gave up, or the bytes are not UTF-8. */
const SNIFF_ERROR = /Error when sniffing file|Invalid unicode|CSV Error on Line/;
