import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import { sqlString } from './sql.js';

export type InputFormat = 'csv' | 'parquet';

/** The files one scoring job reads, in the order their rows are scored and written. */
export interface InputSource {
  /** The path as given (a file or a folder of part files). */
  path: string;
  format: InputFormat;
  files: string[];
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
 * skipped; a folder mixing CSV and Parquet is refused rather than guessed at.
 */
export async function resolveInput(path: string): Promise<InputSource> {
  const full = resolve(path);
  const info = await stat(full).catch(() => undefined);
  if (!info) throw new InvalidParameterError(`input '${path}' does not exist; pass a CSV or Parquet file, or a folder of them`);
  if (info.isFile()) {
    const format = inputFormatOf(full);
    if (!format) throw new InvalidParameterError(`input '${path}' is neither CSV (.csv, .tsv, .csv.gz) nor Parquet (.parquet); rename it or convert it`);
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
  if (input.format === 'parquet') return `read_parquet(${files}, union_by_name = true)`;
  const types = varcharColumns.length > 0 ? `, types = {${varcharColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}` : '';
  return `read_csv(${files}, header = true, union_by_name = true${types})`;
}
