import { describe, expect, it } from 'vitest';
import { DataFrame } from '@modelyard/learn';
import { FEATURES, cleansePima, loadPima } from './cleanse.js';
import { checkQualityBar, evaluateClassifier, MIN_ROC_AUC } from './evaluate.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitPima } from './split.js';
import { trainClassifier } from './train.js';

/** Rows where Glucose alone decides the label. */
function separable(n: number, offset: number): DataFrame {
  const cols: Record<string, number[]> = Object.fromEntries(FEATURES.map((f) => [f, []]));
  const outcome: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const f of FEATURES) cols[f]!.push(f === 'Glucose' ? (i % 2 ? 180 : 90) + ((i + offset) % 7) : 30 + ((i * 7 + offset) % 11));
    outcome.push(i % 2);
  }
  return DataFrame.fromColumns({ ...cols, Outcome: outcome });
}

describe('evaluateClassifier', () => {
  it('gives perfect figures for a perfectly separable holdout', () => {
    const model = trainClassifier(separable(60, 0), { model: 'random-forest', nTrees: 10, seed: 1 });
    const m = evaluateClassifier(model, separable(20, 3));
    expect(m).toMatchObject({ roc_auc: 1, accuracy: 1, f1: 1, precision: 1, recall: 1 });
    expect(m.log_loss).toBeGreaterThan(0);
    expect(m.log_loss).toBeLessThan(0.2);
  });

  it('clears the ROC AUC bar with 100 trees on the seeded stratified 80/20 split', async () => {
    const { frame } = cleansePima((await loadPima(DEFAULT_DATA_PATH)).frame);
    const { train, test } = splitPima(frame, { seed: 42, testSize: 0.2 });
    const m = evaluateClassifier(trainClassifier(train, { model: 'random-forest', nTrees: 100, seed: 42 }), test);
    expect(m.roc_auc).toBeGreaterThanOrEqual(MIN_ROC_AUC);
    expect(m.accuracy).toBeGreaterThan(0.7);
    // F1 is the harmonic mean of precision and recall.
    expect(m.f1).toBeCloseTo((2 * m.precision * m.recall) / (m.precision + m.recall), 12);
    expect(() => checkQualityBar(m)).not.toThrow();
  });

  it('refuses a model below the bar, naming the figure', () => {
    const m = { roc_auc: 0.74, accuracy: 0.7, f1: 0.5, precision: 0.5, recall: 0.5, log_loss: 0.6 };
    expect(() => checkQualityBar(m)).toThrow('ROC AUC 0.7400 on the holdout is below the bar of 0.8');
  });
});
