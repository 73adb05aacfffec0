import { BIGINT, DOUBLE, DuckDBDataChunk, FLOAT, VARCHAR } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Prediction, TensorSpec } from '@modelyard/sdk';
import type { LoadedRuntimeModel } from '../runtime/model-runtime.js';
import { PROBABILITY_PREFIX } from './scoring-plan.js';
import { sqlIdent } from './sql.js';

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

export function layoutFromPrediction(model: LoadedRuntimeModel, p: Prediction): PredictionLayout {
  const first = p.predictions[0];
  if (Array.isArray(first)) {
    throw new Error(`the model answers ${first.length} values per row; batch scoring writes one prediction per row (and class probabilities)`);
  }
  const predictionType = typeof first === 'string' ? 'VARCHAR' : model.isClassifier && p.predictions.every((v) => Number.isInteger(v)) ? 'BIGINT' : 'DOUBLE';
  return { predictionType, probabilityColumns: p.probabilities?.[0] ? probabilityNames(model, p.probabilities[0].length) : [] };
}

function probabilityNames(model: LoadedRuntimeModel, width: number): string[] {
  return Array.from({ length: width }, (_, i) => `${PROBABILITY_PREFIX}${String(model.classLabels?.[i] ?? i)}`);
}

/** Probabilities are ONNX Runtime's float32 values: stored as FLOAT, so CSV shows them without float64 noise. */
export function predictionTableSql(table: string, layout: PredictionLayout): string {
  const cols = [`"prediction" ${layout.predictionType}`, ...layout.probabilityColumns.map((c) => `${sqlIdent(c)} FLOAT`)];
  return `CREATE TABLE ${sqlIdent(table)} (${cols.join(', ')})`;
}

/**
 * Appends the predictions of one scanned chunk: `rows` rows of which those with `rejected[i]`
 * set get NULLs, the others take the next values of `p` from `offset` on. Returns the new offset.
 */
export function appendPredictions(
  appender: DuckDBAppender,
  layout: PredictionLayout,
  rows: number,
  rejected: Uint8Array,
  p: Prediction | undefined,
  offset: number,
): number {
  const width = layout.probabilityColumns.length;
  const prediction = new Array<DuckDBValue>(rows);
  const probabilities = Array.from({ length: width }, () => new Array<DuckDBValue>(rows));
  let k = offset;
  for (let i = 0; i < rows; i++) {
    if (rejected[i] || !p) {
      prediction[i] = null;
      for (let c = 0; c < width; c++) probabilities[c]![i] = null;
      continue;
    }
    const v = p.predictions[k] as number | string;
    prediction[i] = layout.predictionType === 'BIGINT' ? BigInt(v) : layout.predictionType === 'VARCHAR' ? String(v) : Number(v);
    const row = p.probabilities?.[k];
    for (let c = 0; c < width; c++) probabilities[c]![i] = row?.[c] ?? null;
    k++;
  }
  const chunk = DuckDBDataChunk.create([DUCK[layout.predictionType], ...layout.probabilityColumns.map(() => FLOAT)], rows);
  chunk.setColumns([prediction, ...probabilities]);
  appender.appendDataChunk(chunk);
  return k;
}
