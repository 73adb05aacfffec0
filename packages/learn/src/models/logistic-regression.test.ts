import { describe, expect, it } from 'vitest';
import { fromColumns } from '../linalg/matrix.js';
import { LogisticRegression } from './logistic-regression.js';

describe('LogisticRegression', () => {
  it('converges on a separable set to the stationary point of the penalised loss', () => {
    const xs = [-3, -2, -1, -0.5, 0.5, 1, 2, 3];
    const y = Int32Array.from(xs, (v) => (v > 0 ? 1 : 0));
    const model = new LogisticRegression({ c: 1 }).fit(fromColumns([xs], xs.length), y, 2);
    expect(model.converged).toBe(true);
    const w = model.coefficients![0];
    const b = model.intercepts![0];
    // ∂/∂w: Σ (p - y) x + w / C = 0;  ∂/∂b: Σ (p - y) = 0 (float32-rounded parameters, hence 1e-5)
    const p = xs.map((v) => 1 / (1 + Math.exp(-(w * v + b))));
    const gw = p.reduce((s, pi, i) => s + (pi - y[i]) * xs[i], 0) + w;
    const gb = p.reduce((s, pi, i) => s + (pi - y[i]), 0);
    expect(Math.abs(gw)).toBeLessThan(1e-5);
    expect(Math.abs(gb)).toBeLessThan(1e-5);
    expect(w).toBeGreaterThan(0);
    const proba = model.predictProba(fromColumns([xs], xs.length));
    for (let i = 0; i < xs.length; i++) {
      expect(proba.data[i * 2] + proba.data[i * 2 + 1]).toBeCloseTo(1, 12);
      expect(proba.data[i * 2 + 1] > 0.5 ? 1 : 0).toBe(y[i]);
    }
  });

  it('fits three separated classes with a multinomial model', () => {
    const a: number[] = [];
    const b: number[] = [];
    const labels: number[] = [];
    const centres = [
      [0, 0],
      [5, 0],
      [0, 5],
    ];
    centres.forEach(([ca, cb], k) => {
      for (let i = 0; i < 10; i++) {
        a.push(ca + Math.cos(i) * 0.8);
        b.push(cb + Math.sin(i * 1.7) * 0.8);
        labels.push(k);
      }
    });
    const x = fromColumns([a, b], a.length);
    const model = new LogisticRegression().fit(x, Int32Array.from(labels), 3);
    expect(model.converged).toBe(true);
    expect(model.intercepts).toHaveLength(3);
    const proba = model.predictProba(x);
    labels.forEach((label, i) => {
      const row = Array.from(proba.data.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      expect(row.indexOf(Math.max(...row))).toBe(label);
    });
  });
});
