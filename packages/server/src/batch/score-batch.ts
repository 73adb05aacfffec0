import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { isObjectStoreUri } from '@modelyard/sdk';
import { InvalidParameterError } from '../errors.js';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import { BatchRunLog, OUTPUT_SAMPLE_ARTIFACT, REJECTS_SAMPLE_ARTIFACT } from './batch-run-log.js';
import type { BatchTracking } from './batch-run-log.js';
import { inputFormatOf, resolveInput } from './input-source.js';
import { ObjectStoreStaging } from './object-store-staging.js';
import type { InputRules } from './object-store-staging.js';
import { copyOptions, createWorkDir, defaultRejectsPath, outputFormatOf } from './output-files.js';
import type { OutputFormat } from './output-files.js';
import { sqlString } from './sql.js';
import { streamScoring, workOutputs } from './stream-scoring.js';

export interface ScoreBatchOptions {
  /** Any model URI the runtime resolves: `models:/name@alias`, `models:/name/Production`, `runs:/…`, a folder. */
  modelUri: string;
  /** A central registry server `models:/<name>…` resolves in (a pipeline's workspace.registry_uri), instead of the runtime's own. */
  registryUri?: string;
  /** A CSV or Parquet file, or a folder of part files. */
  inputPath: string;
  /** The file to write; its extension picks the format unless `outputFormat` is given. */
  outputPath: string;
  /** The process's model runtime (the one serving uses). */
  runtime: ModelRuntime;
  outputFormat?: OutputFormat;
  /** Keep only these input columns in the output (default: all of them). */
  idColumns?: string[];
  /** Rows per ONNX Runtime call when scoring by segments (one statement goes by 2,048-row vectors). Default 16,384. */
  batchSize?: number;
  /** Fail the job when more than this share of rows is rejected. Default 0.01. */
  maxRejectRatio?: number;
  /** Default `<output stem>.rejects.<ext>` beside the output. */
  rejectsPath?: string;
  /** DuckDB worker threads (reading and writing). Default: DuckDB's (one per core). */
  threads?: number;
  /** DuckDB memory limit, e.g. `512MB` (default); beyond it DuckDB spills to the work folder. */
  memoryLimit?: string;
  /** Rows per part file written while later rows are scored (by segments). Default 262,144. */
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

/** What an object-store input may hold: the files resolveInput takes from a local folder. */
const INPUT_RULES: InputRules = {
  accept: (name) => inputFormatOf(name) !== undefined,
  refusal: 'is neither CSV (.csv, .tsv, .csv.gz) nor Parquet (.parquet); rename it or convert it',
  files: 'CSV or Parquet files',
};

/**
 * Scores a file of any size in bounded memory: DuckDB streams the input, ONNX Runtime scores it
 * in batches through the shared model runtime, and DuckDB writes the output in segments while
 * later rows are scored. The output appears under its final name only when complete (written
 * in a work folder beside it, then renamed); rows that fail validation go to a rejects file.
 * Inputs and outputs at s3://, wasbs:// and abfss:// URIs pass through a local staging folder
 * (object-store-staging.ts): downloaded and uploaded as streams, uploaded whole or not at all.
 */
export async function scoreBatch(opts: ScoreBatchOptions): Promise<ScoreBatchResult> {
  const staging = new ObjectStoreStaging(opts.signal ? { signal: opts.signal } : {});
  try {
    return await scoreStaged(opts, staging);
  } finally {
    await staging.release();
  }
}

async function scoreStaged(opts: ScoreBatchOptions, staging: ObjectStoreStaging): Promise<ScoreBatchResult> {
  const startedAt = Date.now();
  const outputPath = locationName(opts.outputPath);
  const format = outputFormatOf(outputPath, opts.outputFormat);
  const rejectsPath = locationName(opts.rejectsPath ?? defaultRejectsPath(outputPath, format));
  const batchSize = positive('batchSize', opts.batchSize ?? 16_384);
  const maxRejectRatio = opts.maxRejectRatio ?? 0.01;
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) throw new InvalidParameterError(`maxRejectRatio must be between 0 and 1, got ${maxRejectRatio}`);
  const log = opts.tracking ? await BatchRunLog.start(opts.tracking, `score ${basename(opts.inputPath)}`) : undefined;
  try {
    await log?.params({ model_uri: opts.modelUri, input_path: locationName(opts.inputPath), output_path: outputPath, batch_size: batchSize, max_reject_ratio: maxRejectRatio });
    // Object-store outputs are checked before anything is read: a job that could not write its
    // result fails at once instead of after scoring.
    const output = await staging.output(outputPath);
    const rejects = await staging.output(rejectsPath, 'rejects');
    const input = await resolveInput(await staging.input(opts.inputPath, INPUT_RULES), opts.inputPath);
    const model = await opts.runtime.load(opts.modelUri, opts.registryUri ? { registryUri: opts.registryUri } : undefined);
    try {
      await log?.params({ model_name: model.name, model_version: model.version, model_run_id: model.runId, input_format: input.format, input_files: input.files.length, output_format: format });
      if (!model.signature) throw new InvalidParameterError(`model '${opts.modelUri}' has no signature; batch scoring needs its input columns (log the model with a signature)`);
      const work = await createWorkDir(output.localPath);
      let counts: { rows: number; rejectedRows: number };
      try {
        counts = await streamScoring({
          input,
          model,
          modelLabel: { name: model.name ?? opts.modelUri, version: model.version },
          format,
          work,
          startedAt,
          batchSize,
          segmentRows: positive('segmentRows', opts.segmentRows ?? 262_144),
          inferenceThreads: opts.runtime.intraOpNumThreads,
          idColumns: opts.idColumns,
          threads: opts.threads !== undefined ? positive('threads', opts.threads) : undefined,
          memoryLimit: opts.memoryLimit,
          signal: opts.signal,
          onProgress: opts.onProgress,
        });
        const out = workOutputs(work, format);
        const { rows, rejectedRows } = counts;
        if (rejectedRows > 0) await rejects.commit(out.rejects);
        else await rejects.remove(); // an older job's rejects would describe other rows
        if (rows > 0 && rejectedRows / rows > maxRejectRatio) {
          await log?.metrics({ rows, rows_rejected: rejectedRows, reject_ratio: rejectedRows / rows });
          throw new TooManyRejectsError(rejectedRows, rows, maxRejectRatio, rejectsPath);
        }
        await output.commit(out.output);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const durationSeconds = (Date.now() - startedAt) / 1000;
      const { rows, rejectedRows } = counts;
      const result: ScoreBatchResult = {
        outputPath,
        outputFormat: format,
        ...(rejectedRows > 0 ? { rejectsPath } : {}),
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
      if (log) await logResult(log, result, format, { output: output.localPath, rejects: rejects.localPath });
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

/** `local`: where the written files are on this machine (staged copies of object-store outputs). */
async function logResult(log: BatchRunLog, r: ScoreBatchResult, format: OutputFormat, local: { output: string; rejects: string }): Promise<void> {
  await log.params({ rows: r.rows });
  await log.metrics({
    rows: r.rows,
    rows_scored: r.scoredRows,
    rows_rejected: r.rejectedRows,
    reject_ratio: r.rejectRatio,
    duration_seconds: r.durationSeconds,
    rows_per_second: r.rowsPerSecond,
  });
  await log.artifact(OUTPUT_SAMPLE_ARTIFACT, await sampleCsv(local.output, format));
  if (r.rejectsPath) await log.artifact(REJECTS_SAMPLE_ARTIFACT, await sampleCsv(local.rejects, format));
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

/** A local path made absolute; an object-store URI as it is. */
function locationName(path: string): string {
  return isObjectStoreUri(path) ? path : resolve(path);
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new InvalidParameterError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
