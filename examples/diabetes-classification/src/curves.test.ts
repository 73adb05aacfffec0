import { describe, expect, it } from 'vitest';
import { cleansePima, loadPima } from './cleanse.js';
import { holdoutCurve } from './curves.js';
import { evaluateClassifier } from './evaluate.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitPima } from './split.js';
import { trainClassifier } from './train.js';

describe('holdoutCurve', async () => {
  const { frame } = cleansePima((await loadPima(DEFAULT_DATA_PATH)).frame);
  const { train, test } = splitPima(frame, { seed: 42, testSize: 0.2 });

  it('gives a forest one point per tree count, ending at the model’s own holdout figures', () => {
    const model = trainClassifier(train, { model: 'random-forest', nTrees: 20, seed: 1 });
    const curve = holdoutCurve(model, test);
    expect(curve.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const final = evaluateClassifier(model, test);
    expect(curve.at(-1)!.rocAuc).toBe(final.roc_auc);
    expect(curve.at(-1)!.logLoss).toBe(final.log_loss);
    // A single tree ranks far worse than twenty: the curve has somewhere to go.
    expect(curve[0]!.rocAuc).toBeLessThan(curve.at(-1)!.rocAuc - 0.05);
    for (const p of curve) {
      expect(p.rocAuc).toBeGreaterThan(0.5);
      expect(p.rocAuc).toBeLessThanOrEqual(1);
      expect(p.logLoss).toBeGreaterThan(0);
    }
  });

  it('follows boosting round by round: the holdout log loss falls from the first round', () => {
    const model = trainClassifier(train, { model: 'gradient-boosting', nTrees: 30, seed: 1 });
    const curve = holdoutCurve(model, test);
    expect(curve).toHaveLength(30);
    const final = evaluateClassifier(model, test);
    expect(curve.at(-1)!.rocAuc).toBe(final.roc_auc);
    expect(curve.at(-1)!.logLoss).toBe(final.log_loss);
    expect(curve.at(-1)!.logLoss).toBeLessThan(curve[0]!.logLoss);
  });

  it('samples every n-th step, always keeping the first and the last', () => {
    const model = trainClassifier(train, { model: 'random-forest', nTrees: 22, seed: 1 });
    expect(holdoutCurve(model, test, { every: 5 }).map((p) => p.step)).toEqual([1, 5, 10, 15, 20, 22]);
  });
});
