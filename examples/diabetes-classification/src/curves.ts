import { GradientBoostingClassifier, RandomForestClassifier, logLoss, rocAuc } from '@modelyard/learn';
import type { Classifier, DataFrame, Matrix, Pipeline } from '@modelyard/learn';
import { TARGET } from './cleanse.js';

/** The holdout figures of the model's first `step` trees (forest) or boosting rounds. */
export interface CurvePoint {
  step: number;
  rocAuc: number;
  logLoss: number;
}

/** Metric keys of the curve, logged with `step` = number of trees / rounds. */
export const CURVE_METRICS = { rocAuc: 'val_roc_auc', logLoss: 'val_log_loss' } as const;

/**
 * The same ensemble cut to its first `k` trees (forest) or rounds (boosting). The trees are the
 * trained ones, unchanged, so at k = all the prefix predicts exactly what the model does.
 */
function firstRounds(estimator: Classifier, k: number): Classifier {
  if (estimator instanceof RandomForestClassifier) {
    const prefix = new RandomForestClassifier({ ...estimator.options, nTrees: k });
    prefix.trees = estimator.trees!.slice(0, k);
    prefix.nClasses = estimator.nClasses;
    prefix.nFeatures = estimator.nFeatures;
    return prefix;
  }
  if (estimator instanceof GradientBoostingClassifier) {
    const perRound = estimator.logitCount;
    const prefix = new GradientBoostingClassifier({ ...estimator.options, nEstimators: k });
    prefix.trees = estimator.trees!.slice(0, k * perRound);
    prefix.treeLogit = estimator.treeLogit!.slice(0, k * perRound);
    prefix.nClasses = estimator.nClasses;
    prefix.nFeatures = estimator.nFeatures;
    return prefix;
  }
  throw new Error(`no staged predictions for ${estimator.constructor.name}`);
}

function rounds(estimator: Classifier): number {
  if (estimator instanceof RandomForestClassifier) return estimator.trees!.length;
  if (estimator instanceof GradientBoostingClassifier) return estimator.trees!.length / estimator.logitCount;
  throw new Error(`no staged predictions for ${estimator.constructor.name}`);
}

/**
 * How the holdout ROC AUC and log loss move as trees (or boosting rounds) are added: the curve a
 * run page draws to show whether more trees still help. Every `every` steps, and always the last
 * (which equals the model's own holdout figures). A prefix of k trees costs k tree walks a row,
 * so the whole curve of 100 trees over 154 rows is about 800,000 walks: well under a second.
 */
export function holdoutCurve(model: Pipeline, test: DataFrame, opts: { every?: number } = {}): CurvePoint[] {
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const x: Matrix = model.transform(test);
  const y = test.numbers(TARGET);
  const positive = model.classes.indexOf(1);
  if (positive < 0) throw new Error(`the model's classes ${model.classes.join(', ')} have no positive class 1`);
  const n = rounds(model.estimator as Classifier);
  const points: CurvePoint[] = [];
  for (let k = 1; k <= n; k++) {
    if (k % every !== 0 && k !== 1 && k !== n) continue;
    const proba = firstRounds(model.estimator as Classifier, k).predictProba(x);
    const p = Array.from({ length: proba.rows }, (_, i) => proba.data[i * proba.cols + positive]!);
    points.push({ step: k, rocAuc: rocAuc(y, p), logLoss: logLoss(y, p) });
  }
  return points;
}
