import { readFile } from 'node:fs/promises';
import { DataFrame, parseCsv } from '@modelyard/learn';

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
 */
export const ZERO_MEANS_MISSING = ['Glucose', 'BloodPressure', 'SkinThickness', 'Insulin', 'BMI'] as const;

export interface PimaData {
  /** The file's bytes, for the dataset digest. */
  raw: Uint8Array;
  frame: DataFrame;
}

export interface CleansedPima {
  /** The features (missing → NaN) and the target, in FEATURES order then TARGET. */
  frame: DataFrame;
  /** How many zeros became missing values, per column. */
  zerosMarkedMissing: Record<string, number>;
  /** Rows dropped because their Outcome was missing or not 0/1. */
  rowsDropped: number;
}

export async function loadPima(path: string): Promise<PimaData> {
  const raw = await readFile(path);
  return { raw, frame: parseCsv(raw.toString('utf8')) };
}

/**
 * Checks the columns, marks the impossible zeros as missing (the model's imputer fills them with
 * training medians), and drops rows without a usable label. Imputation itself is not done here:
 * it is a step of the trained pipeline, so it is learnt from the training rows only and exported
 * into the ONNX graph with the model.
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
  const kept = keep.length === frame.rowCount ? frame : frame.take(keep);

  const zerosMarkedMissing: Record<string, number> = {};
  const columns = [...FEATURES, TARGET].map((name) => {
    const values = kept.numbers(name);
    if (!(ZERO_MEANS_MISSING as readonly string[]).includes(name)) return [name, values] as const;
    let zeros = 0;
    const cleaned = values.map((v) => {
      if (v !== 0) return v;
      zeros++;
      return Number.NaN;
    });
    zerosMarkedMissing[name] = zeros;
    return [name, cleaned] as const;
  });
  return {
    frame: new DataFrame(columns.map(([name, values]) => [name, { type: 'number', values }] as const)),
    zerosMarkedMissing,
    rowsDropped: frame.rowCount - kept.rowCount,
  };
}
