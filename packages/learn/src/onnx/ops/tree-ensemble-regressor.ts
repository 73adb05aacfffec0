import type { Tree } from '../../models/tree/tree.js';
import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { ElementType, attr } from '../onnx-proto.js';
import { treeEnsembleAttributes } from './tree-attributes.js';

/** ai.onnx.ml.TreeEnsembleRegressor with one target: float [N, 1]. */
export function treeEnsembleRegressor(
  g: GraphBuilder,
  input: string,
  trees: readonly Tree[],
  aggregate: 'SUM' | 'AVERAGE',
  baseValue?: number,
): string {
  const weights = (t: number, node: number) => [{ id: 0, weight: trees[t].values[node * trees[t].outputs] }];
  const [out] = g.node(
    'TreeEnsembleRegressor',
    [input],
    1,
    {
      ...treeEnsembleAttributes(trees, weights, 'target'),
      n_targets: attr.int(1),
      aggregate_function: attr.string(aggregate),
      post_transform: attr.string('NONE'),
      ...(baseValue === undefined ? {} : { base_values: attr.floats([baseValue]) }),
    },
    ML_DOMAIN,
  );
  return g.declare(out, ElementType.FLOAT, ['N', 1]);
}
