import { assertFitted, type FeatureSet, type NumericFeature, type Transformer } from './feature-set.js';

export interface OneHotEncoderOptions {
  /** Categorical (string) features to encode; all of them by default. */
  columns?: readonly string[];
}

/**
 * Replaces each categorical feature by one 0/1 feature per category seen in training (sorted),
 * appended after the numeric features. A missing (null or empty) or unseen category encodes as all
 * zeros, which is what ONNX OneHotEncoder does with zeros=1 (missing strings are fed to ONNX as '').
 */
export class OneHotEncoder implements Transformer {
  readonly columns: readonly string[] | undefined;
  categories: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(options: OneHotEncoderOptions = {}) {
    this.columns = options.columns;
  }

  fit(features: FeatureSet): void {
    const names = features.categorical.map((f) => f.name);
    const columns = this.columns ?? names;
    const categories = new Map<string, string[]>();
    for (const column of columns) {
      const feature = features.categorical.find((f) => f.name === column);
      if (!feature) {
        throw new Error(`OneHotEncoder: column "${column}" is not a categorical feature here; categorical features are ${names.join(', ') || '(none)'}`);
      }
      const seen = new Set<string>();
      for (const v of feature.values) if (v !== null && v !== '') seen.add(v);
      categories.set(column, [...seen].sort());
    }
    this.categories = categories;
  }

  transform(features: FeatureSet): FeatureSet {
    const categories = assertFitted(this.categories, 'OneHotEncoder');
    const encoded: NumericFeature[] = [];
    for (const [column, cats] of categories) {
      const feature = features.categorical.find((f) => f.name === column);
      if (!feature) throw new Error(`OneHotEncoder: input has no categorical column "${column}"`);
      const index = new Map(cats.map((c, i) => [c, i]));
      const outputs = cats.map(() => new Float64Array(features.rows));
      feature.values.forEach((v, row) => {
        const k = v === null ? undefined : index.get(v);
        if (k !== undefined) outputs[k][row] = 1;
      });
      cats.forEach((c, k) => encoded.push({ name: `${column}=${c}`, values: outputs[k] }));
    }
    return {
      rows: features.rows,
      numeric: [...features.numeric, ...encoded],
      categorical: features.categorical.filter((f) => !categories.has(f.name)),
    };
  }
}
