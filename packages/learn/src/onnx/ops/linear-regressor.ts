import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { ElementType, attr } from '../onnx-proto.js';

/** ai.onnx.ml.LinearRegressor with one target: float [N, 1] = x·w + b. */
export function linearRegressor(g: GraphBuilder, input: string, coefficients: ArrayLike<number>, intercept: number): string {
  const [out] = g.node(
    'LinearRegressor',
    [input],
    1,
    { coefficients: attr.floats(coefficients), intercepts: attr.floats([intercept]), targets: attr.int(1) },
    ML_DOMAIN,
  );
  return g.declare(out, ElementType.FLOAT, ['N', 1]);
}
