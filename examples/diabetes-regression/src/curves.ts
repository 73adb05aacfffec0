import { rootMeanSquaredError } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { TARGET } from './cleanse.js';
import { splitDiabetes } from './split.js';
import { trainRegressor } from './train.js';

/**
 * Ridge penalties from almost none to heavy, half a decade apart; step i of the curve is
 * ALPHA_GRID[i]. On standardised features alpha starts to matter near 10 and flattens the model
 * towards the mean by 10,000, so the grid spans both ends of the curve.
 */
export const ALPHA_GRID: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000];

/** Metric keys of the curve, logged with `step` = the alpha's index in the grid. */
export const CURVE_METRICS = { valRmse: 'val_rmse', trainRmse: 'train_rmse', alpha: 'alpha_at_step', bestAlpha: 'val_best_alpha' } as const;

export interface AlphaPoint {
  /** Index of `alpha` in the grid: MLflow steps are whole numbers, alphas are not. */
  step: number;
  alpha: number;
  trainRmse: number;
  valRmse: number;
}

export interface AlphaCurve {
  points: AlphaPoint[];
  /** The grid's alpha with the lowest validation RMSE. */
  bestAlpha: number;
  rows: { fit: number; validation: number };
}

/**
 * The validation curve of the regularisation strength: the same pipeline fitted on part of the
 * training rows for each alpha of the grid, its RMSE measured on the rest. The holdout split is
 * not touched, so it stays an unseen test of the model the run trains. Training RMSE rises with
 * alpha while validation RMSE first falls (less overfitting) and then rises (underfitting).
 */
export function alphaCurve(train: DataFrame, opts: { seed: number; validationSize?: number; alphas?: readonly number[] }): AlphaCurve {
  const alphas = opts.alphas ?? ALPHA_GRID;
  if (alphas.length === 0) throw new RangeError('the alpha grid is empty');
  const { train: fit, test: validation } = splitDiabetes(train, { seed: opts.seed, testSize: opts.validationSize ?? 0.25 });
  const yFit = fit.numbers(TARGET);
  const yVal = validation.numbers(TARGET);
  const points = alphas.map((alpha, step) => {
    const model = trainRegressor(fit, { alpha, seed: opts.seed });
    return { step, alpha, trainRmse: rootMeanSquaredError(yFit, model.predict(fit)), valRmse: rootMeanSquaredError(yVal, model.predict(validation)) };
  });
  const best = points.reduce((a, b) => (b.valRmse < a.valRmse ? b : a));
  return { points, bestAlpha: best.alpha, rows: { fit: fit.rowCount, validation: validation.rowCount } };
}
