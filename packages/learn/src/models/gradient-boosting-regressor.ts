import type { Matrix } from '../linalg/matrix.js';
import { Random } from '../random.js';
import { assertTrained, checkRows, checkWidth, type Regressor } from './estimator.js';
import { allRows, subsampleRows, sumTreesFloat32 } from './tree/ensemble.js';
import { sortFeatures } from './tree/sorted-features.js';
import { growTree } from './tree/tree-builder.js';
import { leafIndex, type Tree } from './tree/tree.js';

export interface GradientBoostingOptions {
  nEstimators?: number;
  learningRate?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  /** Fraction of rows each tree sees (stochastic gradient boosting when < 1). */
  subsample?: number;
  seed?: number;
}

export function gradientBoostingDefaults(options: GradientBoostingOptions): Required<GradientBoostingOptions> {
  const o = {
    nEstimators: options.nEstimators ?? 100,
    learningRate: options.learningRate ?? 0.1,
    maxDepth: options.maxDepth ?? 3,
    minSamplesLeaf: options.minSamplesLeaf ?? 1,
    subsample: options.subsample ?? 1,
    seed: options.seed ?? 0,
  };
  if (!(o.nEstimators >= 1)) throw new RangeError(`nEstimators must be ≥ 1, got ${o.nEstimators}`);
  if (!(o.learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.subsample > 0 && o.subsample <= 1)) throw new RangeError(`subsample must be in (0, 1], got ${o.subsample}`);
  return o;
}

/**
 * Gradient-boosted squared-error trees. Leaf values are stored already multiplied by the learning
 * rate; the prediction is baseValue + Σ leaves in float32, as ONNX TreeEnsembleRegressor computes.
 */
export class GradientBoostingRegressor implements Regressor {
  readonly task = 'regression' as const;
  readonly options: Required<GradientBoostingOptions>;
  trees: Tree[] | undefined;
  baseValue = 0;
  nFeatures = 0;

  constructor(options: GradientBoostingOptions = {}) {
    this.options = gradientBoostingDefaults(options);
  }

  fit(x: Matrix, y: Float64Array): this {
    checkRows(x, y.length, 'GradientBoostingRegressor');
    const o = this.options;
    const data = sortFeatures(x);
    const random = new Random(o.seed);
    let mean = 0;
    for (const v of y) mean += v;
    this.baseValue = Math.fround(mean / y.length);
    const current = new Float64Array(y.length).fill(this.baseValue);
    const residual = new Float64Array(y.length);
    const growth = { maxDepth: o.maxDepth, minSamplesSplit: 2, minSamplesLeaf: o.minSamplesLeaf, maxFeatures: x.cols };
    const leafValue = (rows: Int32Array) => {
      let sum = 0;
      for (const r of rows) sum += residual[r];
      return [Math.fround((o.learningRate * sum) / rows.length)];
    };
    const trees: Tree[] = [];
    const m = Math.max(1, Math.round(o.subsample * x.rows));
    for (let t = 0; t < o.nEstimators; t++) {
      for (let i = 0; i < y.length; i++) residual[i] = y[i] - current[i];
      const rows = o.subsample < 1 ? subsampleRows(x.rows, m, random) : allRows(x.rows);
      const tree = growTree(data, rows, { kind: 'values', values: residual }, growth, leafValue, 1, random);
      for (let i = 0; i < y.length; i++) current[i] += tree.values[leafIndex(tree, x, i)];
      trees.push(tree);
    }
    this.trees = trees;
    this.nFeatures = x.cols;
    return this;
  }

  predict(x: Matrix): Float64Array {
    const trees = assertTrained(this.trees, 'GradientBoostingRegressor');
    checkWidth(x, this.nFeatures, 'GradientBoostingRegressor');
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) out[i] = Math.fround(sumTreesFloat32(trees, x, i) + this.baseValue);
    return out;
  }
}
