import { describe, expect, it } from 'vitest';
import { cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { ALPHA_GRID, alphaCurve } from './curves.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitDiabetes } from './split.js';

describe('alphaCurve', async () => {
  const { frame } = cleanseDiabetes((await loadDiabetes(DEFAULT_DATA_PATH)).frame);
  const { train } = splitDiabetes(frame, { seed: 42, testSize: 0.2 });

  it('fits every alpha of the grid on part of the training rows and measures the rest', () => {
    const curve = alphaCurve(train, { seed: 42 });
    expect(curve.points.map((p) => [p.step, p.alpha])).toEqual(ALPHA_GRID.map((a, i) => [i, a]));
    expect(curve.rows.fit + curve.rows.validation).toBe(train.rowCount);
    expect(curve.rows.validation).toBe(Math.round(train.rowCount * 0.25));
    // More penalty, a worse fit of the rows the model saw…
    for (let i = 1; i < curve.points.length; i++) expect(curve.points[i]!.trainRmse).toBeGreaterThanOrEqual(curve.points[i - 1]!.trainRmse - 1e-9);
    // …and on unseen rows a heavy penalty underfits: the curve is not flat.
    const last = curve.points.at(-1)!;
    const best = curve.points.find((p) => p.alpha === curve.bestAlpha)!;
    expect(best.valRmse).toBe(Math.min(...curve.points.map((p) => p.valRmse)));
    expect(last.valRmse).toBeGreaterThan(best.valRmse + 5);
  });

  it('takes its own grid and refuses an empty one', () => {
    expect(alphaCurve(train, { seed: 1, alphas: [0.5, 5] }).points.map((p) => p.alpha)).toEqual([0.5, 5]);
    expect(() => alphaCurve(train, { seed: 1, alphas: [] })).toThrow('the alpha grid is empty');
  });
});
