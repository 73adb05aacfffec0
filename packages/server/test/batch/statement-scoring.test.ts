import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, RidgeRegression, SimpleImputer, parseCsv, toOnnx } from '@modelyard/learn';
import { onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { InferenceWorker } from '../../src/batch/inference-worker.js';
import { scoreBatch } from '../../src/batch/score-batch.js';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { datasetPath } from '../helpers/datasets.js';
import { duck, expectedScores, FEATURES, pimaCsvRows, pimaFrame, trainForest, writeCsv } from './batch-fixtures.js';

/*
 * A CSV job whose rows cannot be rejected runs as one DuckDB statement calling the inference
 * worker for each vector of rows. The classifier goes that way in the other batch suites; here a
 * regressor (one DOUBLE prediction, no probabilities: from CSV by the statement, from Parquet by
 * segments, to the same output) and the worker's shared calls themselves.
 */
describe('batch scoring in one statement', () => {
  let dir: string;
  let runtime: ModelRuntime;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-batch-statement-'));
    runtime = new ModelRuntime({ source: new LocalFolderModelSource(), intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await runtime?.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  function saveModel(name: string, pipeline: Pipeline): string {
    const modelDir = join(dir, name);
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'model.onnx'), toOnnx(pipeline, { name }));
    writeFileSync(
      join(modelDir, 'MLmodel'),
      writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.17.0'), modelUuid: name, utcTimeCreated: utcTimeCreated(), signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()) }),
    );
    return modelDir;
  }

  it('scores a numeric regressor from CSV and Parquet: one prediction per row, in order, text columns kept', async () => {
    const numeric = ['AGE', 'BMI', 'BP', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6'];
    const raw = parseCsv(readFileSync(datasetPath('sklearn_diabetes_raw.csv'), 'utf8'), { columnTypes: { SEX: 'string' } });
    const regressor = new Pipeline([new SimpleImputer({ strategy: 'mean' })], new RidgeRegression({ alpha: 1 })).fit(raw.select([...numeric, 'Y']), 'Y');
    const modelDir = saveModel('ridge', regressor);
    const input = datasetPath('sklearn_diabetes_batch_input.csv');
    const batch = parseCsv(readFileSync(input, 'utf8'), { columnTypes: { SEX: 'string' } });
    const want = regressor.predict(batch.select(numeric));
    const parquetInput = join(dir, 'input.parquet');
    await duck(`COPY (SELECT * FROM read_csv('${input}')) TO '${parquetInput}' (FORMAT parquet)`);

    for (const [from, to] of [
      [input, join(dir, 'ridge.csv')],
      [parquetInput, join(dir, 'ridge.parquet')],
    ] as const) {
      const progress: number[] = [];
      const result = await scoreBatch({ modelUri: modelDir, inputPath: from, outputPath: to, runtime, onProgress: (p) => progress.push(p.rows) });
      expect(result).toMatchObject({ rows: batch.rowCount, scoredRows: batch.rowCount, rejectedRows: 0 });
      expect(result.rejectsPath).toBeUndefined();
      expect(progress.at(-1)).toBe(batch.rowCount);
      const rows = await duck(`SELECT * FROM '${to}'`);
      expect(Object.keys(rows[0]!)).toEqual([...batch.columnNames, 'prediction', 'model_name', 'model_version', 'scored_at']);
      expect(rows.map((r) => r.SEX)).toEqual(Array.from(batch.strings('SEX')));
      rows.forEach((r, i) => expect(Number(r.prediction)).toBeCloseTo(want[i]!, 2));
      const [types] = await duck<{ t: string }>(`SELECT typeof(prediction) AS t FROM '${to}' LIMIT 1`);
      expect(types!.t).toBe('DOUBLE');
    }
  });

  it('keeps only the id column when asked, and refuses an input column named like its own STRUCT', async () => {
    const forest = trainForest();
    const modelDir = saveModel('forest-ids', forest);
    const frame = pimaFrame();
    const input = join(dir, 'pima.csv');
    writeCsv(input, pimaCsvRows(frame));
    const output = join(dir, 'ids.csv');
    const result = await scoreBatch({ modelUri: modelDir, inputPath: input, outputPath: output, runtime, idColumns: ['id'] });
    expect(result).toMatchObject({ rows: frame.rowCount, rejectedRows: 0 });
    const rows = await duck(`SELECT * FROM read_csv('${output}')`);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'prediction', 'probability_0', 'probability_1', 'model_name', 'model_version', 'scored_at']);
    const want = expectedScores(forest, frame);
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      expect(Number(r.prediction)).toBe(want[i]!.prediction);
      expect(Math.abs(Number(r.probability_1) - want[i]!.probabilities[1]!)).toBeLessThanOrEqual(1e-5);
    });

    const clash = join(dir, 'clash.csv');
    writeFileSync(clash, `__scored,${FEATURES.join(',')}\n1,${FEATURES.map(() => '1').join(',')}\n`);
    await expect(scoreBatch({ modelUri: modelDir, inputPath: clash, outputPath: join(dir, 'clash-out.csv'), runtime })).rejects.toThrow(
      "the input has a column '__scored', a name batch scoring uses internally; keep only other columns with --id-column, or rename it",
    );
  });

  it('shared calls answer as message calls do; failures are errors naming the cause, and the worker goes on', async () => {
    const modelPath = join(saveModel('forest', trainForest()), 'model.onnx');
    const frame = pimaFrame();
    const rows = 100;
    const width = FEATURES.length;
    const fill = (m: Float32Array) => FEATURES.forEach((f, j) => frame.numbers(f).slice(0, rows).forEach((v, i) => (m[i * width + j] = v)));
    const worker = (await InferenceWorker.open(modelPath, [...FEATURES], 1))!;
    try {
      // A message call hands its matrix over: each call packs a new one.
      const packed = () => {
        const m = new Float32Array(rows * width);
        fill(m);
        return m;
      };
      const handed = packed();
      const byMessage = await worker.predict(handed, rows);
      await expect(worker.predict(handed, rows)).rejects.toThrow(`a batch of ${rows} rows needs ${rows * width} values, got 0 (its buffer was handed to an earlier call)`);

      const shared = worker.share(rows, 8 + 4 * 2);
      fill(shared.matrix);
      const now = shared.run(rows);
      expect(Array.from(now.values)).toEqual(Array.from(byMessage.values));
      expect(Array.from(now.probabilities!)).toEqual(Array.from(byMessage.probabilities!));
      expect(now.classes).toBe(2);
      expect(Array.from(shared.run(10).values)).toEqual(Array.from(byMessage.values).slice(0, 10));
      expect(() => shared.run(rows + 1)).toThrow(`a shared call takes at most ${rows} rows, got ${rows + 1}`);
      await shared.stop();

      // Too little room for the answer (1 byte a row): refused by name, and the next call works.
      const cramped = worker.share(rows, 1);
      fill(cramped.matrix);
      expect(() => cramped.run(rows)).toThrow(/^the answer \(\d+ bytes\) is larger than the model signature promised/);
      await cramped.stop();
      expect(Array.from((await worker.predict(packed(), rows)).values)).toEqual(Array.from(byMessage.values));
    } finally {
      await worker.close();
    }

    // A matrix narrower than the graph's input: ONNX Runtime's refusal comes back as the error.
    const narrow = (await InferenceWorker.open(modelPath, FEATURES.slice(0, 7), 1))!;
    try {
      const shared = narrow.share(rows, 16);
      expect(() => shared.run(rows)).toThrow(/^ONNX Runtime: /);
      // Closing while shared calls are on wakes the worker first.
    } finally {
      await narrow.close();
    }
  });
});
