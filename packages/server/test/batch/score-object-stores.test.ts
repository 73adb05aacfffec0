import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOnnx } from '@modelyard/learn';
import type { Pipeline } from '@modelyard/learn';
import { onnxFlavors, openObjectStore, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import type { ObjectStore } from '@modelyard/sdk';
import { scoreBatch, TooManyRejectsError } from '../../src/batch/score-batch.js';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';
import { duck, expectedScores, pimaCsvRows, pimaFrame, trainForest, writeCsv } from './batch-fixtures.js';

const ROOT = join(import.meta.dirname, '../../../..');

/**
 * Batch scoring with inputs, outputs and models at object-store URIs, against Azurite (abfss://
 * and wasbs://, both through its blob endpoint: Azurite has no dfs endpoint, and Modelyard reaches
 * ADLS Gen2 through the Blob API anyway) and s3rver. Credentials come from the environment, as in
 * production: the emulators' settings are put in process.env (for scoreBatch in this process) and
 * passed to the `modelyard score` / `serve` processes.
 */
describe('batch scoring where the data lives', () => {
  let azurite: AzuriteEmulator;
  let s3: S3Emulator;
  let dir: string;
  let pipeline: Pipeline;
  let expected: ReturnType<typeof expectedScores>;
  let runtime: ModelRuntime;
  let env: Record<string, string>;
  const saved: Record<string, string | undefined> = {};
  const children: ChildProcess[] = [];
  const stores: ObjectStore[] = [];

  const AZURE_DATA = `abfss://data@${AZURITE_ACCOUNT}.dfs.core.windows.net`;
  const AZURE_OUT = `wasbs://data@${AZURITE_ACCOUNT}.blob.core.windows.net`;
  const STORES = [
    { name: 'S3 (s3rver)', data: 's3://data', out: 's3://data' },
    { name: 'ADLS Gen2 / Azure Blob (Azurite)', data: AZURE_DATA, out: AZURE_OUT },
  ];

  async function store(root: string): Promise<ObjectStore> {
    const s = await openObjectStore(root);
    stores.push(s);
    return s;
  }

  async function put(uri: string, body: string | Uint8Array): Promise<void> {
    const slash = uri.lastIndexOf('/');
    await (await store(uri.slice(0, slash))).write(uri.slice(slash + 1), typeof body === 'string' ? Buffer.from(body) : body);
  }

  async function get(uri: string): Promise<Buffer> {
    const slash = uri.lastIndexOf('/');
    const read = await (await store(uri.slice(0, slash))).openRead(uri.slice(slash + 1));
    const chunks: Buffer[] = [];
    for await (const c of read.stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async function exists(uri: string): Promise<boolean> {
    const slash = uri.lastIndexOf('/');
    return (await store(uri.slice(0, slash))).exists(uri.slice(slash + 1));
  }

  /** An object-store file read back with DuckDB (through a local copy). */
  async function rowsOf(uri: string): Promise<Array<Record<string, unknown>>> {
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const local = join(mkdtempSync(join(dir, 'read-')), name);
    writeFileSync(local, await get(uri));
    return duck(`SELECT * FROM '${local}' ORDER BY id`);
  }

  function expectScoresMatch(rows: Array<Record<string, unknown>>): void {
    for (const row of rows) expect(Number(row.prediction)).toBe(expected[Number(row.id)]!.prediction);
  }

  function localFiles(): string[] {
    return readdirSync(dir).filter((f) => f.startsWith('modelyard-batch-'));
  }

  beforeAll(async () => {
    [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
    await Promise.all([azurite.createContainer('data'), s3.createBucket('data')]);
    dir = mkdtempSync(join(tmpdir(), 'modelyard-batch-stores-'));
    env = { ...azurite.env, ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TMPDIR: dir };
    for (const k of Object.keys(env)) saved[k] = process.env[k];
    // TMPDIR too: the staging folders land in this test's folder, where the test can see them.
    Object.assign(process.env, env);
    pipeline = trainForest();
    const frame = pimaFrame();
    expected = expectedScores(pipeline, frame);
    runtime = new ModelRuntime({ source: new LocalFolderModelSource(), intraOpNumThreads: 1 });

    const rows = pimaCsvRows(frame);
    const csv = join(dir, 'pima.csv');
    writeCsv(csv, rows);
    const parquet = join(dir, 'pima.parquet');
    await duck(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`);
    // Three part files as Spark leaves them, plus what is not data: a marker, an unfinished attempt.
    const parts = [rows.slice(0, 300), rows.slice(300, 600), rows.slice(600)].map((chunk, i) => {
      const part = join(dir, `part-${i}.csv`);
      writeCsv(part, chunk);
      return readFileSync(part);
    });
    const modelOnnx = toOnnx(pipeline, { name: 'forest' });
    const mlmodel = writeMlmodel({
      artifactPath: 'model',
      flavors: onnxFlavors('1.17.0'),
      modelUuid: 'forest',
      utcTimeCreated: utcTimeCreated(),
      signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
    });
    mkdirSync(join(dir, 'model'));
    writeFileSync(join(dir, 'model', 'model.onnx'), modelOnnx);
    writeFileSync(join(dir, 'model', 'MLmodel'), mlmodel);
    for (const { data } of STORES) {
      await put(`${data}/in/pima.csv`, readFileSync(csv));
      await put(`${data}/in/pima.parquet`, readFileSync(parquet));
      for (const [i, part] of parts.entries()) await put(`${data}/in/parts/part-0000${i}.csv`, part);
      await put(`${data}/in/parts/_SUCCESS`, '');
      await put(`${data}/in/parts/_temporary/0/part-00009.csv`, parts[0]!);
      await put(`${data}/in/notes.txt`, 'not data');
      await put(`${data}/models/forest/model.onnx`, modelOnnx);
      await put(`${data}/models/forest/MLmodel`, mlmodel);
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const s of stores) s.close();
    await runtime?.clear();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all([azurite?.stop(), s3?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(STORES)('$name', ({ data, out }) => {
    it('scores a folder of part files into Parquet in the store, skipping markers and unfinished attempts; an older rejects file goes', async () => {
      await put(`${out}/scores/parts.rejects.parquet`, 'from an older job');
      const output = `${out}/scores/parts.parquet`;
      const result = await scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/parts`, outputPath: output, runtime, segmentRows: 256, batchSize: 100 });
      expect(result).toMatchObject({ rows: 768, scoredRows: 768, rejectedRows: 0, outputPath: output, outputFormat: 'parquet' });
      const rows = await rowsOf(output);
      expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 768 }, (_, i) => i));
      expectScoresMatch(rows);
      expect(await exists(`${out}/scores/parts.rejects.parquet`)).toBe(false);
      // Nothing stays behind: no staging folder, no local folder named after the URI.
      expect(localFiles()).toEqual([]);
      expect(existsSync(join(ROOT, 's3:')) || existsSync(join(ROOT, 'wasbs:')) || existsSync(join(ROOT, 'abfss:'))).toBe(false);
    });

    it('scores a Parquet file into CSV, with the rejected rows in a rejects file beside it in the store', async () => {
      const lines = readFileSync(join(dir, 'pima.csv'), 'utf8').trim().split('\n');
      // Two rows with a text where a number belongs: rejected, the others scored.
      const bad = [lines[0], ...lines.slice(1).map((l, i) => (i === 5 || i === 6 ? l.replace(/^(\d+),[^,]*/, '$1,high') : l))].join('\n');
      await put(`${data}/in/bad.csv`, `${bad}\n`);
      const output = `${out}/scores/bad.csv`;
      const result = await scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/bad.csv`, outputPath: output, runtime });
      expect(result).toMatchObject({ rows: 768, scoredRows: 766, rejectedRows: 2, rejectsPath: `${out}/scores/bad.rejects.csv` });
      expect((await rowsOf(output)).length).toBe(766);
      const rejects = (await get(`${out}/scores/bad.rejects.csv`)).toString('utf8');
      expect(rejects).toMatch(/Pregnancies/);
      expect(rejects.trim().split('\n')).toHaveLength(3);

      const fromParquet = await scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/pima.parquet`, outputPath: `${out}/scores/from-parquet.csv`, runtime });
      expect(fromParquet).toMatchObject({ rows: 768, rejectedRows: 0 });
      expectScoresMatch(await rowsOf(`${out}/scores/from-parquet.csv`));
    });

    it('takes a folder named like a file as the folder it is (Spark writes scores.parquet/part-…)', async () => {
      await put(`${data}/in/spark.parquet/part-00000.parquet`, readFileSync(join(dir, 'pima.parquet')));
      await put(`${data}/in/spark.parquet/_SUCCESS`, '');
      const result = await scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/spark.parquet`, outputPath: `${out}/scores/spark.jsonl`, runtime });
      expect(result).toMatchObject({ rows: 768, rejectedRows: 0, outputFormat: 'jsonl' });
      const rows = (await get(`${out}/scores/spark.jsonl`)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows).toHaveLength(768);
      expectScoresMatch(rows);
    });

    it('a failed job leaves the previous output under the final name untouched, and nothing half-written', async () => {
      const output = `${out}/scores/kept.csv`;
      await put(output, 'the previous run\n');
      await expect(
        scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/bad.csv`, outputPath: output, runtime, maxRejectRatio: 0 }),
      ).rejects.toBeInstanceOf(TooManyRejectsError);
      expect((await get(output)).toString('utf8')).toBe('the previous run\n');
      expect(await exists(`${out}/scores/kept.rejects.csv`)).toBe(true);
      expect(localFiles()).toEqual([]);
    });

    it('refuses inputs it cannot read, naming the URI, before loading anything', async () => {
      await expect(scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/missing`, outputPath: join(dir, 'x.csv'), runtime })).rejects.toThrow(
        `input '${data}/in/missing' does not exist`,
      );
      await expect(scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/notes.txt`, outputPath: join(dir, 'x.csv'), runtime })).rejects.toThrow(
        `input '${data}/in/notes.txt' is neither CSV`,
      );
      // A Spark job that wrote no part yet: only its marker and an unfinished attempt.
      await put(`${data}/in/unfinished/_SUCCESS`, '');
      await put(`${data}/in/unfinished/_temporary/0/part-00000.csv`, 'id\n1\n');
      await expect(scoreBatch({ modelUri: join(dir, 'model'), inputPath: `${data}/in/unfinished/`, outputPath: join(dir, 'x.csv'), runtime })).rejects.toThrow(
        `input folder '${data}/in/unfinished/' holds no CSV or Parquet files`,
      );
      expect(existsSync(join(dir, 'x.csv'))).toBe(false);
    });
  });

  it('refuses an output it could not write before scoring: a missing bucket, a container-only URI', async () => {
    await expect(scoreBatch({ modelUri: join(dir, 'model'), inputPath: join(dir, 'pima.csv'), outputPath: 's3://no-such-bucket/scores.csv', runtime })).rejects.toThrow(
      /bucket 'no-such-bucket' does not exist/,
    );
    await expect(scoreBatch({ modelUri: join(dir, 'model'), inputPath: join(dir, 'pima.csv'), outputPath: 's3://data', outputFormat: 'csv', runtime })).rejects.toThrow(
      /names a bucket or container, not a file/,
    );
    expect(existsSync(join(ROOT, 's3:'))).toBe(false);
  });

  /** `modelyard <args>` as a real process, with the emulators' credentials and no tracking server. */
  function cli(args: string[]): { child: ChildProcess; exited: Promise<number | null>; out: () => string; err: () => string } {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
    delete childEnv.MLFLOW_TRACKING_URI;
    delete childEnv.MODELYARD_TRACKING_URI;
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, out: () => out, err: () => err };
  }

  it('modelyard score: model, input and output all in object stores (S3 model, ADLS input, Blob output)', async () => {
    const output = `${AZURE_OUT}/cli/scores.parquet`;
    const run = cli(['score', '-m', 's3://data/models/forest', '-i', `${AZURE_DATA}/in/pima.csv`, '-o', output]);
    expect(await run.exited, run.err()).toBe(0);
    expect(run.out()).toContain(`Scored 768 of 768 rows with s3://data/models/forest`);
    expect(run.out()).toContain(`→ ${output}`);
    expectScoresMatch(await rowsOf(output));
  });

  it('modelyard serve: a model folder at an abfss:// URI, loaded directly from the store', async () => {
    const run = cli(['serve', `${AZURE_DATA}/models/forest`, '--port', '0', '--log-level', 'warn']);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL in 60 s: ${run.err()}`)), 60_000);
      run.child.stdout!.on('data', () => {
        const m = /on (http:\/\/\S+)/.exec(run.out());
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void run.exited.then((code) => reject(new Error(`modelyard serve exited with ${code}: ${run.err()}`)));
    });
    const rows = pimaFrame().drop(['Outcome']).head(5);
    const res = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: rows.toRecords() }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ predictions: Array.from(pipeline.predict(rows)) });
    run.child.kill('SIGTERM');
    await run.exited;
  });
});
