import type { DuckDBConnection } from '@duckdb/node-api';
import type { InferenceWorker } from './inference-worker.js';
import { readSql } from './input-source.js';
import type { InputSource } from './input-source.js';
import { copyOptions } from './output-files.js';
import type { OutputFormat } from './output-files.js';
import { answerBytesPerRow, PREDICT_FUNCTION, predictFunction, VECTOR_SIZE } from './predict-function.js';
import type { PredictionLayout } from './prediction-columns.js';
import type { ScoringPlan } from './scoring-plan.js';
import { sqlString } from './sql.js';

export interface StatementScoringOptions {
  conn: DuckDBConnection;
  plan: ScoringPlan;
  input: InputSource;
  worker: InferenceWorker;
  layout: PredictionLayout;
  format: OutputFormat;
  /** Where the output is written (a temporary name; the caller publishes it). */
  outputPath: string;
  /** Select-list items appended to every output row (model name, version, scoring time). */
  metaColumns: string;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: { rows: number; rejectedRows: number }) => void) | undefined;
}

/** The predictions' STRUCT column between the inner and outer select (a name inputs cannot have: see scoring-plan). */
const SCORED = '"__scored"';

/**
 * The whole job as one `COPY (SELECT kept columns, predict(model inputs), model columns FROM the
 * input) TO output`, for plans that reject no row (every model input converts, or the read is
 * optimistic and fails on a bad cell) and models the inference worker takes with predictions
 * the signature describes. DuckDB reads, converts and writes on its threads, in input order,
 * while the worker scores each vector: no segment tables, appends or part files. The output
 * has the same columns and values as the segmented path's.
 */
export async function scoreInOneStatement(opts: StatementScoringOptions): Promise<{ rows: number; rejectedRows: number }> {
  const { conn, plan } = opts;
  let scored = 0;
  const inference = opts.worker.share(VECTOR_SIZE, answerBytesPerRow(opts.layout));
  const fn = predictFunction({
    inference,
    layout: opts.layout,
    inputs: plan.features.length,
    onRows: (rows) => {
      // Thrown inside DuckDB's call, this fails the statement (the caller also interrupts it).
      opts.signal?.throwIfAborted();
      scored += rows;
      opts.onProgress?.({ rows: scored, rejectedRows: 0 });
    },
  });
  try {
    conn.registerScalarFunction(fn);
    const inner = `SELECT ${plan.keptSelect.join(', ')}, ${PREDICT_FUNCTION}(${plan.featureValues.join(', ')}) AS ${SCORED} FROM ${readSql(opts.input, plan.varcharColumns)}`;
    const select = `SELECT * EXCLUDE (${SCORED}), ${SCORED}.*, ${opts.metaColumns} FROM (${inner})`;
    const result = await conn.run(`COPY (${select}) TO ${sqlString(opts.outputPath)} ${copyOptions(opts.format)}`);
    return { rows: result.rowsChanged, rejectedRows: 0 };
  } finally {
    await inference.stop();
  }
}
