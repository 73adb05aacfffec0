import type { Tree } from '../../models/tree/tree.js';
import { attr, type AttributeValue } from '../onnx-proto.js';

/** A leaf's contribution: `weight` added to output (class or target) `id`. */
export interface LeafWeight {
  readonly id: number;
  readonly weight: number;
}

export type LeafWeights = (tree: number, node: number) => readonly LeafWeight[];

/**
 * The nodes_* attributes shared by TreeEnsembleClassifier and TreeEnsembleRegressor, plus the leaf
 * weight tuples under `prefix` ('class' or 'target'). Splits are BRANCH_LEQ with the true branch
 * on the left, matching Tree's `x <= threshold` rule.
 */
export function treeEnsembleAttributes(
  trees: readonly Tree[],
  weights: LeafWeights,
  prefix: 'class' | 'target',
): Record<string, AttributeValue> {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const wTree: number[] = [];
  const wNode: number[] = [];
  const wId: number[] = [];
  const wValue: number[] = [];
  trees.forEach((tree, t) => {
    for (let node = 0; node < tree.nodeCount; node++) {
      const leaf = tree.feature[node] < 0;
      treeIds.push(t);
      nodeIds.push(node);
      featureIds.push(leaf ? 0 : tree.feature[node]);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      values.push(leaf ? 0 : tree.threshold[node]);
      trueIds.push(leaf ? 0 : tree.left[node]);
      falseIds.push(leaf ? 0 : tree.right[node]);
      if (!leaf) continue;
      for (const w of weights(t, node)) {
        wTree.push(t);
        wNode.push(node);
        wId.push(w.id);
        wValue.push(w.weight);
      }
    }
  });
  return {
    nodes_treeids: attr.ints(treeIds),
    nodes_nodeids: attr.ints(nodeIds),
    nodes_featureids: attr.ints(featureIds),
    nodes_modes: attr.strings(modes),
    nodes_values: attr.floats(values),
    nodes_truenodeids: attr.ints(trueIds),
    nodes_falsenodeids: attr.ints(falseIds),
    [`${prefix}_treeids`]: attr.ints(wTree),
    [`${prefix}_nodeids`]: attr.ints(wNode),
    [`${prefix}_ids`]: attr.ints(wId),
    [`${prefix}_weights`]: attr.floats(wValue),
  };
}
