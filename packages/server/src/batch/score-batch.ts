import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { InvalidParameterError } from '../errors.js';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import { BatchRunLog, OUTPUT_SAMPLE_ARTIFACT, REJECTS_SAMPLE_ARTIFACT } from './batch-run-log.js';
import type { BatchTracking } from './batch-run-log.js';
import { batchFeatures } from './chunk-features.js';
import { readSql, resolveInput } from './input-source.js';
import { copyOptions, createWorkDir, defaultRejectsPath, extensionOf, outputFormatOf, publish } from './output-files.js';
import type { OutputFormat } from './output-files.js';
import { layoutFromPrediction, layoutFromSignature } from './prediction-columns.js';
import { ScoredSegments } from './scored-segments.js';
import { planScoring } from './scoring-plan.js';
import type { SourceColumn } from './scoring-plan.js';
import { sqlString } from './sql.js';

export interface ScoreBatchOptions {
  /** Any model URI the runtime resolves: `models:/name@alias`, `models:/name/Production`, `runs:/…`, a folder. */
  modelUri: string;
  /** A CSV or Parquet file, or a folder of part files. */
  inputPath: string;
  /** The file to write; its extension picks the format unless `outputFormat` is given. */
  outputPath: string;
  /** The process's model runtime (the one serving uses). */
  runtime: ModelRuntime;
  outputFormat?: OutputFormat;
  /** Keep only these input columns in the output (default: all of them). */
  idColumns?: string[];
  /** Rows per ONNX Runtime call. Default 16,384. */
  batchSize?: number;
  /** Fail the job when more than this share of rows is rejected. Default 0.01. */
  maxRejectRatio?: number;
  /** Default `<output stem>.rejects.<ext>` beside the output. */
  rejectsPath?: string;
  /** DuckDB worker threads (reading and writing). Default: DuckDB's (one per core). */
  threads?: number;
  /** DuckDB memory limit, e.g. `512MB` (default); beyond it DuckDB spills to the work folder. */
  memoryLimit?: string;
  /** Rows per part file written while later rows are scored. Default 262,144. */
  segmentRows?: number;
  /** Record the job as an MLflow run; without it nothing is logged. */
  tracking?: BatchTracking;
  signal?: AbortSignal;
  onProgress?: (progress: { rows: number; rejectedRows: number }) => void;
}

export interface ScoreBatchResult {
  outputPath: string;
  outputFormat: OutputFormat;
  /** Set when rows were rejected. */
  rejectsPath?: string;
  modelUri: string;
  modelName?: string;
  modelVersion?: string;
  /** Input rows read, scored and rejected; rows = scoredRows + rejectedRows. */
  rows: number;
  scoredRows: number;
  rejectedRows: number;
  rejectRatio: number;
  durationSeconds: number;
  rowsPerSecond: number;
  runId?: string;
  experimentId?: string;
}

/** More rows than allowed failed validation; the rejects file says which and why. */
export class TooManyRejectsError extends InvalidParameterError {
  constructor(
    readonly rejectedRows: number,
    readonly rows: number,
    readonly maxRejectRatio: number,
    readonly rejectsPath: string,
  ) {
    super(`${rejectedRows} of ${rows} rows (${pct(rejectedRows / rows)}) failed validation, above the allowed ${pct(maxRejectRatio)}; no output was written. See ${rejectsPath} for each row and reason, or raise --max-reject-ratio`);
  }
}

const SAMPLE_ROWS = 20;

/**
 * Scores a file of any size in bounded memory: DuckDB streams the input, ONNX Runtime scores it
 * in batches through the shared model runtime, and DuckDB writes the output in segments while
 * later rows are scored. The output appears under its final name only when complete (written
 * in a work folder beside it, then renamed); rows that fail validation go to a rejects file.
 */
