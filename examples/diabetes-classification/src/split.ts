import { trainTestSplit } from '@modelyard/learn';
import type { DataFrame, Split } from '@modelyard/learn';
import { TARGET } from './cleanse.js';

export interface SplitOptions {
  seed: number;
  /** Fraction of rows held out for evaluation. */
  testSize: number;
}

/**
 * Seeded, stratified on Outcome: both parts keep the data's share of diabetic patients (about
 * 35 %), so the holdout metrics do not move with how many positives happened to land in it.
 */
export function splitPima(frame: DataFrame, opts: SplitOptions): Split {
  return trainTestSplit(frame, { testSize: opts.testSize, seed: opts.seed, stratify: TARGET });
}
