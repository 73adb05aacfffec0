import { OneHotEncoder } from '../preprocess/one-hot-encoder.js';
import { SimpleImputer } from '../preprocess/simple-imputer.js';
import { StandardScaler } from '../preprocess/standard-scaler.js';
import type { Transformer } from '../preprocess/feature-set.js';
import type { GraphBuilder } from './graph-builder.js';
import { concatColumns } from './ops/core.js';
import { imputer } from './ops/imputer.js';
import { oneHotEncoder } from './ops/one-hot-encoder.js';
import { scaler } from './ops/scaler.js';

/**
 * Adds the nodes of one fitted preprocessing step. `numeric` is the float [N, F] tensor holding the
 * features named `names` (undefined while there are none); returns the tensor after the step.
 */
export function exportStep(
  g: GraphBuilder,
  step: Transformer,
  numeric: string | undefined,
  names: readonly string[],
): string | undefined {
  if (step instanceof SimpleImputer) {
    const fill = step.fillValues!;
    if (numeric === undefined || !names.some((n) => fill.has(n))) return numeric;
    const withoutNaN = imputer(g, numeric, names.map((n) => fill.get(n) ?? Number.NaN));
    const sentinel = step.missingValue;
    if (sentinel === undefined) return withoutNaN;
    // ai.onnx.ml.Imputer replaces one value per node, so the sentinel takes a second node. Should a
    // fill value equal the sentinel, replacing it again is a no-op: the result matches in process.
    return imputer(g, withoutNaN, names.map((n) => fill.get(n) ?? sentinel), sentinel);
  }
  if (step instanceof StandardScaler) {
    const params = step.params!;
    if (numeric === undefined || !names.some((n) => params.has(n))) return numeric;
    return scaler(
      g,
      numeric,
      names.map((n) => params.get(n)?.offset ?? 0),
      names.map((n) => params.get(n)?.scale ?? 1),
    );
  }
  if (step instanceof OneHotEncoder) {
    const parts = numeric === undefined ? [] : [numeric];
    for (const [column, categories] of step.categories!) {
      if (categories.length > 0) parts.push(oneHotEncoder(g, column, categories));
    }
    return parts.length === 0 ? undefined : concatColumns(g, parts);
  }
  throw new Error(`no ONNX export for preprocessing step ${step.constructor.name}`);
}
