import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import type { LoadedRuntimeModel } from '../runtime/model-runtime.js';
import { PythonBatchKilledWorkersError } from '../runtime/python/python-worker-pool.js';
import { describeInputRows } from './input-rows.js';
import { batchFeatures, packable } from './chunk-features.js';
import type { BatchFeatures } from './chunk-features.js';
import { InferenceWorker } from './inference-worker.js';
import { describeInput, readSql } from './input-source.js';
import type { InputSource } from './input-source.js';
import { extensionOf } from './output-files.js';
import type { OutputFormat } from './output-files.js';
import { columnarOf, layoutFromPrediction, layoutFromSignature } from './prediction-columns.js';
import type { ColumnarPrediction, PredictionLayout } from './prediction-columns.js';
import { ScoredSegments } from './scored-segments.js';
import { featureKind, planScoring } from './scoring-plan.js';
import type { ScoringPlan } from './scoring-plan.js';
import { sqlString } from './sql.js';
import { scoreInOneStatement } from './statement-scoring.js';

export interface StreamScoringOptions {
  input: InputSource;
  model: LoadedRuntimeModel;
  /** Model name and version written on every row (the URI when the model has no name). */
  modelLabel: { name: string; version?: string | undefined };
  format: OutputFormat;
  /** The job's private folder: DuckDB spills and part files go there, and the results (`workOutputs`). */
  work: string;
  startedAt: number;
  batchSize: number;
  segmentRows: number;
  /** ONNX Runtime intra-op threads of the inference worker (the runtime's). */
  inferenceThreads: number;
  idColumns?: string[] | undefined;
  threads?: number | undefined;
  memoryLimit?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: { rows: number; rejectedRows: number }) => void) | undefined;
}

/** Where a job's results are in its work folder: `output.<ext>`, and `rejects.<ext>` when rows were rejected. */
export function workOutputs(work: string, format: OutputFormat): { output: string; rejects: string } {
  return { output: join(work, `output.${extensionOf(format)}`), rejects: join(work, `rejects.${extensionOf(format)}`) };
}

const NO_PREDICTION: PredictionLayout = { predictionType: 'DOUBLE', probabilityColumns: [] };
/**
 * How far DuckDB may read ahead of scoring. Its default (under 1 MB, a couple of chunks) makes
 * reading and scoring take turns; with room for several batches the next rows are parsed on
 * DuckDB's threads while the current ones are scored.
 */
const READ_AHEAD = '32MB';

/** A batch whose prediction is under way. */
interface InFlight {
  chunks: DuckDBDataChunk[];
  features: BatchFeatures;
  prediction: Promise<ColumnarPrediction | undefined>;
}

/**
 * The scoring itself, in one pass over the input.
 *
 * A CSV input whose rows cannot be rejected, for a model the inference worker takes, is scored
 * by one DuckDB statement that calls the worker for each vector of rows (`scoreInOneStatement`):
 * parsing CSV is most of DuckDB's work, and there it runs on DuckDB's threads beside inference
 * while the text never passes through JavaScript. A Parquet input reads cheaply; there the
 * path below, whose inference calls take 16,384 rows instead of a 2,048-row vector, is faster
 * (measured side by side, docs/batch-scoring.md).
 *
 * Otherwise DuckDB streams every column the job needs
 * (parsed and validated once); each batch's model inputs are read from DuckDB's buffers and
 * scored on an inference worker while the previous batches' kept columns and predictions are
 * appended to the current segment. Models the worker cannot take (text inputs, graphs with
 * several inputs) are scored through the runtime on this thread.
 *
 * Text the model reads as numbers or booleans (CSV cells) is first converted optimistically,
 * without checking each row (almost every input has no bad cell, and building a reject reason
 * for every cell costs DuckDB time on every row); the first bad cell fails that read, and the job starts over with the
 * plan that checks every row and rejects the bad ones. Either way the output is the same.
 */
export async function streamScoring(opts: StreamScoringOptions): Promise<{ rows: number; rejectedRows: number }> {
  try {
    return await scoreInput(opts, true);
  } catch (e) {
    if (!(e instanceof BadCellInOptimisticRead)) throw e;
  }
  return scoreInput(opts, false);
}

/** An optimistic read met a cell that does not convert: the job needs the plan that checks each row. */
class BadCellInOptimisticRead extends Error {}

