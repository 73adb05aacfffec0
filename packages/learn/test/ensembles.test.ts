import { beforeAll, describe, expect, it } from 'vitest';
import {
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  Pipeline,
  RandomForestClassifier,
  RandomForestRegressor,
  SimpleImputer,
  OneHotEncoder,
  accuracy,
  r2Score,
  readCsv,
  rocAuc,
  trainTestSplit,
  type DataFrame,
} from '../src/index.js';
import { sharedData } from './helpers/data.js';

let pima: DataFrame;
let diabetes: DataFrame;

beforeAll(async () => {
  pima = await readCsv(sharedData('pima_diabetes.csv'));
  diabetes = await readCsv(sharedData('sklearn_diabetes_raw.csv'));
});

describe('tree ensembles on Pima beat the majority-class baseline', () => {
  const cases = [
    ['random forest', () => new RandomForestClassifier({ nTrees: 100, seed: 1 })],
    ['gradient-boosted trees', () => new GradientBoostingClassifier({ nEstimators: 100, seed: 1 })],
  ] as const;
  for (const [name, make] of cases) {
    it(name, () => {
      const { train, test } = trainTestSplit(pima, { testSize: 0.25, seed: 11, stratify: 'Outcome' });
      const y = test.numbers('Outcome');
      const positives = Array.from(y).filter((v) => v === 1).length;
      const baseline = Math.max(positives, y.length - positives) / y.length;
      const pipeline = new Pipeline([], make()).fit(train, 'Outcome');
      const acc = accuracy(y, pipeline.predict(test));
      const auc = rocAuc(y, pipeline.predictProba(test).map((row) => row[1]));
      expect(baseline).toBeCloseTo(0.65, 1);
      expect(acc).toBeGreaterThan(baseline + 0.05);
      expect(auc).toBeGreaterThan(0.78);
    });
  }
});

describe('tree ensembles on the diabetes regression beat predicting the mean', () => {
  const cases = [
    ['random forest', () => new RandomForestRegressor({ nTrees: 100, seed: 1 })],
    ['gradient-boosted trees', () => new GradientBoostingRegressor({ nEstimators: 100, seed: 1 })],
  ] as const;
  for (const [name, make] of cases) {
    it(name, () => {
      const { train, test } = trainTestSplit(diabetes, { testSize: 0.25, seed: 3 });
      const pipeline = new Pipeline([new SimpleImputer(), new OneHotEncoder()], make()).fit(train, 'Y');
      // Predicting the training mean scores R² ≤ 0 on the test part; the published models reach ~0.4.
      expect(r2Score(test.numbers('Y'), pipeline.predict(test))).toBeGreaterThan(0.25);
    });
  }
});

describe('seeded training is deterministic', () => {
  it('gives identical forests for the same seed and different ones for another seed', () => {
    const fit = (seed: number) => new Pipeline([], new RandomForestClassifier({ nTrees: 20, seed })).fit(pima, 'Outcome');
    const a = fit(5);
    const b = fit(5);
    const c = fit(6);
    expect(a.predictProba(pima)).toEqual(b.predictProba(pima));
    expect(c.predictProba(pima)).not.toEqual(a.predictProba(pima));
  });

  it('gives identical stochastic boosting for the same seed', () => {
    const fit = (seed: number) =>
      new Pipeline([], new GradientBoostingClassifier({ nEstimators: 20, subsample: 0.7, seed })).fit(pima, 'Outcome');
    expect(fit(9).predictProba(pima)).toEqual(fit(9).predictProba(pima));
    expect(fit(10).predictProba(pima)).not.toEqual(fit(9).predictProba(pima));
  });
});
