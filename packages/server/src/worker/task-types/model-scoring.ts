import { readCsv } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import type { ScoredRows } from './evaluation-metrics.js';

/** Feature columns by name, missing values as null (what a model signature check expects). */
export type FeatureColumns = Record<string, Array<number | string | null>>;

/** A model opened for scoring (the runtime's loaded model, seen through what tasks need). */
export interface ScoringModel {
  predict(columns: FeatureColumns): Promise<ScoredRows>;
  /** Releases the model (the runtime frees its session once nobody holds it). */
  close(): Promise<void>;
}

/**
 * Opens a model URI (`models:/…`, `runs:/…`, a folder) for scoring. The server's ONNX runtime is the
 * one implementation (serving and batch use it too); tasks only see this.
 */
export interface ModelLoader {
  /** `registryUri`: a central registry `models:/<name>…` resolves in, instead of this server's. */
  load(uri: string, opts?: { registryUri?: string }): Promise<ScoringModel>;
}

export interface LabeledData {
  rows: number;
  features: FeatureColumns;
  target: Float64Array;
}

function toCells(frame: DataFrame, name: string): Array<number | string | null> {
  const c = frame.column(name);
  if (c.type === 'number') return Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
  return [...c.values];
}

/**
 * Reads a CSV with a header row and splits off the target column. Rows whose target is empty are
 * dropped: there is nothing to compare their prediction with. Messages call the file `shownAs`
 * (the object-store URI a local copy came from).
 */
export async function readLabeledCsv(path: string, targetColumn: string, shownAs = path): Promise<LabeledData> {
  let frame: DataFrame;
  try {
    frame = await readCsv(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`data_path ${shownAs} does not exist`);
    throw new Error(`cannot read ${shownAs}: ${(e as Error).message}`);
  }
  if (!frame.has(targetColumn)) {
    throw new Error(`${shownAs} has no column '${targetColumn}' (target_column); its columns are ${frame.columnNames.join(', ')}`);
  }
  const target = frame.column(targetColumn);
  if (target.type !== 'number') throw new Error(`target column '${targetColumn}' of ${shownAs} must be numeric (class labels or values)`);
  const keep = Array.from(target.values.keys()).filter((i) => !Number.isNaN(target.values[i]!));
  if (keep.length < frame.rowCount) frame = frame.take(keep);
  if (frame.rowCount === 0) throw new Error(`${shownAs} has no rows with a value in '${targetColumn}'`);
  const features: FeatureColumns = {};
  for (const name of frame.columnNames) if (name !== targetColumn) features[name] = toCells(frame, name);
  return { rows: frame.rowCount, features, target: frame.numbers(targetColumn) };
}