/** DuckDB's answer when a CAST fails (`Could not convert string 'abc' to DOUBLE`). */
const CONVERSION_ERROR = /^Conversion Error/;

async function scoreInput(opts: StreamScoringOptions, optimistic: boolean): Promise<{ rows: number; rejectedRows: number }> {
  const { model, format } = opts;
  const inputs = model.signature!.inputs;
  // Opened while DuckDB describes the input (each takes tens of milliseconds).
  // The worker thread runs ONNX graphs only: a Python model's batches go to its worker pool.
  const opening = model.runtime === 'onnx' && packable(inputs.map((s) => featureKind(s.type))) ? InferenceWorker.open(onnxPath(model), inputs.map((s) => s.name), opts.inferenceThreads) : Promise.resolve(undefined);
  try {
    return await withDuckDb(opts, async (conns) => {
      const { input, columns: source } = await describeInput(conns.read, opts.input);
      const plan = planScoring({ format: input.format, outputFormat: format, source, inputs, idColumns: opts.idColumns, optimistic });
      const worker = await opening;
      const layout = layoutFromSignature(model);
      try {
        if (worker && layout && !plan.checksRows && input.format === 'csv') {
          return await scoreInOneStatement({
            conn: conns.write,
            plan,
            input,
            worker,
            layout,
            format,
            outputPath: workOutputs(opts.work, format).output,
            metaColumns: metaColumns(opts.modelLabel, opts.startedAt),
            signal: opts.signal,
            onProgress: opts.onProgress,
          });
        }
        return await scorePlan(opts, plan, input, conns, worker, layout);
      } catch (e) {
        if (plan.optimistic && CONVERSION_ERROR.test(String((e as Error).message))) throw new BadCellInOptimisticRead();
        throw e;
      }
    });
  } finally {
    await (await opening.catch(() => undefined))?.close();
  }
}

async function scorePlan(
  opts: StreamScoringOptions,
  plan: ScoringPlan,
  input: InputSource,
  conns: Connections,
  worker: InferenceWorker | undefined,
  /** The prediction columns when the signature names them; else the first prediction tells. */
  fromSignature: PredictionLayout | undefined,
): Promise<{ rows: number; rejectedRows: number }> {
  const { model, format } = opts;
  const result = await conns.read.stream(`SELECT ${plan.select} FROM ${readSql(input, plan.varcharColumns)}`);
  const segments = new ScoredSegments(
    {
      appendConn: conns.append,
      writeConn: conns.write,
      workDir: opts.work,
      plan,
      format,
      outputTypes: result.columnTypes().slice(0, plan.featureIndex),
      metaColumns: metaColumns(opts.modelLabel, opts.startedAt),
      segmentRows: opts.segmentRows,
    },
    join(opts.work, `output-parts.${extensionOf(format)}`),
  );
  if (fromSignature) segments.setLayout(fromSignature);
  // Input rows handed to `score` so far: where the next batch starts, to name its rows in errors.
  let scored = 0;
  try {
    const scanned = await scan(result, opts, {
      score: (chunks) => {
        const features = batchFeatures(plan, chunks, worker !== undefined);
        const batchStart = scored;
        for (const c of chunks) scored += c.rowCount;
        return { chunks, features, prediction: predict(model, worker, features, batchStart) };
      },
      write: async ({ chunks, features, prediction }) => {
        const p = await prediction;
        // Worked out from the first answer only: every batch of the job comes from the same graph.
        if (!segments.hasLayout) segments.setLayout(p ? layoutFromPrediction(model, p) : NO_PREDICTION);
        await segments.append(chunks, features.rejected, p);
        return features.rejectedRows;
      },
    });
    segments.setLayout(NO_PREDICTION);
    const out = workOutputs(opts.work, format);
    await segments.finish(out.output, out.rejects);
    return scanned;
  } catch (e) {
    await segments.abort();
    throw e;
  }
}

async function predict(model: LoadedRuntimeModel, worker: InferenceWorker | undefined, features: BatchFeatures, batchStart: number): Promise<ColumnarPrediction | undefined> {
  if (features.rows === 0) return undefined;
  if (worker && features.matrix) return worker.predict(features.matrix, features.rows);
  try {
    return columnarOf(await model.predictColumns(features.columns!, features.rows, { probabilities: true }));
  } catch (e) {
    // The pool reran the batch on fresh workers and it killed each: name its rows as the input numbers them.
    if (e instanceof PythonBatchKilledWorkersError) throw new PythonBatchKilledWorkersError(describeInputRows(features.rejected, batchStart, e.firstRow, e.rows), e.firstRow, e.rows, e.losses, e.fate);
    throw e;
  }
}

