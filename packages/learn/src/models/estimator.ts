import type { Matrix } from '../linalg/matrix.js';

/** A model predicting one number per row. */
export interface Regressor {
  readonly task: 'regression';
  fit(x: Matrix, y: Float64Array): this;
  predict(x: Matrix): Float64Array;
}

/**
 * A model predicting class probabilities. Classes are indices 0..nClasses-1; the pipeline maps them
 * to and from the target's own values.
 */
export interface Classifier {
  readonly task: 'classification';
  fit(x: Matrix, y: Int32Array, nClasses: number): this;
  /** One row per input row, one column per class. */
  predictProba(x: Matrix): Matrix;
}

export type Estimator = Regressor | Classifier;

export function assertTrained<T>(value: T | undefined, model: string): T {
  if (value === undefined) throw new Error(`${model} is not trained; call fit() first`);
  return value;
}

export function checkRows(x: Matrix, yLength: number, model: string): void {
  if (x.rows !== yLength) throw new Error(`${model}: ${x.rows} feature rows but ${yLength} targets`);
  if (x.rows === 0) throw new Error(`${model}: cannot train on zero rows`);
}

export function checkWidth(x: Matrix, expected: number, model: string): void {
  if (x.cols !== expected) throw new Error(`${model}: trained on ${expected} features, got ${x.cols}`);
}
