import { BIGINT, DOUBLE, DuckDBVector, FLOAT, VARCHAR } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type * as duckdb from '@duckdb/node-bindings';
import type { Prediction, TensorSpec } from '@modelyard/sdk';
import type { LoadedRuntimeModel } from '../runtime/model-runtime.js';
import { writeColumn, writeNulls } from './duckdb-vectors.js';
import { PROBABILITY_PREFIX } from './scoring-plan.js';

/** A prediction as the graph answers it, column by column (no array per row). */
export interface ColumnarPrediction {
  /** `width` values per row: the class of a classifier, else the graph's value(s), as its tensor holds them. */
  values: ArrayLike<number | bigint | string>;
  width: number;
  /** Classifiers: class probabilities, row-major [rows, classes]. */
  probabilities?: Float32Array;
  classes?: number;
}

/** The columns batch scoring adds per row: `prediction`, then one probability per class. */
export interface PredictionLayout {
  predictionType: 'BIGINT' | 'DOUBLE' | 'VARCHAR';
  probabilityColumns: string[];
}

const DUCK: Record<PredictionLayout['predictionType'], DuckDBType> = { BIGINT, DOUBLE, VARCHAR };

/**
 * The layout the model's signature promises (`label` / `probabilities` / one value tensor), or
 * undefined when it says too little and the first prediction has to tell.
 */
export function layoutFromSignature(model: LoadedRuntimeModel): PredictionLayout | undefined {
  const outputs = (model.signature?.outputs ?? []).filter((o): o is TensorSpec => o.type === 'tensor');
  if (model.isClassifier) {
    const label = outputs.find((o) => o.name === 'label');
    const probs = outputs.find((o) => o.name === 'probabilities');
    const width = model.classLabels?.length ?? probs?.['tensor-spec'].shape[1];
    if (!label || width === undefined || width < 1) return undefined;
    const dtype = label['tensor-spec'].dtype;
    return { predictionType: dtype === 'string' ? 'VARCHAR' : /int/.test(dtype) ? 'BIGINT' : 'DOUBLE', probabilityColumns: probabilityNames(model, width) };
  }
  if (outputs.length !== 1) return undefined;
  const spec = outputs[0]!['tensor-spec'];
  if (spec.shape.slice(1).some((d) => d !== 1)) return undefined;
  return { predictionType: spec.dtype === 'string' ? 'VARCHAR' : 'DOUBLE', probabilityColumns: [] };
}

export function layoutFromPrediction(model: LoadedRuntimeModel, p: ColumnarPrediction): PredictionLayout {
  const first = p.values[0];
  const integral = p.values instanceof BigInt64Array || p.values instanceof Int32Array || Array.from(p.values as ArrayLike<number>).every((v) => Number.isInteger(v));
  const predictionType = typeof first === 'string' ? 'VARCHAR' : model.isClassifier && integral ? 'BIGINT' : 'DOUBLE';
  return { predictionType, probabilityColumns: p.probabilities && p.classes ? probabilityNames(model, p.classes) : [] };
}

/** The SDK's row-shaped prediction (the general path) in the columnar shape batch scoring writes. */
export function columnarOf(p: Prediction): ColumnarPrediction {
  const first = p.predictions[0];
  if (Array.isArray(first)) return { values: p.predictions.flat(), width: first.length };
  const classes = p.probabilities?.[0]?.length;
  if (!p.probabilities || !classes) return { values: p.predictions as Array<number | string>, width: 1 };
  const probabilities = new Float32Array(p.probabilities.length * classes);
  p.probabilities.forEach((row, i) => probabilities.set(row, i * classes));
  return { values: p.predictions as Array<number | string>, width: 1, probabilities, classes };
}

function probabilityNames(model: LoadedRuntimeModel, width: number): string[] {
  return Array.from({ length: width }, (_, i) => `${PROBABILITY_PREFIX}${String(model.classLabels?.[i] ?? i)}`);
}

