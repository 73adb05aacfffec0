import type { Matrix } from '../linalg/matrix.js';
import { Random } from '../random.js';
import { assertTrained, checkRows, checkWidth, type Classifier } from './estimator.js';
import { allRows, bootstrapRows, exactSumQuantum, resolveMaxFeatures, type MaxFeatures } from './tree/ensemble.js';
import { sortFeatures } from './tree/sorted-features.js';
import { growTree } from './tree/tree-builder.js';
import { leafIndex, type Tree } from './tree/tree.js';

export interface RandomForestClassifierOptions {
  nTrees?: number;
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
  /** Features examined per split: 'sqrt' (default), 'log2', 'all', a fraction or a count. */
  maxFeatures?: MaxFeatures;
  bootstrap?: boolean;
  seed?: number;
}

/**
 * Random forest of Gini trees; probabilities are the mean of the trees' leaf class fractions. Leaf
 * fractions are quantised (see exactSumQuantum) so the ONNX graph sums them bit-identically.
 */
export class RandomForestClassifier implements Classifier {
  readonly task = 'classification' as const;
  readonly options: Required<RandomForestClassifierOptions>;
  trees: Tree[] | undefined;
  nClasses = 0;
  nFeatures = 0;

  constructor(options: RandomForestClassifierOptions = {}) {
    this.options = {
      nTrees: options.nTrees ?? 100,
      maxDepth: options.maxDepth ?? Infinity,
      minSamplesSplit: options.minSamplesSplit ?? 2,
      minSamplesLeaf: options.minSamplesLeaf ?? 1,
      maxFeatures: options.maxFeatures ?? 'sqrt',
      bootstrap: options.bootstrap ?? true,
      seed: options.seed ?? 0,
    };
    if (!(this.options.nTrees >= 1)) throw new RangeError(`nTrees must be ≥ 1, got ${this.options.nTrees}`);
  }

  fit(x: Matrix, y: Int32Array, nClasses: number): this {
    checkRows(x, y.length, 'RandomForestClassifier');
    const o = this.options;
    const data = sortFeatures(x);
    const random = new Random(o.seed);
    const quantum = exactSumQuantum(o.nTrees);
    const growth = {
      maxDepth: o.maxDepth,
      minSamplesSplit: o.minSamplesSplit,
      minSamplesLeaf: o.minSamplesLeaf,
      maxFeatures: resolveMaxFeatures(o.maxFeatures, x.cols),
    };
    const target = { kind: 'classes', classes: y, nClasses } as const;
    const leafValue = (rows: Int32Array) => {
      const counts = new Float64Array(nClasses);
      for (const r of rows) counts[y[r]]++;
      return counts.map((c) => Math.round(c / rows.length / quantum) * quantum);
    };
    const trees: Tree[] = [];
    for (let t = 0; t < o.nTrees; t++) {
      const treeRandom = random.fork();
      const rows = o.bootstrap ? bootstrapRows(x.rows, treeRandom) : allRows(x.rows);
      trees.push(growTree(data, rows, target, growth, leafValue, nClasses, treeRandom));
    }
    this.trees = trees;
    this.nClasses = nClasses;
    this.nFeatures = x.cols;
    return this;
  }

  predictProba(x: Matrix): Matrix {
    const trees = assertTrained(this.trees, 'RandomForestClassifier');
    checkWidth(x, this.nFeatures, 'RandomForestClassifier');
    const k = this.nClasses;
    const data = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) {
      for (const tree of trees) {
        const leaf = leafIndex(tree, x, i);
        for (let c = 0; c < k; c++) data[i * k + c] += tree.values[leaf * k + c];
      }
      for (let c = 0; c < k; c++) data[i * k + c] = Math.fround(data[i * k + c] / trees.length);
    }
    return { rows: x.rows, cols: k, data };
  }
}
