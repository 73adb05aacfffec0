import { Pipeline, RidgeRegression, StandardScaler } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { preprocessingSteps, TARGET } from './cleanse.js';

export interface TrainOptions {
  /** Ridge's L2 penalty on the (standardised) coefficients. */
  alpha: number;
  seed: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { alpha: 1, seed: 42 };

/**
 * Mean imputation → one-hot SEX → standard scaling → ridge regression, all fitted on the training
 * rows. Scaling first makes `alpha` mean the same for every feature: the raw columns are already
 * tiny (scikit-learn's pre-scaled diabetes data), so an unscaled alpha of 1 shrinks the
 * coefficients heavily (R² 0.38 instead of 0.45 on the default split).
 */
export function trainRegressor(train: DataFrame, opts: TrainOptions = DEFAULT_TRAIN_OPTIONS): Pipeline {
  if (!(opts.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${opts.alpha}`);
  return new Pipeline([...preprocessingSteps(), new StandardScaler()], new RidgeRegression({ alpha: opts.alpha })).fit(train, TARGET);
}

/** What the run records as params (MLflow param values are strings). */
export function trainParams(opts: TrainOptions): Record<string, string> {
  return {
    model: 'ridge',
    alpha: String(opts.alpha),
    seed: String(opts.seed),
    imputation: 'mean',
    categorical_encoding: 'one-hot',
    scaling: 'standard',
  };
}
