import { trainTestSplit } from '@modelyard/learn';
import type { DataFrame, Split } from '@modelyard/learn';

export interface SplitOptions {
  seed: number;
  /** Fraction of rows held out for evaluation. */
  testSize: number;
}

/** Seeded shuffle split (a continuous target: nothing to stratify on). */
export function splitDiabetes(frame: DataFrame, opts: SplitOptions): Split {
  return trainTestSplit(frame, { testSize: opts.testSize, seed: opts.seed });
}
