import { assertFitted, selectNumeric, type FeatureSet, type Transformer } from './feature-set.js';

export type ImputeStrategy = 'mean' | 'median';

export interface SimpleImputerOptions {
  strategy?: ImputeStrategy;
  /** Numeric features to impute; all numeric features by default. */
  columns?: readonly string[];
  /**
   * A sentinel value that also means "missing" in the imputed columns (e.g. 0 where a zero reading
   * is impossible). NaN always counts as missing; the sentinel is compared after rounding to float32,
   * as the exported graph compares it.
   */
  missingValue?: number;
}

/**
 * Replaces missing numeric values (NaN, and the `missingValue` sentinel when given) with the
 * column's training mean or median of the values that are not missing.
 */
export class SimpleImputer implements Transformer {
  readonly strategy: ImputeStrategy;
  readonly columns: readonly string[] | undefined;
  /** The float32 sentinel treated as missing besides NaN; undefined when only NaN is missing. */
  readonly missingValue: number | undefined;
  /** Fill value per imputed feature (float32-representable). */
  fillValues: ReadonlyMap<string, number> | undefined;

  constructor(options: SimpleImputerOptions = {}) {
    this.strategy = options.strategy ?? 'mean';
    this.columns = options.columns;
    const sentinel = options.missingValue;
    if (sentinel !== undefined && !Number.isFinite(sentinel)) {
      throw new Error(`SimpleImputer: missingValue must be a finite number (NaN is always missing); got ${sentinel}`);
    }
    // NaN is already missing, so a NaN sentinel adds nothing; only finite sentinels are stored.
    this.missingValue = sentinel === undefined ? undefined : Math.fround(sentinel);
  }

  isMissing(value: number): boolean {
    return Number.isNaN(value) || value === this.missingValue;
  }

  fit(features: FeatureSet): void {
    const selected = selectNumeric(features, this.columns, 'SimpleImputer');
    const fill = new Map<string, number>();
    for (const feature of features.numeric) {
      if (!selected.has(feature.name)) continue;
      const present = Array.from(feature.values).filter((v) => !this.isMissing(v));
      // A column with no values at all has nothing to learn from; 0 keeps downstream steps finite.
      const value = present.length === 0 ? 0 : this.strategy === 'mean' ? mean(present) : median(present);
      fill.set(feature.name, Math.fround(value));
    }
    this.fillValues = fill;
  }

  transform(features: FeatureSet): FeatureSet {
    const fill = assertFitted(this.fillValues, 'SimpleImputer');
    const numeric = features.numeric.map((feature) => {
      const value = fill.get(feature.name);
      if (value === undefined) return feature;
      const values = feature.values.map((v) => (this.isMissing(v) ? value : v));
      return { name: feature.name, values };
    });
    return { ...features, numeric };
  }
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
