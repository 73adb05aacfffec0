import { Random } from '../random.js';
import type { DataFrame } from './data-frame.js';

export interface SplitOptions {
  /** Fraction of rows (0 < testSize < 1) or a row count (≥ 1) for the test part. */
  testSize?: number;
  seed?: number;
  /** Column whose class proportions both parts keep. */
  stratify?: string;
}

export interface Split {
  train: DataFrame;
  test: DataFrame;
  trainRows: number[];
  testRows: number[];
}

/** Seeded shuffle split; with `stratify`, each class is split separately in the same proportion. */
export function trainTestSplit(frame: DataFrame, options: SplitOptions = {}): Split {
  const n = frame.rowCount;
  const testSize = options.testSize ?? 0.25;
  if (!(testSize > 0) || (testSize >= 1 && !Number.isInteger(testSize)) || testSize >= n) {
    throw new RangeError(`testSize must be a fraction in (0, 1) or a whole row count below ${n}, got ${testSize}`);
  }
  const fraction = testSize < 1 ? testSize : testSize / n;
  const random = new Random(options.seed ?? 0);
  const testRows: number[] = [];
  const trainRows: number[] = [];
  for (const group of groupRows(frame, options.stratify)) {
    random.shuffle(group);
    const testCount = Math.round(group.length * fraction);
    testRows.push(...group.slice(0, testCount));
    trainRows.push(...group.slice(testCount));
  }
  // Stratified groups come out class by class; a final shuffle keeps neither part sorted by class.
  random.shuffle(testRows);
  random.shuffle(trainRows);
  if (testRows.length === 0 || trainRows.length === 0) {
    throw new RangeError(`testSize ${testSize} leaves one part empty for ${n} rows`);
  }
  return { train: frame.take(trainRows), test: frame.take(testRows), trainRows, testRows };
}

function groupRows(frame: DataFrame, stratify: string | undefined): number[][] {
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  if (stratify === undefined) return [all];
  const column = frame.column(stratify);
  const groups = new Map<string, number[]>();
  for (const row of all) {
    const key = String(column.values[row]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.keys()].sort().map((key) => groups.get(key)!);
}
