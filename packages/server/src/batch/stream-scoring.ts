import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import type { LoadedRuntimeModel } from '../runtime/model-runtime.js';
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
import { planScoring } from './scoring-plan.js';
import { sqlIdent, sqlString } from './sql.js';

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
 * The scoring itself, in one pass over the input: DuckDB streams every column the job needs
 * (parsed and validated once); each batch's model inputs are read from DuckDB's buffers and
 * scored on an inference worker while the previous batch's chunks and predictions are appended
 * to the current segment. Models the worker cannot take (text inputs, graphs with several
 * inputs) are scored through the runtime on this thread.
 */
export async function streamScoring(opts: StreamScoringOptions): Promise<{ rows: number; rejectedRows: number }> {
  const { model, format } = opts;
  return withDuckDb(opts, async (conns) => {
    const { input, columns: source } = await describeInput(conns.read, opts.input);
    const plan = planScoring({ format: input.format, outputFormat: format, source, inputs: model.signature!.inputs, idColumns: opts.idColumns });
    const worker = packable(plan) ? await InferenceWorker.open(onnxPath(model), plan.features.map((f) => f.name), opts.inferenceThreads) : undefined;
    try {
      const result = await conns.read.stream(`SELECT ${plan.select} FROM ${readSql(input, plan.varcharColumns)}`);
      const segments = new ScoredSegments(
        {
          appendConn: conns.append,
          writeConn: conns.write,
          workDir: opts.work,
          plan,
          format,
          inputColumns: columnDefinitions(result),
          metaColumns: metaColumns(opts.modelLabel, opts.startedAt),
          segmentRows: opts.segmentRows,
        },
        join(opts.work, `output-parts.${extensionOf(format)}`),
      );
      const fromSignature = layoutFromSignature(model);
      if (fromSignature) segments.setLayout(fromSignature);
      try {
        const scanned = await scan(result, opts, {
          score: (chunks) => {
            const features = batchFeatures(plan, chunks, worker !== undefined);
            return { chunks, features, prediction: predict(model, worker, features) };
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
    } finally {
      await worker?.close();
    }
  });
}

async function predict(model: LoadedRuntimeModel, worker: InferenceWorker | undefined, features: BatchFeatures): Promise<ColumnarPrediction | undefined> {
  if (features.rows === 0) return undefined;
  if (worker && features.matrix) return worker.predict(features.matrix, features.rows);
  return columnarOf(await model.predictColumns(features.columns!, features.rows));
}

function onnxPath(model: LoadedRuntimeModel): string {
  return join(model.localDir, String(model.mlmodel.flavors.onnx?.data ?? 'model.onnx'));
}

/**
 * Streams the scan, handing batches of about `batchSize` rows to `score` (which starts their
 * prediction) and, once the next batch is under way, to `write`: the inference worker scores a
 * batch while this thread appends the previous one. The next chunk is always being fetched too.
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
  let inFlight: InFlight | undefined;
  const write = async () => {
    const done = inFlight!;
    inFlight = undefined;
    rejectedRows += await on.write(done);
    for (const c of done.chunks) rows += c.rowCount;
    opts.onProgress?.({ rows, rejectedRows });
  };
  const flush = async () => {
    const started = on.score(batch);
    // Awaited by `write`; a job that fails first must not leave it unhandled.
    started.prediction.catch(() => undefined);
    batch = [];
    batchRows = 0;
    if (inFlight) await write();
    inFlight = started;
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
    if (inFlight) await write();
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

/** The scan's columns as a table definition (from the result itself: no second bind, which for CSV would sniff the file again). */
function columnDefinitions(result: DuckDBResult): string {
  const names = result.columnNames();
  return result.columnTypes().map((t, i) => `${sqlIdent(names[i]!)} ${t.toString()}`).join(', ');
}

function metaColumns(model: { name: string; version?: string | undefined }, startedAt: number): string {
  const ts = new Date(startedAt).toISOString().replace('T', ' ').replace('Z', '');
  return `${sqlString(model.name)} AS model_name, ${model.version !== undefined ? sqlString(model.version) : 'NULL::VARCHAR'} AS model_version, TIMESTAMP ${sqlString(ts)} AS scored_at`;
}

