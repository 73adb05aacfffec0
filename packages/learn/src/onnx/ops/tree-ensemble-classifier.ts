import type { Tree } from '../../models/tree/tree.js';
import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { attr } from '../onnx-proto.js';
import { treeEnsembleAttributes, type LeafWeights } from './tree-attributes.js';

/**
 * ai.onnx.ml.TreeEnsembleClassifier; returns the raw per-class sums Z (float [N, classes]).
 * Callers give every class weights and no base values: with two classes ONNX Runtime then writes
 * both sums unchanged (its label output follows a binary special case, so labels are computed
 * from the probabilities instead).
 */
export function treeEnsembleClassifier(
  g: GraphBuilder,
  input: string,
  trees: readonly Tree[],
  weights: LeafWeights,
  classLabels: readonly number[],
): string {
  const [, scores] = g.node(
    'TreeEnsembleClassifier',
    [input],
    2,
    {
      ...treeEnsembleAttributes(trees, weights, 'class'),
      classlabels_int64s: attr.ints(classLabels),
      post_transform: attr.string('NONE'),
    },
    ML_DOMAIN,
  );
  return scores;
}