function onnxPath(model: LoadedRuntimeModel): string {
  return join(model.localDir, String(model.mlmodel.flavors.onnx?.data ?? 'model.onnx'));
}

/**
 * Batches handed to the inference worker before the oldest is written. With two, the worker
 * always has the next batch queued while this thread appends a finished one and fetches more
 * rows; with one it idled whenever an append or a slow fetch outlasted a batch's inference.
 */
const BATCHES_AHEAD = 2;

/**
 * Streams the scan, handing batches of about `batchSize` rows to `score` (which starts their
 * prediction) and, once `BATCHES_AHEAD` later batches are under way, to `write`: the inference
 * worker scores while this thread appends. The next chunk is always being fetched too.
 */
async function scan(
  result: DuckDBResult,
  opts: Pick<StreamScoringOptions, 'batchSize' | 'signal' | 'onProgress'>,
  on: { score: (chunks: DuckDBDataChunk[]) => InFlight; write: (batch: InFlight) => Promise<number> },
): Promise<{ rows: number; rejectedRows: number }> {
  let rows = 0;
  let rejectedRows = 0;
  let batch: DuckDBDataChunk[] = [];
  let batchRows = 0;
  const inFlight: InFlight[] = [];
  const writeOldest = async () => {
    const done = inFlight.shift()!;
    rejectedRows += await on.write(done);
    for (const c of done.chunks) rows += c.rowCount;
    opts.onProgress?.({ rows, rejectedRows });
  };
  const flush = async () => {
    const started = on.score(batch);
    // Awaited by `write`; a job that fails first must not leave it unhandled.
    started.prediction.catch(() => undefined);
    inFlight.push(started);
    batch = [];
    batchRows = 0;
    if (inFlight.length > BATCHES_AHEAD) await writeOldest();
  };
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      opts.signal?.throwIfAborted();
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      batch.push(chunk);
      batchRows += chunk.rowCount;
      if (batchRows >= opts.batchSize) await flush();
    }
    if (batchRows > 0) await flush();
    while (inFlight.length > 0) await writeOldest();
  } catch (e) {
    // The prefetch must settle before the connection closes under it.
    await next.catch(() => undefined);
    throw e;
  }
  return { rows, rejectedRows };
}

interface Connections {
  read: DuckDBConnection;
  append: DuckDBConnection;
  write: DuckDBConnection;
}

/**
 * An in-memory DuckDB database spilling to the work folder (segment tables and sorts stay under
 * the memory limit) with a connection per concurrent task: streaming the input, appending
 * segments, writing parts.
 */
async function withDuckDb<T>(opts: StreamScoringOptions, fn: (c: Connections) => Promise<T>): Promise<T> {
  const config: Record<string, string> = {
    memory_limit: opts.memoryLimit ?? '512MB',
    temp_directory: join(opts.work, 'spill'),
    // The output keeps the input's row order: part files, rejects' input_row and POSITIONAL JOIN rely on it.
    preserve_insertion_order: 'true',
  };
  if (opts.threads !== undefined) config.threads = String(opts.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const conns: Connections = { read: await instance.connect(), append: await instance.connect(), write: await instance.connect() };
  // Only a part being written runs long; the scan stops at the next chunk. (An interrupted
  // streaming fetch never settles: interrupting the reading connection would leave the job
  // waiting on it forever.)
  const interrupt = () => conns.write.interrupt();
  opts.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    await conns.read.run(`SET streaming_buffer_size = '${READ_AHEAD}'`);
    return await fn(conns);
  } finally {
    opts.signal?.removeEventListener('abort', interrupt);
    for (const c of Object.values(conns)) c.closeSync();
    instance.closeSync();
  }
}

function metaColumns(model: { name: string; version?: string | undefined }, startedAt: number): string {
  const ts = new Date(startedAt).toISOString().replace('T', ' ').replace('Z', '');
  return `${sqlString(model.name)} AS model_name, ${model.version !== undefined ? sqlString(model.version) : 'NULL::VARCHAR'} AS model_version, TIMESTAMP ${sqlString(ts)} AS scored_at`;
}

