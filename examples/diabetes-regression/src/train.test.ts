import { describe, expect, it } from 'vitest';
import { DataFrame, RidgeRegression, SimpleImputer } from '@modelyard/learn';
import { FEATURES, cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitDiabetes } from './split.js';
import { trainParams, trainRegressor } from './train.js';

const mean = (v: Float64Array) => {
  // The pipeline rounds inputs to float32 on entry, as the ONNX graph's float input does.
  const present = v.filter((x) => !Number.isNaN(x)).map(Math.fround);
  return present.reduce((a, b) => a + b, 0) / present.length;
};

describe('trainRegressor', async () => {
  const { frame } = cleanseDiabetes((await loadDiabetes(DEFAULT_DATA_PATH)).frame);
  const { train, test } = splitDiabetes(frame, { seed: 42, testSize: 0.2 });

  it('fills empty cells with the training means, not the whole data set’s', () => {
    const model = trainRegressor(train, { alpha: 1, seed: 42 });
    const imputer = model.steps[0] as SimpleImputer;
    for (const name of ['S1', 'S2', 'BP']) expect(imputer.fillValues!.get(name)).toBe(Math.fround(mean(train.numbers(name))));
    expect(imputer.fillValues!.get('S2')).not.toBe(Math.fround(mean(frame.numbers('S2'))));
  });

  it('recovers a known linear relation with a negligible alpha', () => {
    const n = 40;
    const sex = Array.from({ length: n }, (_, i) => (i % 3 ? 'Male' : 'Female'));
    const numeric: Record<string, number[]> = {};
    FEATURES.forEach((f, j) => {
      if (f !== 'SEX') numeric[f] = Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1)));
    });
    const y = sex.map((s, i) => 100 + 50 * numeric.BMI![i]! - 20 * numeric.S5![i]! + (s === 'Male' ? 7 : 0));
    const data = DataFrame.fromColumns({ ...numeric, SEX: sex, Y: y });
    // Not 0: SEX=Female + SEX=Male equals the intercept column, which only a penalty makes solvable.
    const model = trainRegressor(data, { alpha: 1e-6, seed: 1 });
    const predicted = model.predict(data);
    predicted.forEach((p, i) => expect(p).toBeCloseTo(y[i]!, 3));
    expect((model.estimator as RidgeRegression).alpha).toBe(1e-6);
  });

  it('shrinks harder with a larger alpha and takes rows with empty cells and unseen labels', () => {
    const norm = (alpha: number) => Math.hypot(...(trainRegressor(train, { alpha, seed: 1 }).estimator as RidgeRegression).coefficients!);
    expect(norm(100)).toBeLessThan(norm(1));
    const model = trainRegressor(train, { alpha: 1, seed: 1 });
    const odd = DataFrame.fromColumns({ ...Object.fromEntries(FEATURES.map((f) => [f, [f === 'SEX' ? 'Unknown' : null]])) });
    expect(Number.isFinite(model.predict(odd)[0]!)).toBe(true);
    expect(model.predict(test)).toHaveLength(88);
  });

  it('rejects a negative alpha and records its params', () => {
    expect(() => trainRegressor(train, { alpha: -1, seed: 1 })).toThrow('alpha must be ≥ 0');
    expect(trainParams({ alpha: 0.5, seed: 3 })).toMatchObject({ model: 'ridge', alpha: '0.5', seed: '3', imputation: 'mean' });
  });
});
