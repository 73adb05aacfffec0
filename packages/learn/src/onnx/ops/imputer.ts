import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { attr } from '../onnx-proto.js';

/**
 * ai.onnx.ml.Imputer replacing NaN in a float [N, F] tensor with one value per feature. A NaN
 * imputed value leaves that feature alone (NaN replaced by NaN).
 */
export function imputer(g: GraphBuilder, input: string, imputedValues: readonly number[]): string {
  const [out] = g.node(
    'Imputer',
    [input],
    1,
    { imputed_value_floats: attr.floats(imputedValues), replaced_value_float: attr.float(Number.NaN) },
    ML_DOMAIN,
  );
  return out;
}