export async function scoreBatch(opts: ScoreBatchOptions): Promise<ScoreBatchResult> {
  const startedAt = Date.now();
  const outputPath = resolve(opts.outputPath);
  const format = outputFormatOf(outputPath, opts.outputFormat);
  const rejectsPath = resolve(opts.rejectsPath ?? defaultRejectsPath(outputPath, format));
  const batchSize = positive('batchSize', opts.batchSize ?? 16_384);
  const maxRejectRatio = opts.maxRejectRatio ?? 0.01;
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) throw new InvalidParameterError(`maxRejectRatio must be between 0 and 1, got ${maxRejectRatio}`);
  const log = opts.tracking ? await BatchRunLog.start(opts.tracking, `score ${basename(opts.inputPath)}`) : undefined;
  try {
    await log?.params({ model_uri: opts.modelUri, input_path: resolve(opts.inputPath), output_path: outputPath, batch_size: batchSize, max_reject_ratio: maxRejectRatio });
    const input = await resolveInput(opts.inputPath);
    const model = await opts.runtime.load(opts.modelUri);
    try {
      await log?.params({ model_name: model.name, model_version: model.version, model_run_id: model.runId, input_format: input.format, input_files: input.files.length, output_format: format });
      if (!model.signature) throw new InvalidParameterError(`model '${opts.modelUri}' has no signature; batch scoring needs its input columns (log the model with a signature)`);
      const work = await createWorkDir(outputPath);
      let counts: { rows: number; rejectedRows: number; wroteRejects: boolean };
      try {
        counts = await withDuckDb(work, opts, async (conns) => {
          const source = await describe(conns.read, readSql(input));
          const plan = planScoring({ format: input.format, outputFormat: format, source, inputs: model.signature!.inputs, idColumns: opts.idColumns });
          const from = readSql(input, plan.varcharColumns);
          // The output's input columns are staged by DuckDB alone (never through JavaScript values)
          // while the model inputs are streamed from the source: two reads that agree row for row,
          // as both keep the source's order (and their row counts are compared at the end).
          // Measured for CSV too: staging first and streaming from the table was slower at 10M rows
          // (the staged model inputs spill, and scoring waits for the whole parse).
          const staged = conns.stage.run(`CREATE TABLE "__input" AS SELECT ${plan.outputSelect} FROM ${from}`);
          staged.catch(() => undefined);
          const scanSql = `SELECT ${plan.featureSelect} FROM ${from}`;
          const segments = new ScoredSegments(
            {
              appendConn: conns.append,
              writeConn: conns.write,
              workDir: work,
              plan,
              format,
              inputTable: '__input',
              staged,
              metaColumns: metaColumns(model.name ?? opts.modelUri, model.version, startedAt),
              segmentRows: positive('segmentRows', opts.segmentRows ?? 262_144),
            },
            join(work, `output-parts.${extensionOf(format)}`),
          );
          const fromSignature = layoutFromSignature(model);
          if (fromSignature) segments.setLayout(fromSignature);
          try {
            const scanned = await scan(conns.read, scanSql, batchSize, opts, async (chunks) => {
              const features = batchFeatures(plan, chunks);
              const prediction = features.rows > 0 ? await model.predictColumns(features.columns, features.rows) : undefined;
              segments.setLayout(prediction ? layoutFromPrediction(model, prediction) : { predictionType: 'DOUBLE', probabilityColumns: [] });
              await segments.append(
                chunks.map((c) => c.rowCount),
                features.rejected,
                prediction,
              );
              return features.rejectedRows;
            });
            await staged;
            const stagedRows = Number((await conns.write.runAndReadAll('SELECT count(*) FROM "__input"')).getRowsJS()[0]![0]);
            if (stagedRows !== scanned.rows) throw new Error(`the input changed while it was scored (${scanned.rows} rows scored, ${stagedRows} rows staged); score it again`);
            segments.setLayout({ predictionType: 'DOUBLE', probabilityColumns: [] });
            await segments.finish(join(work, `output.${extensionOf(format)}`), join(work, `rejects.${extensionOf(format)}`), scanned.rejectedRows);
            return { ...scanned, wroteRejects: scanned.rejectedRows > 0 };
          } catch (e) {
            await segments.abort();
            await staged.catch(() => undefined);
            throw e;
          }
        });
        const { rows, rejectedRows } = counts;
        if (counts.wroteRejects) await publish(join(work, `rejects.${extensionOf(format)}`), rejectsPath);
        else await rm(rejectsPath, { force: true }); // an older job's rejects would describe other rows
        if (rows > 0 && rejectedRows / rows > maxRejectRatio) {
          await log?.metrics({ rows, rows_rejected: rejectedRows, reject_ratio: rejectedRows / rows });
          throw new TooManyRejectsError(rejectedRows, rows, maxRejectRatio, rejectsPath);
        }
        await publish(join(work, `output.${extensionOf(format)}`), outputPath);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const durationSeconds = (Date.now() - startedAt) / 1000;
      const { rows, rejectedRows } = counts;
      const result: ScoreBatchResult = {
        outputPath,
        outputFormat: format,
        ...(counts.wroteRejects ? { rejectsPath } : {}),
        modelUri: opts.modelUri,
        ...(model.name !== undefined ? { modelName: model.name } : {}),
        ...(model.version !== undefined ? { modelVersion: model.version } : {}),
        rows,
        scoredRows: rows - rejectedRows,
        rejectedRows,
        rejectRatio: rows > 0 ? rejectedRows / rows : 0,
        durationSeconds,
        rowsPerSecond: durationSeconds > 0 ? rows / durationSeconds : 0,
        ...(log ? { runId: log.runId, experimentId: log.experimentId } : {}),
      };
      if (log) await logResult(log, result, format);
      return result;
    } finally {
      await model.close();
    }
  } catch (e) {
    // A cancelled job surfaces as whatever was running (often DuckDB's "Interrupted"): report the cancellation.
    const error: unknown = opts.signal?.aborted ? (opts.signal.reason ?? e) : e;
    await log?.tags({ 'modelyard.error': String(error instanceof Error ? error.message : error).slice(0, 4000) }).catch(() => undefined);
    await log?.end(opts.signal?.aborted ? 'KILLED' : 'FAILED').catch(() => undefined);
    throw error;
  }
}

