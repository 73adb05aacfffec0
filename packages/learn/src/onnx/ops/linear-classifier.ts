import { ML_DOMAIN, type GraphBuilder } from '../graph-builder.js';
import { attr } from '../onnx-proto.js';

export interface LinearClassifierSpec {
  /** Row-major [classes × features]. */
  coefficients: ArrayLike<number>;
  intercepts: ArrayLike<number>;
  classLabels: readonly number[];
  postTransform: 'NONE' | 'LOGISTIC' | 'SOFTMAX';
}

/** ai.onnx.ml.LinearClassifier; returns its score tensor Z (float [N, classes]). */
export function linearClassifier(g: GraphBuilder, input: string, spec: LinearClassifierSpec): string {
  const [, scores] = g.node(
    'LinearClassifier',
    [input],
    2,
    {
      classlabels_ints: attr.ints(spec.classLabels),
      coefficients: attr.floats(spec.coefficients),
      intercepts: attr.floats(spec.intercepts),
      multi_class: attr.int(0),
      post_transform: attr.string(spec.postTransform),
    },
    ML_DOMAIN,
  );
  return scores;
}
