import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { ElementType, attr } from '../onnx-proto.js';

/**
 * ai.onnx.ml.Imputer replacing `replacedValue` (NaN by default) in a float [N, F] tensor with one
 * value per feature. The operator replaces one value per node, so a feature to be left alone gets
 * the replaced value itself as its imputed value (NaN → NaN, or sentinel → sentinel).
 */
export function imputer(g: GraphBuilder, input: string, imputedValues: readonly number[], replacedValue = Number.NaN): string {
  const [out] = g.node(
    'Imputer',
    [input],
    1,
    { imputed_value_floats: attr.floats(imputedValues), replaced_value_float: attr.float(replacedValue) },
    ML_DOMAIN,
  );
  return g.declare(out, ElementType.FLOAT, ['N', imputedValues.length]);
}
