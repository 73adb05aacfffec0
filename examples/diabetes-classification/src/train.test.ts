import { describe, expect, it } from 'vitest';
import { DataFrame, SimpleImputer } from '@modelyard/learn';
import { FEATURES, cleansePima, loadPima } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitPima } from './split.js';
import { trainClassifier, trainParams } from './train.js';

/** Median of the real readings: neither empty nor an impossible zero. */
function median(values: Float64Array): number {
  const present = Float64Array.from(values.filter((v) => !Number.isNaN(v) && v !== 0)).sort();
  const mid = present.length >> 1;
  return present.length % 2 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
}

describe('trainClassifier', async () => {
  const { frame } = cleansePima((await loadPima(DEFAULT_DATA_PATH)).frame);
  const { train, test } = splitPima(frame, { seed: 42, testSize: 0.2 });

  it('learns the imputation medians from the training rows only', () => {
    const model = trainClassifier(train, { model: 'random-forest', nTrees: 5, seed: 1 });
    const imputer = model.steps[0] as SimpleImputer;
    for (const name of ['Insulin', 'SkinThickness', 'Glucose']) {
      expect(imputer.fillValues!.get(name)).toBe(Math.fround(median(train.numbers(name))));
    }
    expect(imputer.fillValues!.get('Insulin')).not.toBe(Math.fround(median(frame.numbers('Insulin'))));
  });

  it('is deterministic for a seed, and a different seed gives a different forest', () => {
    const p = (seed: number) => trainClassifier(train, { model: 'random-forest', nTrees: 20, seed }).predictProba(test);
    expect(p(3)).toEqual(p(3));
    expect(p(4)).not.toEqual(p(3));
  });

  it('scores impossible zeros and missing values as the training medians', () => {
    const model = trainClassifier(train, { model: 'gradient-boosting', nTrees: 30, seed: 1 });
    const fill = (model.steps[0] as SimpleImputer).fillValues!;
    const ageMedian = (model.steps[1] as SimpleImputer).fillValues!.get('Age')!;
    const row = { Pregnancies: 2, Glucose: 0, BloodPressure: 70, SkinThickness: NaN, Insulin: 0, BMI: 31, DiabetesPedigreeFunction: 0.4, Age: NaN };
    const filled = { ...row, Glucose: fill.get('Glucose')!, SkinThickness: fill.get('SkinThickness')!, Insulin: fill.get('Insulin')!, Age: ageMedian };
    const asFrame = (r: Record<string, number>) => DataFrame.fromColumns(Object.fromEntries(FEATURES.map((f) => [f, [r[f]!]])));
    const [withMissing] = model.predictProba(asFrame(row));
    expect(withMissing!.every(Number.isFinite)).toBe(true);
    expect(withMissing).toEqual(model.predictProba(asFrame(filled))[0]);
    expect(ageMedian).toBe(Math.fround(median(train.numbers('Age'))));
  });

  it('rejects a tree count that is not a whole number and records its params', () => {
    expect(() => trainClassifier(train, { model: 'random-forest', nTrees: 0, seed: 1 })).toThrow('nTrees must be a whole number');
    expect(trainParams({ model: 'gradient-boosting', nTrees: 50, seed: 9, maxDepth: 3 })).toEqual({
      model: 'gradient-boosting',
      n_trees: '50',
      max_depth: '3',
      seed: '9',
      imputation: 'median',
    });
  });
});
