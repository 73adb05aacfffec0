import type { DataFrame } from '../data/data-frame.js';
import { fromColumns, toRows, type Matrix } from '../linalg/matrix.js';
import type { Estimator } from '../models/estimator.js';
import type { CategoricalFeature, FeatureSet, NumericFeature, Transformer } from '../preprocess/feature-set.js';
import type { InputColumnSpec, OutputTensorSpec, Task } from './schema.js';

/** What fitting learned about the data's shape; the ONNX export is built from it. */
export interface PipelineLayout {
  readonly task: Task;
  /** Input columns in the training frame's order. */
  readonly inputColumns: readonly InputColumnSpec[];
  readonly numericColumns: readonly string[];
  readonly categoricalColumns: readonly string[];
  /** Numeric feature names entering each step; the last entry is what the estimator sees. */
  readonly numericFeaturesBeforeStep: readonly (readonly string[])[];
  /** Sorted class values (classification only). */
  readonly classes: readonly number[];
}

/**
 * Preprocessing steps followed by one estimator. Fit learns each step on the output of the one
 * before; predict replays them. All numeric values are rounded to float32 on entry, as the ONNX
 * graph's float input does.
 */
export class Pipeline {
  readonly steps: readonly Transformer[];
  readonly estimator: Estimator;
  private fittedLayout: PipelineLayout | undefined;

  constructor(steps: readonly Transformer[], estimator: Estimator) {
    this.steps = steps;
    this.estimator = estimator;
  }

  get task(): Task {
    return this.estimator.task;
  }

  get layout(): PipelineLayout {
    if (!this.fittedLayout) throw new Error('pipeline is not fitted; call fit() first');
    return this.fittedLayout;
  }

  get classes(): readonly number[] {
    return this.layout.classes;
  }

  /**
   * Trains on `frame`. `target` names a column of the frame (left out of the features) or gives the
   * target values directly.
   */
  fit(frame: DataFrame, target: string | ArrayLike<number>): this {
    const features = typeof target === 'string' ? frame.drop([target]) : frame;
    const y = typeof target === 'string' ? frame.numbers(target) : Float64Array.from(target);
    if (y.length !== frame.rowCount) throw new Error(`target has ${y.length} values but the frame has ${frame.rowCount} rows`);
    y.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`target row ${i + 1} is missing or not a number`);
    });
    const inputColumns: InputColumnSpec[] = features.columnNames.map((name) => ({
      name,
      type: features.column(name).type === 'number' ? 'double' : 'string',
    }));
    const numericColumns = inputColumns.filter((c) => c.type === 'double').map((c) => c.name);
    const categoricalColumns = inputColumns.filter((c) => c.type === 'string').map((c) => c.name);
    let set = toFeatureSet(features, numericColumns, categoricalColumns);
    const numericFeaturesBeforeStep: string[][] = [];
    for (const step of this.steps) {
      numericFeaturesBeforeStep.push(set.numeric.map((f) => f.name));
      step.fit(set);
      set = step.transform(set);
    }
    numericFeaturesBeforeStep.push(set.numeric.map((f) => f.name));
    const x = toMatrix(set);
    let classes: number[] = [];
    if (this.estimator.task === 'classification') {
      classes = [...new Set(y)].sort((a, b) => a - b);
      for (const c of classes) {
        if (!Number.isSafeInteger(c)) throw new Error(`classification targets must be integers; found ${c}`);
      }
      const index = new Map(classes.map((c, i) => [c, i]));
      this.estimator.fit(x, Int32Array.from(y, (v) => index.get(v)!), classes.length);
    } else {
      this.estimator.fit(x, y);
    }
    this.fittedLayout = {
      task: this.estimator.task,
      inputColumns,
      numericColumns,
      categoricalColumns,
      numericFeaturesBeforeStep,
      classes,
    };
    return this;
  }

  /** The feature matrix the estimator sees for `frame` (after every step). */
  transform(frame: DataFrame): Matrix {
    const layout = this.layout;
    let set = toFeatureSet(frame, layout.numericColumns, layout.categoricalColumns);
    for (const step of this.steps) set = step.transform(set);
    return toMatrix(set);
  }

  /** Class values for a classifier (first most probable class), numbers for a regressor. */
  predict(frame: DataFrame): Float64Array {
    const x = this.transform(frame);
    const estimator = this.estimator;
    if (estimator.task === 'regression') return estimator.predict(x);
    const proba = estimator.predictProba(x);
    const classes = this.layout.classes;
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let k = 1; k < proba.cols; k++) if (proba.data[i * proba.cols + k] > proba.data[i * proba.cols + best]) best = k;
      out[i] = classes[best];
    }
    return out;
  }

  /** Class probabilities, one row per input row, columns in the order of `classes`. */
  predictProba(frame: DataFrame): number[][] {
    const estimator = this.estimator;
    if (estimator.task !== 'classification') throw new Error('predictProba needs a classifier; this pipeline is a regressor');
    return toRows(estimator.predictProba(this.transform(frame)));
  }

  /** Input columns and their types, for an MLflow model signature. */
  inputSchema(): InputColumnSpec[] {
    return [...this.layout.inputColumns];
  }

  /** Outputs of the exported ONNX graph, for an MLflow model signature. */
  outputSchema(): OutputTensorSpec[] {
    const layout = this.layout;
    if (layout.task === 'regression') return [{ name: 'variable', type: 'float32', shape: [-1, 1] }];
    return [
      { name: 'label', type: 'int64', shape: [-1] },
      { name: 'probabilities', type: 'float32', shape: [-1, layout.classes.length] },
    ];
  }
}

function toFeatureSet(frame: DataFrame, numeric: readonly string[], categorical: readonly string[]): FeatureSet {
  const numericFeatures: NumericFeature[] = numeric.map((name) => {
    const column = frame.column(name);
    if (column.type !== 'number') throw new Error(`column "${name}" must hold numbers (it did in training), got strings`);
    return { name, values: column.values.map(Math.fround) };
  });
  const categoricalFeatures: CategoricalFeature[] = categorical.map((name) => {
    const column = frame.column(name);
    // A column of only empty cells reads as numeric; its values are all missing either way.
    const values =
      column.type === 'string' ? column.values : Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v)));
    return { name, values };
  });
  return { rows: frame.rowCount, numeric: numericFeatures, categorical: categoricalFeatures };
}

function toMatrix(set: FeatureSet): Matrix {
  if (set.categorical.length > 0) {
    const names = set.categorical.map((f) => f.name).join(', ');
    throw new Error(`string columns ${names} reach the estimator; add a OneHotEncoder step for them`);
  }
  return fromColumns(
    set.numeric.map((f) => f.values),
    set.rows,
  );
}
