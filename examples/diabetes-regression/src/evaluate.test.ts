import { describe, expect, it } from 'vitest';
import { DataFrame } from '@modelyard/learn';
import { FEATURES, cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { checkQualityBar, evaluateRegressor, MIN_R2 } from './evaluate.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitDiabetes } from './split.js';
import { trainRegressor } from './train.js';

/** Y = 10·BMI + 3 exactly, other columns noise-free constants. */
function linear(bmi: number[], offset = 0): DataFrame {
  const cols: Record<string, number[] | string[]> = {};
  for (const f of FEATURES) cols[f] = f === 'SEX' ? bmi.map(() => 'Male') : bmi.map((b) => (f === 'BMI' ? b : 0));
  return DataFrame.fromColumns({ ...cols, Y: bmi.map((b) => 10 * b + 3 + offset) });
}

describe('evaluateRegressor', () => {
  it('computes hand-checkable errors for a constant offset', () => {
    // A negligible penalty: the constant columns and the one SEX label leave the problem singular without one.
    const model = trainRegressor(linear([0, 1, 2, 3, 4, 5]), { alpha: 1e-8, seed: 1 });
    // The model predicts 10·BMI + 3; the holdout's truth is 2 higher everywhere.
    const m = evaluateRegressor(model, linear([1, 2, 3], 2));
    expect(m.mse).toBeCloseTo(4, 4);
    expect(m.rmse).toBeCloseTo(2, 4);
    expect(m.mae).toBeCloseTo(2, 4);
    // R² = 1 − SS_res/SS_tot = 1 − 12/200.
    expect(m.r2).toBeCloseTo(1 - 12 / 200, 4);
  });

  it('clears the R² bar on the seeded 80/20 split', async () => {
    const { frame } = cleanseDiabetes((await loadDiabetes(DEFAULT_DATA_PATH)).frame);
    const { train, test } = splitDiabetes(frame, { seed: 42, testSize: 0.2 });
    const m = evaluateRegressor(trainRegressor(train), test);
    expect(m.r2).toBeGreaterThanOrEqual(MIN_R2);
    expect(m.rmse).toBeCloseTo(Math.sqrt(m.mse), 9);
    expect(() => checkQualityBar(m)).not.toThrow();
  });

  it('refuses a model below the bar, naming the figure', () => {
    expect(() => checkQualityBar({ mse: 1, rmse: 1, mae: 1, r2: 0.12 })).toThrow('R² 0.1200 on the holdout is below the bar of 0.3');
  });
});
