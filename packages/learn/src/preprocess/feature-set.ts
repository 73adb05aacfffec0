/**
 * The features flowing through a pipeline. Numeric values are always float32-representable
 * (rounded with Math.fround after every step) because the exported ONNX graph computes in float32:
 * doing the same rounding in process is what makes in-process and ONNX predictions agree.
 */
export interface NumericFeature {
  readonly name: string;
  readonly values: Float64Array;
}

export interface CategoricalFeature {
  readonly name: string;
  readonly values: readonly (string | null)[];
}

export interface FeatureSet {
  readonly rows: number;
  readonly numeric: readonly NumericFeature[];
  readonly categorical: readonly CategoricalFeature[];
}

/** A preprocessing step: learns its parameters from training features, then maps feature sets. */
export interface Transformer {
  fit(features: FeatureSet): void;
  transform(features: FeatureSet): FeatureSet;
}

/** Resolves a step's `columns` option against the features present, naming any that are absent. */
export function selectNumeric(features: FeatureSet, columns: readonly string[] | undefined, step: string): Set<string> {
  const names = features.numeric.map((f) => f.name);
  if (columns === undefined) return new Set(names);
  for (const column of columns) {
    if (!names.includes(column)) {
      throw new Error(`${step}: column "${column}" is not a numeric feature here; numeric features are ${names.join(', ')}`);
    }
  }
  return new Set(columns);
}

export function assertFitted<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`${step} is not fitted; call fit() first`);
  return value;
}
