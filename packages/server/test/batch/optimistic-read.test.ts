import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOnnx } from '@modelyard/learn';
import type { DataFrame, Pipeline } from '@modelyard/learn';
import { onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { readSql } from '../../src/batch/input-source.js';
import { scoreBatch } from '../../src/batch/score-batch.js';
import { planScoring } from '../../src/batch/scoring-plan.js';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { duck, expectedScores, FEATURES, pimaCsvRows, pimaFrame, trainForest, writeCsv } from './batch-fixtures.js';

/*
 * CSV model inputs are first converted without checking each row; a cell that does not convert
 * makes the job start over with the checking plan. These tests hold both paths to real outputs,
 * and the vector-by-vector copy of kept columns to every column type it handles.
 */
describe('scoreBatch: optimistic conversion and kept columns', () => {
  let dir: string;
  let modelDir: string;
  let runtime: ModelRuntime;
  let frame: DataFrame;
  let pipeline: Pipeline;
  let expected: ReturnType<typeof expectedScores>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-batch-optimistic-'));
    frame = pimaFrame();
    pipeline = trainForest();
    expected = expectedScores(pipeline, frame);
    modelDir = join(dir, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'model.onnx'), toOnnx(pipeline, { name: 'forest' }));
    writeFileSync(
      join(modelDir, 'MLmodel'),
      writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.17.0'), modelUuid: 'optimistic', utcTimeCreated: utcTimeCreated(), signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()) }),
    );
    runtime = new ModelRuntime({ source: new LocalFolderModelSource(), intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await runtime?.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  function expectScoresMatch(rows: Array<Record<string, unknown>>, except: readonly number[] = []): void {
    for (const row of rows) {
      if (except.includes(Number(row.id))) continue;
      const want = expected[Number(row.id)]!;
      expect(Number(row.prediction)).toBe(want.prediction);
      expect(Math.abs(Number(row.probability_1) - want.probabilities[1]!)).toBeLessThanOrEqual(1e-5);
    }
  }

  async function score(input: string, output: string): Promise<{ result: Awaited<ReturnType<typeof scoreBatch>>; progress: number[] }> {
    const progress: number[] = [];
    const result = await scoreBatch({ modelUri: modelDir, inputPath: input, outputPath: output, runtime, batchSize: 64, segmentRows: 128, onProgress: (p) => progress.push(p.rows) });
    return { result, progress };
  }

  it('scores a clean CSV: progress only moves forward and CSV output keeps the cells as written', async () => {
    const rows = pimaCsvRows(frame);
    // Written differently, read as the same numbers: the text goes to the output as it was.
    const glucose = frame.numbers('Glucose')[10]!;
    rows[10] = rows[10]!.replace(`,${glucose},`, `,${(glucose / 100).toFixed(2)}e2,`);
    const input = join(dir, 'clean.csv');
    writeCsv(input, rows);
    const output = join(dir, 'clean-scores.csv');

    const { result, progress } = await score(input, output);
    expect(result).toMatchObject({ rows: 768, scoredRows: 768, rejectedRows: 0 });
    expect(progress.at(-1)).toBe(768);
    expect(progress.every((rows, i) => i === 0 || rows >= progress[i - 1]!)).toBe(true);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(769);
    expect(lines[11]!.startsWith(`${rows[10]},`)).toBe(true);
    expectScoresMatch(await duck(`SELECT * FROM read_csv('${output}')`));
  });

  it('falls back to per-row checks when a late cell does not convert: spaces are a missing value, a bad cell a reject, every row once', async () => {
    const rows = pimaCsvRows(frame);
    // Past several written parts (128 rows each): a blank-but-spaces cell is a missing value, 'n/a' a reject.
    rows[650] = `650,1,85,66,29,0,26.6,0.351,   `;
    rows[700] = `700,1,85,66,29,0,26.6,0.351,n/a`;
    const input = join(dir, 'late-bad-cell.csv');
    writeCsv(input, rows);
    const output = join(dir, 'late-bad-cell.parquet');

    const { result, progress } = await score(input, output);
    expect(result).toMatchObject({ rows: 768, scoredRows: 767, rejectedRows: 1 });
    expect(progress.at(-1)).toBe(768);
    const scored = await duck(`SELECT * FROM '${output}'`);
    expect(scored.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i).filter((i) => i !== 700));
    expectScoresMatch(scored, [650]);
    expect(scored.find((r) => Number(r.id) === 650)!.Age).toBeNull();
    expect(scored.find((r) => Number(r.id) === 650)!.prediction).not.toBeNull();
    const rejects = await duck(`SELECT input_row, reject_reason, id FROM '${result.rejectsPath}'`);
    expect(rejects.map((r) => [Number(r.input_row), r.reject_reason, Number(r.id)])).toEqual([[701, "column 'Age' expects double values, got 'n/a'", 700]]);
  });

  it('plans an optimistic read that fails on a bad cell and otherwise reads what the checking plan reads', async () => {
    const source = FEATURES.map((name) => ({ name, type: 'VARCHAR' }));
    const inputs = signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()).inputs;
    const checking = planScoring({ format: 'csv', outputFormat: 'parquet', source, inputs });
    const optimistic = planScoring({ format: 'csv', outputFormat: 'parquet', source, inputs, optimistic: true });
    expect([checking.optimistic, optimistic.optimistic]).toEqual([false, true]);
    // Parquet numbers need no conversion: nothing to be optimistic about, nothing to fall back from.
    expect(planScoring({ format: 'parquet', outputFormat: 'parquet', source: FEATURES.map((name) => ({ name, type: 'DOUBLE' })), inputs, optimistic: true }).optimistic).toBe(false);

    const rows = pimaCsvRows(frame.head(20)).map((r) => r.slice(r.indexOf(',') + 1));
    rows[4] = ' 1 ,85,66,29,0,26.6,0.351,';
    const read = (plan: ReturnType<typeof planScoring>, file: string) =>
      duck(`SELECT ${plan.select} FROM ${readSql({ path: file, format: 'csv', files: [file] }, plan.varcharColumns)}`);
    const clean = join(dir, 'plan-clean.csv');
    writeFileSync(clean, `${FEATURES.join(',')}\n${rows.join('\n')}\n`);
    expect(await read(optimistic, clean)).toEqual(await read(checking, clean));
    rows[15] = '1,85,66,29,0,26.6,abc,31';
    const bad = join(dir, 'plan-bad.csv');
    writeFileSync(bad, `${FEATURES.join(',')}\n${rows.join('\n')}\n`);
    await expect(read(optimistic, bad)).rejects.toThrow(/^Conversion Error/);
    expect((await read(checking, bad)).filter((r) => r.__rejected).map((r) => r.__reject_reason)).toEqual(["column 'DiabetesPedigreeFunction' expects double values, got 'abc'"]);
  });

  it('keeps input columns of every kind (fixed width, long and short text, decimals, NULLs, lists, structs) as they were', async () => {
    const input = join(dir, 'kinds.parquet');
    const source = `read_csv('${join(dir, 'kinds.csv')}')`;
    writeCsv(join(dir, 'kinds.csv'), pimaCsvRows(frame));
    const kinds =
      `CASE WHEN id % 5 = 0 THEN NULL ELSE 'a text longer than twelve bytes, row ' || id END AS note, ` +
      `CASE WHEN id % 7 = 0 THEN NULL ELSE chr(65 + (id % 26)::INTEGER) END AS code, ` +
      `(id / 8)::DECIMAL(9, 3) AS amount, (id * 1000000)::DECIMAL(30, 2) AS big_amount, id % 2 = 0 AS even, ` +
      `DATE '2024-01-01' + id::INTEGER AS day, TIMESTAMP '2024-01-01 00:00:00' + to_seconds(id) AS at, id::SMALLINT AS small, ` +
      `[id, id + 1] AS pair, {'k': id, 'v': 'x' || id} AS kv`;
    await duck(`COPY (SELECT id, ${kinds}, ${FEATURES.map((f) => `"${f}"`).join(', ')} FROM ${source}) TO '${input}' (FORMAT parquet)`);
    const output = join(dir, 'kinds-scores.parquet');

    const { result } = await score(input, output);
    expect(result).toMatchObject({ rows: 768, rejectedRows: 0 });
    const columns = `id, note, code, amount, big_amount, even, day, "at", small, pair, kv, ${FEATURES.map((f) => `"${f}"`).join(', ')}`;
    const differences = await duck<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT ${columns} FROM '${output}' EXCEPT ALL SELECT ${columns} FROM '${input}')`,
    );
    expect(Number(differences[0]!.n)).toBe(0);
    const scored = await duck(`SELECT * FROM '${output}'`);
    expect(scored.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i));
    expect(Object.keys(scored[0]!).slice(0, 12)).toEqual(['id', 'note', 'code', 'amount', 'big_amount', 'even', 'day', 'at', 'small', 'pair', 'kv', 'Pregnancies']);
    expect(scored.filter((r) => r.note === null)).toHaveLength(154);
    expectScoresMatch(scored);
  });
});
