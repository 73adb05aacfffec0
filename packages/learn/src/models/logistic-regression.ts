import type { Matrix } from '../linalg/matrix.js';
import { newtonMinimize, type SecondOrder } from '../linalg/newton.js';
import { assertTrained, checkRows, checkWidth, type Classifier } from './estimator.js';

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as scikit-learn: loss sum + ‖w‖² / (2C). Intercepts are not penalised. */
  c?: number;
  maxIterations?: number;
  tolerance?: number;
}

/**
 * Logistic regression fitted by Newton's method: one logit for two classes, multinomial (softmax)
 * for more. Parameters are rounded to float32 after fitting, as the ONNX export stores them.
 */
export class LogisticRegression implements Classifier {
  readonly task = 'classification' as const;
  readonly c: number;
  readonly maxIterations: number;
  readonly tolerance: number;
  /** Row-major [logits × features]: one row when binary (the positive class), else one per class. */
  coefficients: Float64Array | undefined;
  intercepts: Float64Array | undefined;
  nClasses = 0;
  iterations = 0;
  converged = false;

  constructor(options: LogisticRegressionOptions = {}) {
    this.c = options.c ?? 1;
    this.maxIterations = options.maxIterations ?? 100;
    this.tolerance = options.tolerance ?? 1e-8;
    if (!(this.c > 0)) throw new RangeError(`c must be > 0, got ${this.c}`);
  }

  fit(x: Matrix, y: Int32Array, nClasses: number): this {
    checkRows(x, y.length, 'LogisticRegression');
    if (nClasses < 2) throw new Error('LogisticRegression needs at least two classes in the target');
    const logits = nClasses === 2 ? 1 : nClasses;
    const width = x.cols + 1;
    const objective = (theta: Float64Array) => this.objective(x, y, logits, theta, true) as SecondOrder;
    const lossAt = (theta: Float64Array) => this.objective(x, y, logits, theta, false).loss;
    const result = newtonMinimize(new Float64Array(logits * width), objective, lossAt, this.maxIterations, this.tolerance * x.rows);
    const coefficients = new Float64Array(logits * x.cols);
    const intercepts = new Float64Array(logits);
    for (let k = 0; k < logits; k++) {
      for (let j = 0; j < x.cols; j++) coefficients[k * x.cols + j] = Math.fround(result.theta[k * width + j]);
      intercepts[k] = Math.fround(result.theta[k * width + x.cols]);
    }
    this.coefficients = coefficients;
    this.intercepts = intercepts;
    this.nClasses = nClasses;
    this.iterations = result.iterations;
    this.converged = result.converged;
    return this;
  }

  /** Raw scores (logits), one column per logit. */
  decisionFunction(x: Matrix): Matrix {
    const w = assertTrained(this.coefficients, 'LogisticRegression');
    const b = assertTrained(this.intercepts, 'LogisticRegression');
    checkWidth(x, w.length / b.length, 'LogisticRegression');
    const logits = b.length;
    const data = new Float64Array(x.rows * logits);
    for (let i = 0; i < x.rows; i++) {
      for (let k = 0; k < logits; k++) {
        let z = b[k];
        for (let j = 0; j < x.cols; j++) z += w[k * x.cols + j] * x.data[i * x.cols + j];
        data[i * logits + k] = z;
      }
    }
    return { rows: x.rows, cols: logits, data };
  }

  predictProba(x: Matrix): Matrix {
    const scores = this.decisionFunction(x);
    const k = this.nClasses;
    const data = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) {
      if (scores.cols === 1) {
        const p = sigmoid(scores.data[i]);
        data[i * 2] = 1 - p;
        data[i * 2 + 1] = p;
      } else {
        softmaxInto(scores.data.subarray(i * k, (i + 1) * k), data.subarray(i * k, (i + 1) * k));
      }
    }
    return { rows: x.rows, cols: k, data };
  }

  private objective(x: Matrix, y: Int32Array, logits: number, theta: Float64Array, withDerivatives: boolean) {
    const f = x.cols;
    const width = f + 1;
    const size = logits * width;
    const gradient = new Float64Array(size);
    const hessian = withDerivatives ? new Float64Array(size * size) : new Float64Array(0);
    const z = new Float64Array(Math.max(logits, 2));
    const p = new Float64Array(Math.max(logits, 2));
    const row = new Float64Array(width);
    row[f] = 1;
    let loss = 0;
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < f; j++) row[j] = x.data[i * f + j];
      for (let k = 0; k < logits; k++) {
        let s = 0;
        for (let j = 0; j < width; j++) s += theta[k * width + j] * row[j];
        z[k] = s;
      }
      // residual r_k = p_k - [y = k]; curvature w_kl = p_k([k = l] - p_l)
      if (logits === 1) {
        const sign = y[i] === 1 ? 1 : -1;
        loss += softplus(-sign * z[0]);
        p[0] = sigmoid(z[0]);
        p[1] = p[0] * (1 - p[0]);
        if (!withDerivatives) continue;
        const r = p[0] - (y[i] === 1 ? 1 : 0);
        for (let a = 0; a < width; a++) {
          gradient[a] += r * row[a];
          for (let b = 0; b <= a; b++) hessian[a * size + b] += p[1] * row[a] * row[b];
        }
        continue;
      }
      softmaxInto(z.subarray(0, logits), p.subarray(0, logits));
      loss -= Math.log(Math.max(p[y[i]], Number.MIN_VALUE));
      if (!withDerivatives) continue;
      for (let k = 0; k < logits; k++) {
        const r = p[k] - (y[i] === k ? 1 : 0);
        for (let a = 0; a < width; a++) gradient[k * width + a] += r * row[a];
        for (let l = 0; l <= k; l++) {
          const w = p[k] * ((k === l ? 1 : 0) - p[l]);
          for (let a = 0; a < width; a++) {
            for (let b = 0; b < width; b++) {
              if (k * width + a >= l * width + b) hessian[(k * width + a) * size + l * width + b] += w * row[a] * row[b];
            }
          }
        }
      }
    }
    const lambda = 1 / this.c;
    for (let k = 0; k < logits; k++) {
      for (let j = 0; j < f; j++) {
        const idx = k * width + j;
        loss += 0.5 * lambda * theta[idx] * theta[idx];
        gradient[idx] += lambda * theta[idx];
        if (withDerivatives) hessian[idx * size + idx] += lambda;
      }
      // Softmax scores are invariant to a shift shared by all intercepts, so the Hessian is
      // singular along it (and the gradient zero); a small relative ridge keeps Cholesky usable.
      if (withDerivatives && logits > 1) {
        const d = (k * width + f) * size + k * width + f;
        hessian[d] += 1e-6 * hessian[d] + 1e-10;
      }
    }
    if (withDerivatives) {
      for (let a = 0; a < size; a++) for (let b = 0; b < a; b++) hessian[b * size + a] = hessian[a * size + b];
    }
    return { loss, gradient, hessian };
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function softmaxInto(z: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) max = Math.max(max, z[k]);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    out[k] = Math.exp(z[k] - max);
    sum += out[k];
  }
  for (let k = 0; k < z.length; k++) out[k] /= sum;
}
