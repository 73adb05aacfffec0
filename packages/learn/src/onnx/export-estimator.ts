import type { Estimator } from '../models/estimator.js';
import { GradientBoostingClassifier } from '../models/gradient-boosting-classifier.js';
import { GradientBoostingRegressor } from '../models/gradient-boosting-regressor.js';
import { LogisticRegression } from '../models/logistic-regression.js';
import { RandomForestClassifier } from '../models/random-forest-classifier.js';
import { RandomForestRegressor } from '../models/random-forest-regressor.js';
import { RidgeRegression } from '../models/ridge-regression.js';
import type { GraphBuilder } from './graph-builder.js';
import { divideByConstant, sigmoid, softmaxRows } from './ops/core.js';
import { linearClassifier } from './ops/linear-classifier.js';
import { linearRegressor } from './ops/linear-regressor.js';
import { treeEnsembleClassifier } from './ops/tree-ensemble-classifier.js';
import { treeEnsembleRegressor } from './ops/tree-ensemble-regressor.js';

/** Adds a regressor's nodes; returns its float [N, 1] prediction tensor. */
export function exportRegressor(g: GraphBuilder, estimator: Estimator, x: string): string {
  if (estimator instanceof RidgeRegression) return linearRegressor(g, x, estimator.coefficients!, estimator.intercept);
  if (estimator instanceof RandomForestRegressor) return treeEnsembleRegressor(g, x, estimator.trees!, 'AVERAGE');
  if (estimator instanceof GradientBoostingRegressor) {
    return treeEnsembleRegressor(g, x, estimator.trees!, 'SUM', estimator.baseValue);
  }
  throw new Error(`no ONNX export for regressor ${estimator.constructor.name}`);
}

/** Adds a classifier's nodes; returns its float [N, classes] probability tensor. */
export function exportClassifier(g: GraphBuilder, estimator: Estimator, x: string, classes: readonly number[]): string {
  if (estimator instanceof LogisticRegression) {
    const w = estimator.coefficients!;
    const b = estimator.intercepts!;
    if (b.length === 1) {
      // One logit z: two rows (−w, w) make LOGISTIC give [σ(−z), σ(z)] = [P(class 0), P(class 1)].
      return linearClassifier(g, x, {
        coefficients: [...Array.from(w, (v) => -v), ...w],
        intercepts: [-b[0], b[0]],
        classLabels: classes,
        postTransform: 'LOGISTIC',
      });
    }
    return linearClassifier(g, x, { coefficients: w, intercepts: b, classLabels: classes, postTransform: 'SOFTMAX' });
  }
  if (estimator instanceof RandomForestClassifier) {
    const trees = estimator.trees!;
    const k = estimator.nClasses;
    const weights = (t: number, node: number) =>
      Array.from({ length: k }, (_, c) => ({ id: c, weight: trees[t].values[node * k + c] }));
    const sums = treeEnsembleClassifier(g, x, trees, weights, classes);
    return divideByConstant(g, sums, trees.length);
  }
  if (estimator instanceof GradientBoostingClassifier) {
    const trees = estimator.trees!;
    const treeLogit = estimator.treeLogit!;
    if (estimator.logitCount === 1) {
      // Scores [−F, F] through Sigmoid give [P(class 0), P(class 1)].
      const weights = (t: number, node: number) => {
        const v = trees[t].values[node];
        return [
          { id: 0, weight: -v },
          { id: 1, weight: v },
        ];
      };
      return sigmoid(g, treeEnsembleClassifier(g, x, trees, weights, classes));
    }
    const weights = (t: number, node: number) => [{ id: treeLogit[t], weight: trees[t].values[node] }];
    return softmaxRows(g, treeEnsembleClassifier(g, x, trees, weights, classes));
  }
  throw new Error(`no ONNX export for classifier ${estimator.constructor.name}`);
}
