import { DEFAULT_EVALUATION_METRICS } from '../../domain/pipelines/evaluation-metric-names.js';
import { accuracy, f1Score, logLoss, meanAbsoluteError, meanSquaredError, r2Score, rocAuc, rootMeanSquaredError } from '@modelyard/learn';

export type ModelType = 'classifier' | 'regressor';

/** What a model returned for every row of the evaluation set. */
export interface ScoredRows {
  predictions: ArrayLike<number>;
  /** Per row, one probability per class (classifiers). */
  probabilities?: readonly ArrayLike<number>[];
}

type MetricFn = (y: ArrayLike<number>, scored: ScoredRows) => number;

function positiveScores(scored: ScoredRows, what: string): number[] {
  const probs = scored.probabilities;
  if (!probs || probs.length === 0) throw new Error(`${what} needs class probabilities, and the model returned only labels`);
  if (probs[0]!.length !== 2) throw new Error(`${what} is computed for binary classifiers; the model returned ${probs[0]!.length} classes`);
  return probs.map((p) => p[1]!);
}

// Keyed by EVALUATION_METRICS (domain/pipelines), which validation checks task files against.
const CLASSIFIER: Record<string, MetricFn> = {
  roc_auc: (y, s) => rocAuc(y, positiveScores(s, 'roc_auc')),
  accuracy: (y, s) => accuracy(y, s.predictions),
  f1: (y, s) => f1Score(y, s.predictions),
  log_loss: (y, s) => logLoss(y, positiveScores(s, 'log_loss')),
};

const REGRESSOR: Record<string, MetricFn> = {
  rmse: (y, s) => rootMeanSquaredError(y, s.predictions),
  mae: (y, s) => meanAbsoluteError(y, s.predictions),
  r2: (y, s) => r2Score(y, s.predictions),
  mse: (y, s) => meanSquaredError(y, s.predictions),
};

const BY_TYPE: Record<ModelType, Record<string, MetricFn>> = { classifier: CLASSIFIER, regressor: REGRESSOR };

/** Computed when a task lists no metrics. */
export const DEFAULT_METRICS = DEFAULT_EVALUATION_METRICS;

export function knownMetrics(modelType: ModelType): string[] {
  return Object.keys(BY_TYPE[modelType]);
}

/** Throws naming the unknown metric and the known ones. */
export function checkMetricNames(modelType: ModelType, names: readonly string[]): void {
  for (const name of names) {
    if (!BY_TYPE[modelType][name]) {
      throw new Error(`unknown ${modelType} metric '${name}' (known: ${knownMetrics(modelType).join(', ')})`);
    }
  }
}

export function computeMetrics(modelType: ModelType, names: readonly string[], y: ArrayLike<number>, scored: ScoredRows): Record<string, number> {
  const wanted = names.length > 0 ? names : DEFAULT_METRICS[modelType];
  checkMetricNames(modelType, wanted);
  if (scored.predictions.length !== y.length) {
    throw new Error(`the model returned ${scored.predictions.length} predictions for ${y.length} rows`);
  }
  return Object.fromEntries(wanted.map((name) => [name, BY_TYPE[modelType][name]!(y, scored)]));
}
