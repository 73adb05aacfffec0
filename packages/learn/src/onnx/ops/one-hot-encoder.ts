import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { ElementType, attr } from '../onnx-proto.js';

/**
 * ai.onnx.ml.OneHotEncoder on a string [N, 1] tensor (unknown categories → all zeros), flattened
 * from its [N, 1, C] output to float [N, C].
 */
export function oneHotEncoder(g: GraphBuilder, input: string, categories: readonly string[]): string {
  const [encoded] = g.node('OneHotEncoder', [input], 1, { cats_strings: attr.strings(categories), zeros: attr.int(1) }, ML_DOMAIN);
  g.declare(encoded, ElementType.FLOAT, ['N', 1, categories.length]);
  const [flat] = g.node('Flatten', [encoded], 1, { axis: attr.int(1) });
  return g.declare(flat, ElementType.FLOAT, ['N', categories.length]);
}