/**
 * The prediction columns, in order: `prediction`, then a FLOAT per class (ONNX Runtime's float32
 * probabilities, so CSV shows them without float64 noise).
 */
export function predictionColumns(layout: PredictionLayout): Array<{ name: string; type: DuckDBType }> {
  return [{ name: 'prediction', type: DUCK[layout.predictionType] }, ...layout.probabilityColumns.map((name) => ({ name, type: FLOAT }))];
}

/** Where a batch's prediction columns go: their raw vectors (`prediction`, then one per class), `rows` rows each. */
export interface PredictionVectors {
  rows: number;
  vector(index: number): duckdb.Vector;
}

/**
 * Writes the prediction columns of `target`'s rows: those with `rejected[i]` set are NULL, the
 * others take the next values of `p` from `offset` on. Numbers are copied into DuckDB's vectors
 * one column at a time. Returns the next offset into `p`.
 */
export function writePredictions(target: PredictionVectors, layout: PredictionLayout, rejected: Uint8Array, p: ColumnarPrediction | undefined, offset: number): number {
  if (p && p.width !== 1) throw new Error(`the model answers ${p.width} values per row; batch scoring writes one prediction per row (and class probabilities)`);
  const rows = target.rows;
  const width = layout.probabilityColumns.length;
  // Row i takes value source[i] of p; -1 for rejected rows (NULL).
  const source = new Int32Array(rows);
  let k = offset;
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (rejected[i] || !p) {
      source[i] = -1;
      nulls++;
    } else source[i] = k++;
  }
  if (layout.predictionType === 'VARCHAR') {
    setValues(target, 0, Array.from(source, (s): DuckDBValue => (s < 0 ? null : String(p!.values[s]))));
    for (let c = 0; c < width; c++) {
      setValues(target, 1 + c, Array.from(source, (s): DuckDBValue => (s < 0 || !p?.probabilities ? null : p.probabilities[s * p.classes! + c]!)));
    }
    return k;
  }
  writeColumn(target.vector(0), layout.predictionType === 'BIGINT' ? bigintColumn(p, source) : doubleColumn(p, source));
  for (let c = 0; c < width; c++) {
    const column = new Float32Array(rows);
    const probs = p?.probabilities;
    const classes = p?.classes ?? 0;
    if (probs && c < classes) for (let i = 0; i < rows; i++) column[i] = source[i]! < 0 ? 0 : probs[source[i]! * classes + c]!;
    writeColumn(target.vector(1 + c), column);
    if (nulls > 0 || !probs || c >= classes) writeNulls(target.vector(1 + c), probs && c < classes ? rejected : new Uint8Array(rows).fill(1));
  }
  if (nulls > 0) writeNulls(target.vector(0), p ? rejected : new Uint8Array(rows).fill(1));
  return k;
}

/** Value by value, for text predictions (DuckDB strings cannot be copied in as one block). */
function setValues(target: PredictionVectors, index: number, values: readonly DuckDBValue[]): void {
  const vector = DuckDBVector.create(target.vector(index), target.rows);
  values.forEach((v, i) => vector.setItem(i, v));
  vector.flush();
}

function bigintColumn(p: ColumnarPrediction | undefined, source: Int32Array): BigInt64Array {
  const out = new BigInt64Array(source.length);
  if (!p) return out;
  const values = p.values;
  if (values instanceof BigInt64Array) {
    for (let i = 0; i < source.length; i++) if (source[i]! >= 0) out[i] = values[source[i]!]!;
  } else {
    for (let i = 0; i < source.length; i++) if (source[i]! >= 0) out[i] = BigInt(values[source[i]!] as number);
  }
  return out;
}

function doubleColumn(p: ColumnarPrediction | undefined, source: Int32Array): Float64Array {
  const out = new Float64Array(source.length);
  if (!p) return out;
  const values = p.values;
  for (let i = 0; i < source.length; i++) if (source[i]! >= 0) out[i] = Number(values[source[i]!]);
  return out;
}
