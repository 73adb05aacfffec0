import type { Matrix } from '../linalg/matrix.js';
import { Random } from '../random.js';
import { assertTrained, checkRows, checkWidth, type Regressor } from './estimator.js';
import { allRows, bootstrapRows, resolveMaxFeatures, sumTreesFloat32, type MaxFeatures } from './tree/ensemble.js';
import { sortFeatures } from './tree/sorted-features.js';
import { growTree } from './tree/tree-builder.js';
import type { Tree } from './tree/tree.js';

export interface RandomForestRegressorOptions {
  nTrees?: number;
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
  /** Features examined per split: a third of them by default (Breiman's choice for regression). */
  maxFeatures?: MaxFeatures;
  bootstrap?: boolean;
  seed?: number;
}

/** Random forest of squared-error trees; the prediction is the mean of the trees' leaf means. */
export class RandomForestRegressor implements Regressor {
  readonly task = 'regression' as const;
  readonly options: Required<RandomForestRegressorOptions>;
  trees: Tree[] | undefined;
  nFeatures = 0;

  constructor(options: RandomForestRegressorOptions = {}) {
    this.options = {
      nTrees: options.nTrees ?? 100,
      maxDepth: options.maxDepth ?? Infinity,
      minSamplesSplit: options.minSamplesSplit ?? 2,
      minSamplesLeaf: options.minSamplesLeaf ?? 1,
      maxFeatures: options.maxFeatures ?? 1 / 3,
      bootstrap: options.bootstrap ?? true,
      seed: options.seed ?? 0,
    };
    if (!(this.options.nTrees >= 1)) throw new RangeError(`nTrees must be ≥ 1, got ${this.options.nTrees}`);
  }

  fit(x: Matrix, y: Float64Array): this {
    checkRows(x, y.length, 'RandomForestRegressor');
    const o = this.options;
    const data = sortFeatures(x);
    const random = new Random(o.seed);
    const growth = {
      maxDepth: o.maxDepth,
      minSamplesSplit: o.minSamplesSplit,
      minSamplesLeaf: o.minSamplesLeaf,
      maxFeatures: resolveMaxFeatures(o.maxFeatures, x.cols),
    };
    const leafValue = (rows: Int32Array) => {
      let sum = 0;
      for (const r of rows) sum += y[r];
      return [Math.fround(sum / rows.length)];
    };
    const trees: Tree[] = [];
    for (let t = 0; t < o.nTrees; t++) {
      const treeRandom = random.fork();
      const rows = o.bootstrap ? bootstrapRows(x.rows, treeRandom) : allRows(x.rows);
      trees.push(growTree(data, rows, { kind: 'values', values: y }, growth, leafValue, 1, treeRandom));
    }
    this.trees = trees;
    this.nFeatures = x.cols;
    return this;
  }

  predict(x: Matrix): Float64Array {
    const trees = assertTrained(this.trees, 'RandomForestRegressor');
    checkWidth(x, this.nFeatures, 'RandomForestRegressor');
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) out[i] = Math.fround(sumTreesFloat32(trees, x, i) / trees.length);
    return out;
  }
}
