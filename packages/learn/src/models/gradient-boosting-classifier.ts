import type { Matrix } from '../linalg/matrix.js';
import { Random } from '../random.js';
import { assertTrained, checkRows, checkWidth, type Classifier } from './estimator.js';
import { gradientBoostingDefaults, type GradientBoostingOptions } from './gradient-boosting-regressor.js';
import { sigmoid, softmaxInto } from './logistic-regression.js';
import { allRows, subsampleRows, sumTreesFloat32 } from './tree/ensemble.js';
import { sortFeatures } from './tree/sorted-features.js';
import { growTree } from './tree/tree-builder.js';
import { leafIndex, type Tree } from './tree/tree.js';

/**
 * Gradient-boosted trees on the log loss (Friedman's TreeBoost with Newton leaf steps): one logit
 * for two classes, one per class (softmax) for more. The initial log-odds are folded into the first
 * round's leaves, so a logit is exactly the float32 sum of its trees' leaves — the number the
 * exported TreeEnsembleClassifier computes.
 */
export class GradientBoostingClassifier implements Classifier {
  readonly task = 'classification' as const;
  readonly options: Required<GradientBoostingOptions>;
  trees: Tree[] | undefined;
  /** Which logit each tree adds to. */
  treeLogit: Int32Array | undefined;
  nClasses = 0;
  nFeatures = 0;

  constructor(options: GradientBoostingOptions = {}) {
    this.options = gradientBoostingDefaults(options);
  }

  get logitCount(): number {
    return this.nClasses === 2 ? 1 : this.nClasses;
  }

  fit(x: Matrix, y: Int32Array, nClasses: number): this {
    checkRows(x, y.length, 'GradientBoostingClassifier');
    if (nClasses < 2) throw new Error('GradientBoostingClassifier needs at least two classes in the target');
    const o = this.options;
    const n = x.rows;
    const logits = nClasses === 2 ? 1 : nClasses;
    const data = sortFeatures(x);
    const random = new Random(o.seed);
    const base = initialLogits(y, nClasses);
    const scores = new Float64Array(n * logits);
    for (let i = 0; i < n; i++) for (let k = 0; k < logits; k++) scores[i * logits + k] = base[k];
    const residual = new Float64Array(n);
    const curvature = new Float64Array(n);
    const prob = new Float64Array(logits);
    const growth = { maxDepth: o.maxDepth, minSamplesSplit: 2, minSamplesLeaf: o.minSamplesLeaf, maxFeatures: x.cols };
    const sampleSize = Math.max(1, Math.round(o.subsample * n));
    // Newton step scaled as in Friedman (2001): (K-1)/K for the multinomial case.
    const stepScale = logits === 1 ? 1 : (nClasses - 1) / nClasses;
    const trees: Tree[] = [];
    const treeLogit: number[] = [];
    const treeSums = new Float64Array(n * logits);
    for (let round = 0; round < o.nEstimators; round++) {
      const rows = o.subsample < 1 ? subsampleRows(n, sampleSize, random) : allRows(n);
      const probabilities = new Float64Array(n * logits);
      for (let i = 0; i < n; i++) {
        if (logits === 1) probabilities[i] = sigmoid(scores[i]);
        else {
          softmaxInto(scores.subarray(i * logits, (i + 1) * logits), prob);
          probabilities.set(prob, i * logits);
        }
      }
      for (let k = 0; k < logits; k++) {
        for (let i = 0; i < n; i++) {
          const p = probabilities[i * logits + k];
          const target = logits === 1 ? (y[i] === 1 ? 1 : 0) : y[i] === k ? 1 : 0;
          residual[i] = target - p;
          curvature[i] = p * (1 - p);
        }
        const offset = round === 0 ? base[k] : 0;
        const leafValue = (leafRows: Int32Array) => {
          let num = 0;
          let den = 0;
          for (const r of leafRows) {
            num += residual[r];
            den += curvature[r];
          }
          const step = den > 1e-150 ? (stepScale * num) / den : 0;
          return [Math.fround(offset + o.learningRate * step)];
        };
        const tree = growTree(data, rows, { kind: 'values', values: residual }, growth, leafValue, 1, random);
        trees.push(tree);
        treeLogit.push(k);
        for (let i = 0; i < n; i++) {
          treeSums[i * logits + k] = Math.fround(treeSums[i * logits + k] + tree.values[leafIndex(tree, x, i)]);
          scores[i * logits + k] = treeSums[i * logits + k];
        }
      }
    }
    this.trees = trees;
    this.treeLogit = Int32Array.from(treeLogit);
    this.nClasses = nClasses;
    this.nFeatures = x.cols;
    return this;
  }

  /** The logits: float32 sums of each logit's trees. */
  decisionFunction(x: Matrix): Matrix {
    const trees = assertTrained(this.trees, 'GradientBoostingClassifier');
    const treeLogit = assertTrained(this.treeLogit, 'GradientBoostingClassifier');
    checkWidth(x, this.nFeatures, 'GradientBoostingClassifier');
    const logits = this.logitCount;
    const data = new Float64Array(x.rows * logits);
    for (let i = 0; i < x.rows; i++) {
      for (let k = 0; k < logits; k++) data[i * logits + k] = sumTreesFloat32(trees, x, i, 0, (t) => treeLogit[t] === k);
    }
    return { rows: x.rows, cols: logits, data };
  }

  predictProba(x: Matrix): Matrix {
    const scores = this.decisionFunction(x);
    const k = this.nClasses;
    const data = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) {
      if (scores.cols === 1) {
        const s = scores.data[i];
        data[i * 2] = Math.fround(sigmoid(-s));
        data[i * 2 + 1] = Math.fround(sigmoid(s));
      } else {
        const out = data.subarray(i * k, (i + 1) * k);
        softmaxInto(scores.data.subarray(i * k, (i + 1) * k), out);
        for (let c = 0; c < k; c++) out[c] = Math.fround(out[c]);
      }
    }
    return { rows: x.rows, cols: k, data };
  }
}

/** Log-odds of the positive class (binary) or log class priors (multiclass). */
function initialLogits(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (const c of y) counts[c]++;
  const eps = 1e-12;
  if (nClasses === 2) {
    const p = Math.min(Math.max(counts[1] / y.length, eps), 1 - eps);
    return Float64Array.of(Math.log(p / (1 - p)));
  }
  return counts.map((c) => Math.log(Math.max(c / y.length, eps)));
}
