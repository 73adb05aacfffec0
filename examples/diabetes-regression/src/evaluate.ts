import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from '@modelyard/learn';
import type { DataFrame, Pipeline } from '@modelyard/learn';
import { TARGET } from './cleanse.js';

/** Named like the pipeline `evaluate` task's metrics, so both land side by side in the UI. */
export type RegressionMetrics = {
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
};

/** The bar the example must clear on its holdout split (issue 4; scikit-learn's Ridge gets 0.33–0.34). */
export const MIN_R2 = 0.3;

export function evaluateRegressor(model: Pipeline, test: DataFrame): RegressionMetrics {
  const y = test.numbers(TARGET);
  const predicted = model.predict(test);
  return {
    mse: meanSquaredError(y, predicted),
    rmse: rootMeanSquaredError(y, predicted),
    mae: meanAbsoluteError(y, predicted),
    r2: r2Score(y, predicted),
  };
}

/** Throws when the model misses the quality bar, naming the figure. */
export function checkQualityBar(metrics: RegressionMetrics, minR2 = MIN_R2): void {
  if (!(metrics.r2 >= minR2)) {
    throw new Error(`R² ${metrics.r2.toFixed(4)} on the holdout is below the bar of ${minR2}; the model is not published`);
  }
}
