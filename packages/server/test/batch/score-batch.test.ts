import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneHotEncoder, Pipeline, RidgeRegression, SimpleImputer, parseCsv } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { Client, Tracker } from '@modelyard/sdk';
import { OUTPUT_SAMPLE_ARTIFACT, REJECTS_SAMPLE_ARTIFACT } from '../../src/batch/batch-run-log.js';
import { scoreBatch, TooManyRejectsError } from '../../src/batch/score-batch.js';
import type { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { PIMA_CSV, datasetPath } from '../helpers/datasets.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { FEATURES, clientRuntime, duck, expectedScores, logAndRegister, pimaCsvRows, pimaFrame, trainForest, writeCsv } from './batch-fixtures.js';

const MODEL = 'batch-forest';

describe('scoreBatch against a real tracking server', () => {
  let server: TestServer;
  let client: Client;
  let runtime: ModelRuntime;
  let dir: string;
  let frame: DataFrame;
  let pipeline: Pipeline;
  let expected: ReturnType<typeof expectedScores>;
  let pimaCsv: string;

  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ trackingUri: server.url, env: {} });
    dir = mkdtempSync(join(tmpdir(), 'modelyard-batch-'));
    frame = pimaFrame();
    pipeline = trainForest();
    expected = expectedScores(pipeline, frame);
    const version = await logAndRegister(new Tracker({ trackingUri: server.url, env: {} }), pipeline, MODEL);
    await client.registry.setAlias(MODEL, 'champion', version);
    runtime = clientRuntime(client, join(dir, 'models'));
    pimaCsv = join(dir, 'pima.csv');
    writeCsv(pimaCsv, pimaCsvRows(frame));
  });
  afterAll(async () => {
    await runtime?.clear();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every output row holds the prediction the pipeline itself makes for the input row of that id. */
  function expectScoresMatch(rows: Array<Record<string, unknown>>): void {
    for (const row of rows) {
      const want = expected[Number(row.id)]!;
      expect(Number(row.prediction)).toBe(want.prediction);
      expect(Math.abs(Number(row.probability_0) - want.probabilities[0]!)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(Number(row.probability_1) - want.probabilities[1]!)).toBeLessThanOrEqual(1e-5);
    }
  }

  it('scores CSV into Parquet through an alias and records the job as an MLflow run', async () => {
    const output = join(dir, 'csv-to-parquet', 'scores.parquet');
    const result = await scoreBatch({
      modelUri: `models:/${MODEL}@champion`,
      inputPath: pimaCsv,
      outputPath: output,
      runtime,
      batchSize: 100,
      tracking: { client, experimentName: 'nightly-scoring' },
    });
    expect(result).toMatchObject({ rows: 768, scoredRows: 768, rejectedRows: 0, modelName: MODEL, modelVersion: '1', outputFormat: 'parquet' });
    expect(result.rejectsPath).toBeUndefined();

    const columns = (await duck<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM '${output}'`)).map((c) => `${c.column_name} ${c.column_type}`);
    expect(columns).toEqual([
      'id BIGINT',
      ...FEATURES.map((f) => `${f} DOUBLE`),
      'prediction BIGINT',
      'probability_0 FLOAT',
      'probability_1 FLOAT',
      'model_name VARCHAR',
      'model_version VARCHAR',
      'scored_at TIMESTAMP',
    ]);
    const rows = await duck(`SELECT * FROM '${output}'`);
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i));
    expectScoresMatch(rows);
    expect(rows[5]!.Glucose).toBe(frame.numbers('Glucose')[5]);
    expect(new Set(rows.map((r) => `${String(r.model_name)} v${String(r.model_version)}`))).toEqual(new Set([`${MODEL} v1`]));
    expect(Math.abs((rows[0]!.scored_at as Date).getTime() - Date.now())).toBeLessThan(60_000);
    expect(readdirSync(join(dir, 'csv-to-parquet'))).toEqual(['scores.parquet']);

    const run = await client.tracking.getRun(result.runId!);
    expect(run.info.status).toBe('FINISHED');
    const experiment = await client.tracking.getExperimentByName('nightly-scoring');
    expect(run.info.experimentId).toBe(experiment.experimentId);
    expect(run.data.params).toMatchObject({
      model_uri: `models:/${MODEL}@champion`,
      model_name: MODEL,
      model_version: '1',
      input_path: pimaCsv,
      output_path: output,
      rows: '768',
      input_format: 'csv',
      output_format: 'parquet',
    });
    expect(run.data.metrics).toMatchObject({ rows: 768, rows_scored: 768, rows_rejected: 0, reject_ratio: 0 });
    expect(run.data.metrics.rows_per_second).toBeGreaterThan(0);
    expect(run.data.metrics.duration_seconds).toBeGreaterThan(0);
    const sample = (await client.artifacts.readBytes(run.info.artifactUri, OUTPUT_SAMPLE_ARTIFACT)).toString('utf8').trim().split('\n');
    expect(sample).toHaveLength(21);
    expect(sample[0]).toContain('prediction,probability_0,probability_1,model_name,model_version,scored_at');
    expect(sample[1]!.startsWith('0,')).toBe(true);
  });

  it('scores Parquet into CSV keeping only the id column, across many segments, in input order', async () => {
    const input = join(dir, 'pima.parquet');
    await duck(`COPY (SELECT * FROM read_csv('${pimaCsv}')) TO '${input}' (FORMAT parquet)`);
    const output = join(dir, 'ids.csv');
    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: output, runtime, idColumns: ['id'], batchSize: 50, segmentRows: 100 });
    expect(result).toMatchObject({ rows: 768, scoredRows: 768, outputFormat: 'csv' });
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,prediction,probability_0,probability_1,model_name,model_version,scored_at');
    expect(lines).toHaveLength(769);
    const rows = await duck(`SELECT * FROM read_csv('${output}')`);
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i));
    expectScoresMatch(rows);
  });

  it('writes JSON lines (what pipeline tasks ask for), one object per row across parts', async () => {
    const output = join(dir, 'scores.jsonl');
    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: pimaCsv, outputPath: output, runtime, idColumns: ['id'], batchSize: 64, segmentRows: 200 });
    expect(result).toMatchObject({ rows: 768, outputFormat: 'jsonl' });
    const rows = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 768 }, (_, i) => i));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'prediction', 'probability_0', 'probability_1', 'model_name', 'model_version', 'scored_at']);
    expectScoresMatch(rows);
  });

  it('sends rows that fail validation to a rejects file with the reason and fails above the reject ratio', async () => {
    const rows = pimaCsvRows(frame.head(40));
    rows[3] = '3,6,abc,72,35,0,33.6,0.627,50';
    rows[7] = '7,1,85,66,29,0,26.6,0.351,thirty';
    rows[11] = '11,,85,,29,0,26.6,0.351,31'; // blank cells are missing values, scored with NaN
    const input = join(dir, 'bad-rows.csv');
    writeCsv(input, rows);
    const output = join(dir, 'bad', 'scores.csv');

    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: output, runtime, maxRejectRatio: 0.1 });
    expect(result).toMatchObject({ rows: 40, scoredRows: 38, rejectedRows: 2, rejectRatio: 0.05, rejectsPath: join(dir, 'bad', 'scores.rejects.csv') });
    const scored = await duck(`SELECT * FROM read_csv('${output}')`);
    expect(scored.map((r) => Number(r.id))).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 3 && i !== 7));
    expect(scored.find((r) => Number(r.id) === 11)!.prediction).not.toBeNull();
    const rejects = await duck(`SELECT * FROM read_csv('${result.rejectsPath}', all_varchar = true)`);
    expect(rejects.map((r) => [r.input_row, r.reject_reason, r.id])).toEqual([
      ['4', "column 'Glucose' expects double values, got 'abc'", '3'],
      ['8', "column 'Age' expects double values, got 'thirty'", '7'],
    ]);

    // Above the ratio: the rejects are written (they say why), the output is not, and the run fails.
    writeFileSync(output, 'an older, complete output\n');
    const failed = await scoreBatch({
      modelUri: `models:/${MODEL}/1`,
      inputPath: input,
      outputPath: output,
      runtime,
      maxRejectRatio: 0.01,
      tracking: { client, experimentName: 'nightly-scoring', runName: 'too-many-rejects' },
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TooManyRejectsError);
    expect((failed as Error).message).toMatch(/2 of 40 rows \(5\.00%\) failed validation, above the allowed 1\.00%/);
    expect(readFileSync(output, 'utf8')).toBe('an older, complete output\n');
    expect(existsSync(result.rejectsPath!)).toBe(true);
    const [run] = (await client.tracking.searchRuns([(await client.tracking.getExperimentByName('nightly-scoring')).experimentId], { filter: "attributes.run_name = 'too-many-rejects'" })).items;
    expect(run!.info.status).toBe('FAILED');
    expect(run!.data.metrics).toMatchObject({ rows: 40, rows_rejected: 2 });
    expect(run!.data.tags['modelyard.error']).toMatch(/failed validation/);
  });

  it('numbers rejected rows by their input row across segments and batches', async () => {
    const rows = pimaCsvRows(frame);
    const bad = [5, 300, 701];
    for (const i of bad) rows[i] = `${i},1,85,66,29,0,26.6,0.351,n/a`;
    const input = join(dir, 'bad-across-segments.csv');
    writeCsv(input, rows);
    const output = join(dir, 'bad-across-segments.parquet');
    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: output, runtime, batchSize: 64, segmentRows: 128 });
    expect(result).toMatchObject({ rows: 768, scoredRows: 765, rejectedRows: 3 });
    const scored = await duck(`SELECT * FROM '${output}'`);
    expect(scored.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i).filter((i) => !bad.includes(i)));
    expectScoresMatch(scored);
    const rejects = await duck(`SELECT input_row, reject_reason, id FROM '${result.rejectsPath}'`);
    expect(rejects.map((r) => [Number(r.input_row), r.reject_reason, Number(r.id)])).toEqual(bad.map((i) => [i + 1, "column 'Age' expects double values, got 'n/a'", i]));
  });

  it('scores a CSV whose CRLF lines end in a bare LF (a newline appended to a Windows file), label column and all', async () => {
    // The Pima file has CRLF line endings and no final newline; appending one makes the mix
    // DuckDB's strict CSV sniffer refuses ("Error when sniffing file").
    const input = join(dir, 'pima-appended-newline.csv');
    writeFileSync(input, Buffer.concat([readFileSync(PIMA_CSV), Buffer.from('\n')]));
    const output = join(dir, 'pima-appended-newline.parquet');
    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: output, runtime });
    expect(result).toMatchObject({ rows: 768, scoredRows: 768 });
    const rows = await duck(`SELECT * FROM '${output}'`);
    expect(Object.keys(rows[0]!).slice(0, 10)).toEqual([...FEATURES, 'Outcome', 'prediction']);
    expect(rows.map((r) => Number(r.Outcome))).toEqual(Array.from(frame.numbers('Outcome')));
    rows.forEach((r, i) => expect(Number(r.prediction)).toBe(expected[i]!.prediction));
  });

  it('refuses a file that is not CSV at all, naming it', async () => {
    const input = join(dir, 'noise.csv');
    let x = 7;
    writeFileSync(input, Buffer.from(Array.from({ length: 4096 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % 256)));
    await expect(scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: join(dir, 'noise.parquet'), runtime })).rejects.toThrow(
      /cannot read '.*noise\.csv' as CSV: DuckDB could not detect its delimiter, quoting and line endings/,
    );
    writeFileSync(join(dir, 'empty.csv'), '');
    await expect(scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: join(dir, 'empty.csv'), outputPath: join(dir, 'empty.parquet'), runtime })).rejects.toThrow(
      /input '.*empty\.csv' is empty; a CSV input needs at least its header row/,
    );
  });

  it('scores a model with a text input (one-hot SEX) through the runtime, rows and predictions in order', async () => {
    const raw = parseCsv(readFileSync(datasetPath('sklearn_diabetes_raw.csv'), 'utf8'), { columnTypes: { SEX: 'string' } });
    const regressor = new Pipeline([new SimpleImputer({ strategy: 'mean' }), new OneHotEncoder({ columns: ['SEX'] })], new RidgeRegression({ alpha: 1 })).fit(raw, 'Y');
    await logAndRegister(new Tracker({ trackingUri: server.url, env: {} }), regressor, 'batch-ridge');
    const input = datasetPath('sklearn_diabetes_batch_input.csv');
    const batch = parseCsv(readFileSync(input, 'utf8'), { columnTypes: { SEX: 'string' } });
    const output = join(dir, 'ridge.csv');
    const result = await scoreBatch({ modelUri: 'models:/batch-ridge/1', inputPath: input, outputPath: output, runtime, batchSize: 4 });
    expect(result).toMatchObject({ rows: batch.rowCount, scoredRows: batch.rowCount });
    const rows = await duck(`SELECT * FROM read_csv('${output}')`);
    expect(rows.map((r) => r.SEX)).toEqual(Array.from(batch.strings('SEX')));
    const want = regressor.predict(batch);
    rows.forEach((r, i) => expect(Number(r.prediction)).toBeCloseTo(want[i]!, 2));
    expect(Object.keys(rows[0]!)).not.toContain('probability_0');
  });

  it('reads a folder of part files in name order, skipping markers', async () => {
    const folder = join(dir, 'parts');
    mkdirSync(folder);
    const all = pimaCsvRows(frame);
    writeCsv(join(folder, 'part-00000.csv'), all.slice(0, 300));
    writeCsv(join(folder, 'part-00001.csv'), all.slice(300, 500));
    writeCsv(join(folder, 'part-00002.csv'), all.slice(500));
    writeFileSync(join(folder, '_SUCCESS'), '');
    const output = join(dir, 'parts-scored.parquet');
    const result = await scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: folder, outputPath: output, runtime, segmentRows: 256, batchSize: 128 });
    expect(result.rows).toBe(768);
    const rows = await duck(`SELECT * FROM '${output}'`);
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i));
    expectScoresMatch(rows);
  });

  it('a cancelled job leaves nothing under the final name and no work folder', async () => {
    const big = join(dir, 'big.csv');
    const all = pimaCsvRows(frame);
    writeCsv(big, Array.from({ length: 20 }, (_, k) => all.map((line) => `${k * 1000 + Number(line.slice(0, line.indexOf(',')))}${line.slice(line.indexOf(','))}`)).flat());
    const out = join(dir, 'cancelled');
    mkdirSync(out);
    const controller = new AbortController();
    const error = await scoreBatch({
      modelUri: `models:/${MODEL}/1`,
      inputPath: big,
      outputPath: join(out, 'scores.parquet'),
      runtime,
      batchSize: 1000,
      segmentRows: 2000,
      signal: controller.signal,
      tracking: { client, experimentName: 'nightly-scoring', runName: 'cancelled' },
      onProgress: ({ rows }) => {
        if (rows >= 3000) controller.abort(new Error('stop'));
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop');
    expect(readdirSync(out)).toEqual([]);
    const [run] = (await client.tracking.searchRuns([(await client.tracking.getExperimentByName('nightly-scoring')).experimentId], { filter: "attributes.run_name = 'cancelled'" })).items;
    expect(run!.info.status).toBe('KILLED');
  });

  it('refuses an input without a column the model needs, naming it', async () => {
    const input = join(dir, 'no-age.csv');
    writeFileSync(input, 'id,Pregnancies,Glucose\n1,2,3\n');
    await expect(scoreBatch({ modelUri: `models:/${MODEL}/1`, inputPath: input, outputPath: join(dir, 'no-age.parquet'), runtime })).rejects.toThrow(
      /the input has no column 'BloodPressure' \(double\), which the model requires; the input has: id, Pregnancies, Glucose/,
    );
    expect(existsSync(join(dir, 'no-age.parquet'))).toBe(false);
  });
});
