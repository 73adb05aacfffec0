import { readFile } from 'node:fs/promises';
import { DataFrame, OneHotEncoder, SimpleImputer, parseCsv } from '@modelyard/learn';
import type { Transformer } from '@modelyard/learn';

export const TARGET = 'Y';
export const NUMERIC_FEATURES = ['AGE', 'BMI', 'BP', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'] as const;
export const CATEGORICAL_FEATURES = ['SEX'] as const;
/** The file's column order, which the model's signature (and so its callers) uses. */
export const FEATURES = ['AGE', 'SEX', 'BMI', 'BP', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'] as const;

export interface DiabetesData {
  /** The file's bytes, for the dataset digest. */
  raw: Uint8Array;
  frame: DataFrame;
}

export interface CleansedDiabetes {
  /** FEATURES then TARGET; empty cells stay missing (NaN / null) for the pipeline's imputer. */
  frame: DataFrame;
  /** Empty cells per feature column (only columns that have some). */
  missingCells: Record<string, number>;
  /** Rows dropped because their target was missing. */
  rowsDropped: number;
}

export async function loadDiabetes(path: string): Promise<DiabetesData> {
  const raw = await readFile(path);
  // SEX is text even in a file whose SEX cells are all empty.
  return { raw, frame: parseCsv(raw.toString('utf8'), { columnTypes: { SEX: 'string' } }) };
}

/**
 * Checks the columns and their types, trims SEX labels, counts the empty cells and drops rows with
 * no target. Filling the empty cells (column means) and one-hot encoding SEX are not done here but
 * by `preprocessingSteps()`, inside the trained pipeline: the means are learnt from the training
 * rows only, and the exported ONNX graph takes raw rows (empty cells, SEX as text) like these.
 */
export function cleanseDiabetes(frame: DataFrame): CleansedDiabetes {
  const missingColumns = [...FEATURES, TARGET].filter((name) => !frame.has(name));
  if (missingColumns.length > 0) {
    throw new Error(`the diabetes data lacks column(s) ${missingColumns.join(', ')}; it has ${frame.columnNames.join(', ')}`);
  }
  for (const name of [...NUMERIC_FEATURES, TARGET]) {
    if (frame.column(name).type !== 'number') throw new Error(`column ${name} must be numeric; it holds text`);
  }
  const target = frame.numbers(TARGET);
  const keep: number[] = [];
  for (let i = 0; i < frame.rowCount; i++) if (!Number.isNaN(target[i]!)) keep.push(i);
  const kept = keep.length === frame.rowCount ? frame : frame.take(keep);

  const missingCells: Record<string, number> = {};
  const columns = [...FEATURES, TARGET].map((name) => {
    const column = kept.column(name);
    let missing = 0;
    let out = column;
    if (column.type === 'number') {
      for (const v of column.values) if (Number.isNaN(v)) missing++;
    } else {
      const values = column.values.map((v) => {
        const label = v?.trim() ?? '';
        if (label === '') missing++;
        return label === '' ? null : label;
      });
      out = { type: 'string', values };
    }
    if (missing > 0 && name !== TARGET) missingCells[name] = missing;
    return [name, out] as const;
  });
  return { frame: new DataFrame(columns), missingCells, rowsDropped: frame.rowCount - kept.rowCount };
}

/**
 * The cleansing that travels with the model: mean imputation of the numeric columns, then SEX as
 * one 0/1 column per label seen in training (a missing or unseen label encodes as all zeros).
 */
export function preprocessingSteps(): Transformer[] {
  return [new SimpleImputer({ strategy: 'mean' }), new OneHotEncoder({ columns: [...CATEGORICAL_FEATURES] })];
}
