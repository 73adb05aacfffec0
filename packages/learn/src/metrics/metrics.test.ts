import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { accuracy, confusionMatrix, f1Score, logLoss, precision, recall } from './classification.js';
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from './regression.js';
import { rocAuc } from './roc-auc.js';

describe('classification metrics', () => {
  const yTrue = [1, 0, 1, 1, 0, 0, 1, 1];
  const yPred = [1, 0, 0, 1, 1, 0, 1, 0];
  // tp = 3, fp = 1, fn = 2, tn = 2

  it('computes binary accuracy, precision, recall and F1 from the counts', () => {
    expect(accuracy(yTrue, yPred)).toBe(5 / 8);
    expect(precision(yTrue, yPred)).toBe(3 / 4);
    expect(recall(yTrue, yPred)).toBe(3 / 5);
    expect(f1Score(yTrue, yPred)).toBeCloseTo((2 * 3) / (2 * 3 + 1 + 2), 15);
    expect(precision(yTrue, yPred, { positiveLabel: 0 })).toBe(2 / 4);
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [2, 1],
      [2, 3],
    ]);
  });

  it('averages per class for multiclass targets', () => {
    const t = [0, 0, 1, 1, 2, 2];
    const p = [0, 1, 1, 1, 2, 0];
    expect(precision(t, p, { average: 'macro' })).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 12);
    expect(recall(t, p, { average: 'macro' })).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 12);
    expect(f1Score(t, p, { average: 'macro' })).toBeCloseTo((1 / 2 + 4 / 5 + 2 / 3) / 3, 12);
    expect(f1Score(t, p, { average: 'micro' })).toBeCloseTo(4 / 6, 12);
    expect(recall(t, p, { average: 'weighted' })).toBeCloseTo(4 / 6, 12);
  });

  it('reports 0 when nothing is predicted positive', () => {
    expect(precision([1, 0], [0, 0])).toBe(0);
    expect(f1Score([1, 0], [0, 0])).toBe(0);
  });

  it('computes log loss from positive-class probabilities or full rows', () => {
    const expected = -(Math.log(0.8) + Math.log(0.7)) / 2;
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(expected, 15);
    expect(logLoss([1, 0], [[0.2, 0.8], [0.7, 0.3]])).toBeCloseTo(expected, 15);
    expect(logLoss([2], [[0.1, 0.2, 0.7]], [0, 1, 2])).toBeCloseTo(-Math.log(0.7), 15);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 10);
  });
});

describe('rocAuc', () => {
  it('matches hand-computed values, ties counting one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    // pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.2) 1, (0.9, 0.5) 1, (0.9, 0.2) 1 → 3.5 / 4
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
  });

  it('equals the pairwise definition on random scores with many ties', () => {
    const random = new Random(5);
    const y = Array.from({ length: 300 }, () => (random.next() < 0.3 ? 1 : 0));
    const s = y.map((v) => Math.round((random.next() + v * 0.3) * 10) / 10);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 1) continue;
      for (let j = 0; j < y.length; j++) {
        if (y[j] !== 0) continue;
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 12);
  });

  it('needs both classes', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/both positive and negative/);
  });
});

describe('regression metrics', () => {
  const t = [3, -0.5, 2, 7];
  const p = [2.5, 0, 2, 8];

  it('computes MSE, RMSE, MAE and R²', () => {
    expect(meanSquaredError(t, p)).toBe(0.375);
    expect(rootMeanSquaredError(t, p)).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(meanAbsoluteError(t, p)).toBe(0.5);
    // mean 2.875, SS_tot = 29.1875, SS_res = 1.5
    expect(r2Score(t, p)).toBeCloseTo(1 - 1.5 / 29.1875, 15);
    expect(r2Score(t, t)).toBe(1);
  });
});
