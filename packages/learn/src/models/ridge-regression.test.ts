import { describe, expect, it } from 'vitest';
import { fromColumns } from '../linalg/matrix.js';
import { RidgeRegression } from './ridge-regression.js';

describe('RidgeRegression', () => {
  it('matches the one-feature closed form w = Σxy / (Σx² + α) on centred data', () => {
    const x = fromColumns([[1, 2, 3, 4]], 4);
    const y = Float64Array.of(2, 4, 5, 8);
    const model = new RidgeRegression({ alpha: 1 }).fit(x, y);
    // centred x: -1.5 -0.5 0.5 1.5 (Σx² = 5); centred y: -2.75 -0.75 0.25 3.25 (Σxy = 9.5)
    expect(model.coefficients![0]).toBeCloseTo(9.5 / 6, 12);
    expect(model.intercept).toBeCloseTo(4.75 - (9.5 / 6) * 2.5, 12);
    expect(Array.from(model.predict(fromColumns([[10]], 1)))[0]).toBeCloseTo(4.75 + (9.5 / 6) * 7.5, 12);
  });

  it('matches the two-feature closed form (XᵀX + αI)⁻¹Xᵀy', () => {
    const a = [1, 2, 4, 3, 5, 7];
    const b = [2, 1, 3, 5, 4, 4];
    const y = Float64Array.of(3, 4, 9, 8, 12, 14);
    const alpha = 0.5;
    const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
    const [ma, mb, my] = [mean(a), mean(b), mean(Array.from(y))];
    const ac = a.map((v) => v - ma);
    const bc = b.map((v) => v - mb);
    const yc = Array.from(y, (v) => v - my);
    const dot = (u: number[], v: number[]) => u.reduce((s, t, i) => s + t * v[i], 0);
    const [s11, s12, s22] = [dot(ac, ac) + alpha, dot(ac, bc), dot(bc, bc) + alpha];
    const [r1, r2] = [dot(ac, yc), dot(bc, yc)];
    const det = s11 * s22 - s12 * s12;
    const w1 = (s22 * r1 - s12 * r2) / det;
    const w2 = (s11 * r2 - s12 * r1) / det;
    const model = new RidgeRegression({ alpha }).fit(fromColumns([a, b], 6), y);
    expect(model.coefficients![0]).toBeCloseTo(w1, 10);
    expect(model.coefficients![1]).toBeCloseTo(w2, 10);
    expect(model.intercept).toBeCloseTo(my - w1 * ma - w2 * mb, 10);
  });

  it('recovers an exact linear relation with alpha = 0', () => {
    const a = [0, 1, 2, 3, 4];
    const b = [1, 0, 2, 5, 3];
    const y = Float64Array.from(a, (v, i) => 3 + 2 * v - b[i]);
    const model = new RidgeRegression({ alpha: 0 }).fit(fromColumns([a, b], 5), y);
    expect(model.coefficients![0]).toBeCloseTo(2, 10);
    expect(model.coefficients![1]).toBeCloseTo(-1, 10);
    expect(model.intercept).toBeCloseTo(3, 10);
  });

  it('refuses collinear features without regularisation', () => {
    expect(() => new RidgeRegression({ alpha: 0 }).fit(fromColumns([[1, 2, 3], [2, 4, 6]], 3), Float64Array.of(1, 2, 3))).toThrow(
      /positive definite/,
    );
  });
});
