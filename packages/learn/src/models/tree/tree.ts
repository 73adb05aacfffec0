import type { Matrix } from '../../linalg/matrix.js';

/**
 * A binary decision tree in flat arrays. Node 0 is the root; node ids run 0..nodeCount-1, the
 * numbering ONNX tree ensembles require. A row goes to `left` when
 * `fround(x[feature]) <= threshold` (ONNX BRANCH_LEQ on a float32 input), otherwise to `right`;
 * NaN goes right, as ONNX does with nodes_missing_value_tracks_true = 0.
 */
export interface Tree {
  readonly nodeCount: number;
  /** Feature index per node; -1 marks a leaf. */
  readonly feature: Int32Array;
  /** float32-representable thresholds. */
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Values per node (`outputs` each), meaningful at leaves only. */
  readonly values: Float64Array;
  readonly outputs: number;
}

/** The leaf a row reaches. */
export function leafIndex(tree: Tree, x: Matrix, row: number): number {
  let node = 0;
  const base = row * x.cols;
  while (tree.feature[node] >= 0) {
    const v = Math.fround(x.data[base + tree.feature[node]]);
    node = v <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}

export function leafCount(tree: Tree): number {
  let count = 0;
  for (let i = 0; i < tree.nodeCount; i++) if (tree.feature[i] < 0) count++;
  return count;
}

export function treeDepth(tree: Tree, node = 0): number {
  if (tree.feature[node] < 0) return 0;
  return 1 + Math.max(treeDepth(tree, tree.left[node]), treeDepth(tree, tree.right[node]));
}
