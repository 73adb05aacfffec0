import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { ElementType, attr } from '../onnx-proto.js';

/** ai.onnx.ml.Scaler: (x - offset) * scale per feature, in float32. */
export function scaler(g: GraphBuilder, input: string, offset: readonly number[], scale: readonly number[]): string {
  const [out] = g.node('Scaler', [input], 1, { offset: attr.floats(offset), scale: attr.floats(scale) }, ML_DOMAIN);
  return g.declare(out, ElementType.FLOAT, ['N', offset.length]);
}