interface Connections {
  read: DuckDBConnection;
  stage: DuckDBConnection;
  append: DuckDBConnection;
  write: DuckDBConnection;
}

/**
 * A DuckDB database in the work folder (not in memory: segment tables and sorts can spill under
 * the memory limit) with a connection per concurrent task: streaming the model inputs, staging
 * the input, appending predictions, writing parts.
 */
async function withDuckDb<T>(work: string, opts: ScoreBatchOptions, fn: (c: Connections) => Promise<T>): Promise<T> {
  const config: Record<string, string> = {
    memory_limit: opts.memoryLimit ?? '512MB',
    temp_directory: join(work, 'spill'),
    // The output keeps the input's row order: part files, rejects' input_row and POSITIONAL JOIN rely on it.
    preserve_insertion_order: 'true',
  };
  if (opts.threads !== undefined) config.threads = String(positive('threads', opts.threads));
  // In memory with a spill folder: nothing is checkpointed to a file that is deleted anyway.
  const instance = await DuckDBInstance.create(':memory:', config);
  const conns: Connections = { read: await instance.connect(), stage: await instance.connect(), append: await instance.connect(), write: await instance.connect() };
  // Only the staging statement can run long; the others are a chunk or a segment, and the scan
  // stops at the next chunk. (An interrupted streaming fetch never settles: interrupting the
  // reading connection would leave the job waiting on it forever.)
  const interrupt = () => conns.stage.interrupt();
  opts.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    return await fn(conns);
  } finally {
    opts.signal?.removeEventListener('abort', interrupt);
    for (const c of Object.values(conns)) c.closeSync();
    instance.closeSync();
  }
}

async function describe(conn: DuckDBConnection, from: string): Promise<SourceColumn[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
  return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * Streams the query and hands batches of about `batchSize` rows to `score`. The next chunk is
 * fetched while a batch is scored: DuckDB reads on its threads while ONNX Runtime holds this one.
 */
async function scan(
  conn: DuckDBConnection,
  sql: string,
  batchSize: number,
  opts: Pick<ScoreBatchOptions, 'signal' | 'onProgress'>,
  score: (chunks: DuckDBDataChunk[]) => Promise<number>,
): Promise<{ rows: number; rejectedRows: number }> {
  const result = await conn.stream(sql);
  let rows = 0;
  let rejectedRows = 0;
  let batch: DuckDBDataChunk[] = [];
  let batchRows = 0;
  const flush = async () => {
    rejectedRows += await score(batch);
    rows += batchRows;
    batch = [];
    batchRows = 0;
    opts.onProgress?.({ rows, rejectedRows });
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
      if (batchRows >= batchSize) await flush();
    }
    if (batchRows > 0) await flush();
  } catch (e) {
    // The prefetch must settle before the connection closes under it.
    await next.catch(() => undefined);
    throw e;
  }
  return { rows, rejectedRows };
}

function metaColumns(modelName: string, modelVersion: string | undefined, startedAt: number): string {
  const ts = new Date(startedAt).toISOString().replace('T', ' ').replace('Z', '');
  return `${sqlString(modelName)} AS model_name, ${modelVersion !== undefined ? sqlString(modelVersion) : 'NULL::VARCHAR'} AS model_version, TIMESTAMP ${sqlString(ts)} AS scored_at`;
}

async function logResult(log: BatchRunLog, r: ScoreBatchResult, format: OutputFormat): Promise<void> {
  await log.params({ rows: r.rows });
  await log.metrics({
    rows: r.rows,
    rows_scored: r.scoredRows,
    rows_rejected: r.rejectedRows,
    reject_ratio: r.rejectRatio,
    duration_seconds: r.durationSeconds,
    rows_per_second: r.rowsPerSecond,
  });
  await log.artifact(OUTPUT_SAMPLE_ARTIFACT, await sampleCsv(r.outputPath, format));
  if (r.rejectsPath) await log.artifact(REJECTS_SAMPLE_ARTIFACT, await sampleCsv(r.rejectsPath, format));
  await log.end('FINISHED');
}

/** The first rows of a written file as CSV text (read back, so the sample is what was written). */
async function sampleCsv(path: string, format: OutputFormat): Promise<string> {
  const reader = format === 'parquet' ? 'read_parquet' : format === 'csv' ? 'read_csv' : 'read_json_auto';
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const sample = join(tmpdir(), `modelyard-sample-${process.pid}-${Date.now()}.csv`);
  try {
    const conn = await instance.connect();
    await conn.run(`COPY (SELECT * FROM ${reader}(${sqlString(path)}) LIMIT ${SAMPLE_ROWS}) TO ${sqlString(sample)} ${copyOptions('csv')}`);
    conn.closeSync();
    return await readFile(sample, 'utf8');
  } finally {
    instance.closeSync();
    await rm(sample, { force: true });
  }
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new InvalidParameterError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
