import { resourceUsage } from 'node:process';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Columns } from '@modelyard/sdk';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { scoreBatch } from '../../packages/server/src/batch/score-batch.js';
import { LocalFolderModelSource } from '../../packages/server/src/runtime/client-model-source.js';
import { ModelRuntime } from '../../packages/server/src/runtime/model-runtime.js';

/**
 * One measurement of the batch benchmark, in its own process so its peak RSS (`maxRSS`: the
 * JavaScript heap, DuckDB and ONNX Runtime together) is the job's alone. Prints one JSON line.
 *
 *   score <modelDir> <input> <output> <ortThreads> <batchSize>   end to end: scoreBatch
 *   floor <modelDir> <parquet> <rows> <ortThreads> <batchSize>   the same rows already in memory
 */
async function main(argv: string[]): Promise<void> {
  const [mode, modelDir, input, third, threadsArg, batchArg] = argv;
  const threads = Number(threadsArg);
  const batchSize = Number(batchArg);
  if (mode === 'score') {
    const runtime = new ModelRuntime({ source: new LocalFolderModelSource(), intraOpNumThreads: threads });
    const r = await scoreBatch({ modelUri: modelDir!, inputPath: input!, outputPath: third!, runtime, batchSize });
    await runtime.clear();
    print({ rows: r.rows, seconds: r.durationSeconds, rowsPerSecond: r.rowsPerSecond, maxRssMb: resourceUsage().maxRSS / 1024 });
    return;
  }
  if (mode === 'floor') {
    const features = await loadFeatures(input!, Number(third));
    const rows = features[0]!.length;
    // Pure ONNX Runtime: the float tensor of each batch built up front, only session.run timed.
    const session = await ort.InferenceSession.create(join(modelDir!, 'model.onnx'), { intraOpNumThreads: threads });
    const tensors: ort.Tensor[] = [];
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const data = new Float32Array(n * features.length);
      for (let i = 0; i < n; i++) for (let j = 0; j < features.length; j++) data[i * features.length + j] = features[j]![start + i]!;
      tensors.push(new ort.Tensor('float32', data, [n, features.length]));
    }
    let t0 = performance.now();
    for (const t of tensors) await session.run({ input: t });
    const onnxSeconds = (performance.now() - t0) / 1000;
    await session.release();
    // The shared model runtime on columns in memory: what scoreBatch calls, minus reading and writing.
    const runtime = new ModelRuntime({ source: new LocalFolderModelSource(), intraOpNumThreads: threads });
    const model = await runtime.load(modelDir!);
    const names = model.signature!.inputs.map((s) => s.name);
    const batches: Columns[] = [];
    for (let start = 0; start < rows; start += batchSize) {
      batches.push(new Map(names.map((name, j) => [name, Array.from(features[j]!.subarray(start, Math.min(rows, start + batchSize)))])));
    }
    t0 = performance.now();
    for (const b of batches) await model.predictColumns(b, b.get(names[0]!)!.length);
    const runtimeSeconds = (performance.now() - t0) / 1000;
    await model.close();
    await runtime.clear();
    print({ rows, onnxRowsPerSecond: rows / onnxSeconds, runtimeRowsPerSecond: rows / runtimeSeconds });
    return;
  }
  throw new Error(`unknown mode '${mode}'`);
}

/** The first `rows` rows' model inputs (every column but `id`), column by column. */
async function loadFeatures(parquet: string, rows: number): Promise<Float64Array[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll(`SELECT * EXCLUDE (id) FROM read_parquet('${parquet}') LIMIT ${rows}`);
  const columns = reader.getColumnsJS().map((c) => Float64Array.from(c as number[]));
  conn.closeSync();
  instance.closeSync();
  return columns;
}

function print(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`bench batch process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
