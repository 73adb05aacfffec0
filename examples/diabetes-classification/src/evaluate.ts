import { accuracy, f1Score, logLoss, precision, recall, rocAuc } from '@modelyard/learn';
import type { DataFrame, Pipeline } from '@modelyard/learn';
import { TARGET } from './cleanse.js';

/** Named like the pipeline `evaluate` task's metrics, so both land side by side in the UI. */
export type ClassificationMetrics = {
  roc_auc: number;
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  log_loss: number;
};

/** The bar the example must clear on its holdout split (issue 4; scikit-learn gets 0.81–0.84). */
export const MIN_ROC_AUC = 0.8;

export function evaluateClassifier(model: Pipeline, test: DataFrame): ClassificationMetrics {
  const y = test.numbers(TARGET);
  const positive = model.predictProba(test).map((p) => p[1]);
  const predicted = model.predict(test);
  return {
    roc_auc: rocAuc(y, positive),
    accuracy: accuracy(y, predicted),
    f1: f1Score(y, predicted),
    precision: precision(y, predicted),
    recall: recall(y, predicted),
    log_loss: logLoss(y, positive),
  };
}

/** Throws when the model misses the quality bar, naming the figure. */
export function checkQualityBar(metrics: ClassificationMetrics, minRocAuc = MIN_ROC_AUC): void {
  if (!(metrics.roc_auc >= minRocAuc)) {
    throw new Error(`ROC AUC ${metrics.roc_auc.toFixed(4)} on the holdout is below the bar of ${minRocAuc}; the model is not published`);
  }
}
