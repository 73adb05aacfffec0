import { readFile } from 'node:fs/promises';
import { DataFrame, type Column } from './data-frame.js';

export interface CsvOptions {
  /** Field separator; one character. */
  delimiter?: string;
  /** Forces a column's type; otherwise a column is numeric when every non-empty cell is a number. */
  columnTypes?: Record<string, 'number' | 'string'>;
}

/** Reads a CSV file with a header row. Empty cells become missing values (NaN or null). */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<DataFrame> {
  return parseCsv(await readFile(path, 'utf8'), options);
}

/** Parses CSV text (RFC 4180 quoting; CRLF or LF) with a header row into a column-wise frame. */
export function parseCsv(text: string, options: CsvOptions = {}): DataFrame {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1) throw new Error(`delimiter must be one character, got "${delimiter}"`);
  const rows = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, delimiter);
  if (rows.length === 0) throw new Error('CSV has no header row');
  const header = rows[0].map((h) => h.trim());
  const body = rows.slice(1);
  body.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new Error(`CSV line ${i + 2} has ${row.length} fields, the header has ${header.length}`);
    }
  });
  const columns = header.map((name, c) => {
    const cells = body.map((row) => row[c]);
    return [name, toColumn(name, cells, options.columnTypes?.[name])] as const;
  });
  return new DataFrame(columns);
}

function toColumn(name: string, cells: string[], forced: 'number' | 'string' | undefined): Column {
  const isMissing = (cell: string) => cell.trim() === '';
  const asNumber = (cell: string) => (isMissing(cell) ? Number.NaN : Number(cell.trim()));
  const numeric = forced
    ? forced === 'number'
    : cells.every((cell) => isMissing(cell) || Number.isFinite(asNumber(cell)));
  if (numeric) {
    const values = new Float64Array(cells.length);
    cells.forEach((cell, i) => {
      const v = asNumber(cell);
      if (!isMissing(cell) && !Number.isFinite(v)) {
        throw new Error(`column "${name}" row ${i + 1}: "${cell}" is not a number`);
      }
      values[i] = v;
    });
    return { type: 'number', values };
  }
  return { type: 'string', values: cells.map((cell) => (isMissing(cell) ? null : cell)) };
}

function splitRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') {
      inQuotes = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (fieldStarted || field !== '' || record.length > 0) {
        record.push(field);
        records.push(record);
      }
      record = [];
      field = '';
      fieldStarted = false;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new Error('CSV ends inside a quoted field');
  if (fieldStarted || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
