import { choleskySolve } from '../linalg/cholesky.js';
import type { Matrix } from '../linalg/matrix.js';
import { assertTrained, checkRows, checkWidth, type Regressor } from './estimator.js';

export interface RidgeOptions {
  /** L2 penalty on the coefficients (not the intercept). 0 gives ordinary least squares. */
  alpha?: number;
}

/** Linear regression with an L2 penalty, solved in closed form on centred data. */
export class RidgeRegression implements Regressor {
  readonly task = 'regression' as const;
  readonly alpha: number;
  coefficients: Float64Array | undefined;
  intercept = 0;

  constructor(options: RidgeOptions = {}) {
    this.alpha = options.alpha ?? 1;
    if (!(this.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${this.alpha}`);
  }

  fit(x: Matrix, y: Float64Array): this {
    checkRows(x, y.length, 'RidgeRegression');
    const { rows: n, cols: f, data } = x;
    const xMean = new Float64Array(f);
    let yMean = 0;
    for (let i = 0; i < n; i++) {
      yMean += y[i];
      for (let j = 0; j < f; j++) xMean[j] += data[i * f + j];
    }
    yMean /= n;
    for (let j = 0; j < f; j++) xMean[j] /= n;
    // (XcᵀXc + αI) w = Xcᵀ yc, with Xc, yc centred so the intercept is not penalised.
    const gram = new Float64Array(f * f);
    const rhs = new Float64Array(f);
    const row = new Float64Array(f);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) row[j] = data[i * f + j] - xMean[j];
      const yc = y[i] - yMean;
      for (let a = 0; a < f; a++) {
        rhs[a] += row[a] * yc;
        for (let b = 0; b <= a; b++) gram[a * f + b] += row[a] * row[b];
      }
    }
    for (let a = 0; a < f; a++) {
      for (let b = 0; b < a; b++) gram[b * f + a] = gram[a * f + b];
      gram[a * f + a] += this.alpha;
    }
    const w = f > 0 ? choleskySolve(gram, rhs, f) : new Float64Array(0);
    let intercept = yMean;
    for (let j = 0; j < f; j++) intercept -= w[j] * xMean[j];
    this.coefficients = w;
    this.intercept = intercept;
    return this;
  }

  predict(x: Matrix): Float64Array {
    const w = assertTrained(this.coefficients, 'RidgeRegression');
    checkWidth(x, w.length, 'RidgeRegression');
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let sum = this.intercept;
      for (let j = 0; j < x.cols; j++) sum += w[j] * x.data[i * x.cols + j];
      out[i] = sum;
    }
    return out;
  }
}
