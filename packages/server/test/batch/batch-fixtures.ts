import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Pipeline, RandomForestClassifier, parseCsv, toOnnx } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { Client, Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import { ClientModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { datasetPath } from '../helpers/datasets.js';


export const FEATURES = ['Pregnancies', 'Glucose', 'BloodPressure', 'SkinThickness', 'Insulin', 'BMI', 'DiabetesPedigreeFunction', 'Age'] as const;

export function pimaFrame(): DataFrame {
  return parseCsv(readFileSync(datasetPath('pima_diabetes.csv'), 'utf8'));
}

/** A small random forest: a real tree ensemble, trained in well under a second. */
export function trainForest(): Pipeline {
  return new Pipeline([], new RandomForestClassifier({ nTrees: 8, maxDepth: 6, seed: 7 })).fit(pimaFrame(), 'Outcome');
}

/** Logs `pipeline` in a run of `experiment` and registers it; returns the version. */
export async function logAndRegister(tracker: Tracker, pipeline: Pipeline, name: string): Promise<string> {
  await tracker.setExperiment('batch-models');
  const info = await tracker.withRun({}, () =>
    logModelWith(tracker, toOnnx(pipeline, { name }), {
      signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
      registeredModelName: name,
    }),
  );
  return info.registeredVersion!.version;
}

export function clientRuntime(client: Client, cacheDir: string): ModelRuntime {
  return new ModelRuntime({ source: new ClientModelSource(client, { cacheDir }), intraOpNumThreads: 1 });
}

/** The Pima rows (without the label) as `id,<features>` CSV lines, ids from `firstId`. */
export function pimaCsvRows(frame: DataFrame, firstId = 0): string[] {
  const columns = FEATURES.map((f) => frame.numbers(f));
  return Array.from({ length: frame.rowCount }, (_, i) => [firstId + i, ...columns.map((c) => c[i])].join(','));
}

export function writeCsv(path: string, rows: readonly string[]): void {
  writeFileSync(path, `id,${FEATURES.join(',')}\n${rows.join('\n')}\n`);
}

/** Runs one DuckDB query on a throwaway in-memory database (reading or writing test files). */
export async function duck<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  try {
    const conn = await instance.connect();
    const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
    conn.closeSync();
    return rows;
  } finally {
    instance.closeSync();
  }
}

/** What the pipeline itself predicts for every Pima row: the reference the scored files are held to. */
export function expectedScores(pipeline: Pipeline, frame: DataFrame): Array<{ prediction: number; probabilities: number[] }> {
  const features = frame.select([...FEATURES]);
  const predictions = pipeline.predict(features);
  const probabilities = pipeline.predictProba(features);
  return Array.from(predictions, (prediction, i) => ({ prediction, probabilities: probabilities[i]! }));
}
