import { readFile } from 'node:fs/promises';
import { DataFrame, SimpleImputer, parseCsv } from '@modelyard/learn';
import type { Transformer } from '@modelyard/learn';

export const TARGET = 'Outcome';

export const FEATURES = [
  'Pregnancies',
  'Glucose',
  'BloodPressure',
  'SkinThickness',
  'Insulin',
  'BMI',
  'DiabetesPedigreeFunction',
  'Age',
] as const;

/**
 * In the Pima data a 0 in these columns is a measurement nobody took (nobody has a BMI or blood
 * pressure of 0); left as 0 it would read as an extreme value. Pregnancies and Age can be 0.
 * The fitted pipeline treats these zeros as missing (see pimaPreprocessing), so the data keeps them.
 */
export const ZERO_MEANS_MISSING = ['Glucose', 'BloodPressure', 'SkinThickness', 'Insulin', 'BMI'] as const;

export interface PimaData {
  /** The file's bytes, for the dataset digest. */
  raw: Uint8Array;
  frame: DataFrame;
}

export interface CleansedPima {
  /** The features, as in the file (impossible zeros included), and the target, in FEATURES order then TARGET. */
  frame: DataFrame;
  /** How many zeros the model's imputer will treat as missing, per ZERO_MEANS_MISSING column. */
  zerosMarkedMissing: Record<string, number>;
  /** Rows dropped because their Outcome was missing or not 0/1. */
  rowsDropped: number;
}

export async function loadPima(path: string): Promise<PimaData> {
  const raw = await readFile(path);
  return { raw, frame: parseCsv(raw.toString('utf8')) };
}

/**
 * Checks the columns, counts the impossible zeros and drops rows without a usable label. The
 * zeros stay in the data: treating them as missing and imputing them is a step of the trained
 * pipeline (pimaPreprocessing), learnt from the training rows only and exported into the ONNX
 * graph, so the served and registered model takes raw rows exactly as the CSV holds them.
 */
export function cleansePima(frame: DataFrame): CleansedPima {
  const missingColumns = [...FEATURES, TARGET].filter((name) => !frame.has(name));
  if (missingColumns.length > 0) {
    throw new Error(`the Pima data lacks column(s) ${missingColumns.join(', ')}; it has ${frame.columnNames.join(', ')}`);
  }
  for (const name of [...FEATURES, TARGET]) {
    if (frame.column(name).type !== 'number') throw new Error(`column ${name} must be numeric; it holds text`);
  }
  const outcome = frame.numbers(TARGET);
  const keep: number[] = [];
  for (let i = 0; i < frame.rowCount; i++) if (outcome[i] === 0 || outcome[i] === 1) keep.push(i);
  const kept = (keep.length === frame.rowCount ? frame : frame.take(keep)).select([...FEATURES, TARGET]);

  const zerosMarkedMissing: Record<string, number> = {};
  for (const name of ZERO_MEANS_MISSING) zerosMarkedMissing[name] = kept.numbers(name).filter((v) => v === 0).length;
  return { frame: kept, zerosMarkedMissing, rowsDropped: frame.rowCount - kept.rowCount };
}

/**
 * The cleansing that travels with the model. First the impossible zeros and empty cells of
 * ZERO_MEANS_MISSING become the training median of the real readings (medians, not means, because
 * Insulin and SkinThickness are skewed); then an empty cell in the other columns (none in the
 * file, but a caller of the served model may send null) becomes that column's training median.
 */
export function pimaPreprocessing(): Transformer[] {
  const zeroIsReal = FEATURES.filter((name) => !(ZERO_MEANS_MISSING as readonly string[]).includes(name));
  return [
    new SimpleImputer({ strategy: 'median', columns: ZERO_MEANS_MISSING, missingValue: 0 }),
    new SimpleImputer({ strategy: 'median', columns: zeroIsReal }),
  ];
}
