import { assertFitted, selectNumeric, type FeatureSet, type Transformer } from './feature-set.js';

export interface StandardScalerOptions {
  /** Numeric features to scale; all numeric features by default. */
  columns?: readonly string[];
}

export interface ScalerParams {
  /** Subtracted first (float32). */
  offset: number;
  /** Then multiplied by (float32): 1 / standard deviation, or 1 for a constant column. */
  scale: number;
}

/**
 * Standardises features to zero mean and unit variance (population standard deviation, as
 * scikit-learn). Applies `(x - offset) * scale` in float32, the exact arithmetic of ONNX Scaler.
 */
export class StandardScaler implements Transformer {
  readonly columns: readonly string[] | undefined;
  params: ReadonlyMap<string, ScalerParams> | undefined;

  constructor(options: StandardScalerOptions = {}) {
    this.columns = options.columns;
  }

  fit(features: FeatureSet): void {
    const selected = selectNumeric(features, this.columns, 'StandardScaler');
    const params = new Map<string, ScalerParams>();
    for (const feature of features.numeric) {
      if (!selected.has(feature.name)) continue;
      let count = 0;
      let sum = 0;
      for (const v of feature.values) {
        if (!Number.isNaN(v)) {
          count++;
          sum += v;
        }
      }
      const mean = count > 0 ? sum / count : 0;
      let squares = 0;
      for (const v of feature.values) if (!Number.isNaN(v)) squares += (v - mean) ** 2;
      const std = count > 0 ? Math.sqrt(squares / count) : 0;
      params.set(feature.name, { offset: Math.fround(mean), scale: Math.fround(std > 0 ? 1 / std : 1) });
    }
    this.params = params;
  }

  transform(features: FeatureSet): FeatureSet {
    const params = assertFitted(this.params, 'StandardScaler');
    const numeric = features.numeric.map((feature) => {
      const p = params.get(feature.name);
      if (!p) return feature;
      const values = feature.values.map((v) => Math.fround(Math.fround(v - p.offset) * p.scale));
      return { name: feature.name, values };
    });
    return { ...features, numeric };
  }
}
