import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Pipeline, RandomForestClassifier, parseCsv, toOnnx } from '@modelyard/learn';
import { onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { stealText, withSteal } from '../lib/host-cpu.js';
import { spawnBenchProcess } from '../lib/servers.js';
import { fmt, report } from '../lib/stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, 'examples/diabetes-classification/data/pima_diabetes.csv');
export const FEATURES = ['Pregnancies', 'Glucose', 'BloodPressure', 'SkinThickness', 'Insulin', 'BMI', 'DiabetesPedigreeFunction', 'Age'];
/** Upper bounds of each feature's uniform draw: roughly the Pima ranges. */
const RANGES = [17, 200, 122, 99, 846, 67, 2.42, 81];
const BATCH_SIZE = 16_384;
/** What `modelyard score` runs with by default: one ONNX Runtime thread, DuckDB on every core. */
const ORT_THREADS = 1;

/** The Pima random forest (50 trees, as the serving benchmark) as an MLflow model folder. */
function writeClassifier(dir: string): void {
  const frame = parseCsv(readFileSync(DATA, 'utf8'));
  const pipeline = new Pipeline([], new RandomForestClassifier({ nTrees: 50, maxDepth: 10, seed: 7 })).fit(frame, 'Outcome');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), toOnnx(pipeline, { name: 'pima-forest' }));
  writeFileSync(
    join(dir, 'MLmodel'),
    writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.17.0'), modelUuid: 'bench', utcTimeCreated: utcTimeCreated(), signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()) }),
  );
}

/** `rows` generated rows (an id and the 8 Pima features, 3 decimals) as CSV and as Parquet. */
export async function generate(dir: string, rows: number): Promise<{ csv: string; parquet: string }> {
  const csv = join(dir, `input-${rows}.csv`);
  const parquet = join(dir, `input-${rows}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const select = `SELECT i AS id, ${FEATURES.map((f, j) => `round(random() * ${RANGES[j]}, 3) AS ${f}`).join(', ')} FROM range(${rows}) t(i)`;
  await conn.run(`COPY (${select}) TO '${csv}' (FORMAT csv, HEADER true)`);
  await conn.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`);
  conn.closeSync();
  instance.closeSync();
  return { csv, parquet };
}

function runChild<T>(args: string[]): Promise<T> {
  const child = spawnBenchProcess('bench/batch/bench-batch-process.ts', args);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((ok, fail) => {
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) ok(JSON.parse(line) as T);
      else fail(new Error(`bench batch process ${args[0]} exited with ${code}`));
    });
  });
}

interface ScoreFigures {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  maxRssMb: number;
}

interface FloorFigures {
  rows: number;
  onnxRowsPerSecond: number;
  runtimeRowsPerSecond: number;
}

/**
 * `npm run bench -- batch`: `scoreBatch` end to end (CSV and Parquet in, same format out) at 1M
 * and 10M rows, each in its own process for its peak RSS, beside pure ONNX Runtime inference of
 * the same rows already in memory (the floor). BENCH_BATCH_ROWS=1000000 runs fewer sizes.
 */
export async function benchBatch(): Promise<void> {
  const sizes = (process.env.BENCH_BATCH_ROWS ?? '1000000,10000000').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-bench-batch-'));
  try {
    const modelDir = join(dir, 'model');
    writeClassifier(modelDir);
    console.log(`\nbatch scoring — random forest (50 trees, depth ≤ 10), ${ORT_THREADS} ONNX Runtime thread, batches of ${fmt(BATCH_SIZE)} rows`);
    let floor: FloorFigures | undefined;
    let floorSteal: number | undefined;
    for (const rows of sizes) {
      const t0 = performance.now();
      const input = await generate(dir, rows);
      console.log(`  generated ${fmt(rows)} rows (CSV and Parquet) in ${fmt((performance.now() - t0) / 1000, 1)} s`);
      // The floor's rate does not depend on the row count: measured once, on up to 1M of these rows.
      if (!floor) {
        const measured = await withSteal(() => runChild<FloorFigures>(['floor', modelDir, input.parquet, String(Math.min(rows, 1_000_000)), String(ORT_THREADS), String(BATCH_SIZE)]));
        floor = measured.result;
        floorSteal = measured.stealPercent;
      }
      const lines: Array<{ figure: string; value: string; target?: string }> = [];
      for (const format of ['csv', 'parquet'] as const) {
        const output = join(dir, `scored-${rows}.${format}`);
        const { result: r, stealPercent } = await withSteal(() => runChild<ScoreFigures>(['score', modelDir, input[format], output, String(ORT_THREADS), String(BATCH_SIZE)]));
        rmSync(output, { force: true });
        lines.push(
          { figure: `${fmt(rows)} rows ${format} → ${format}: rows/s`, value: fmt(r.rowsPerSecond), target: `≥ 60% of floor (${fmt(0.6 * floor.onnxRowsPerSecond)})` },
          { figure: `  share of ONNX floor / runtime floor`, value: `${fmt((100 * r.rowsPerSecond) / floor.onnxRowsPerSecond)}% / ${fmt((100 * r.rowsPerSecond) / floor.runtimeRowsPerSecond)}%` },
          { figure: `  wall time (host CPU steal meanwhile)`, value: `${fmt(r.seconds, 1)} s (${stealText(stealPercent)} steal)` },
          { figure: `  peak RSS`, value: `${fmt(r.maxRssMb)} MB`, ...(rows >= 10_000_000 ? { target: '< 1,024 MB' } : {}) },
        );
      }
      report([
        { figure: `ONNX floor (session.run, rows in memory)`, value: `${fmt(floor.onnxRowsPerSecond)} rows/s` },
        { figure: `  host CPU steal while the floor was measured`, value: stealText(floorSteal) },
        { figure: `runtime floor (ModelRuntime.predictColumns)`, value: `${fmt(floor.runtimeRowsPerSecond)} rows/s` },
        ...lines,
      ]);
      rmSync(input.csv, { force: true });
      rmSync(input.parquet, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
