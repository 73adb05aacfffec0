import bindings from '@duckdb/node-bindings';
import { DOUBLE, DuckDBDataChunk, DuckDBScalarFunction, STRUCT } from '@duckdb/node-api';
import { packMatrix } from './chunk-features.js';
import type { SharedInference } from './inference-worker.js';
import { predictionColumns, writePredictions } from './prediction-columns.js';
import type { PredictionLayout } from './prediction-columns.js';

/** Rows per DuckDB vector: the most a scalar function is handed at once. */
export const VECTOR_SIZE = 2048;
/** Bytes per row of a prediction's answer: a label or value (at most 8), then a float32 per class. */
export function answerBytesPerRow(layout: PredictionLayout): number {
  return 8 + 4 * layout.probabilityColumns.length;
}

/** The SQL name of the function (internal: an input column cannot clash with it). */
export const PREDICT_FUNCTION = '__modelyard_predict';

export interface PredictFunctionOptions {
  /** The inference worker's shared calls, with room for a DuckDB vector (2,048 rows). */
  inference: SharedInference;
  /** The prediction columns the function answers, as a STRUCT with one field per column. */
  layout: PredictionLayout;
  /** How many model inputs the function takes (DOUBLEs, NaN for missing, in the worker's order). */
  inputs: number;
  /** Told after each vector of rows is scored, with its row count (on this thread). */
  onRows: (rows: number) => void;
}

/**
 * `__modelyard_predict(inputs…)`, a DuckDB scalar function scoring rows on the inference worker:
 * DuckDB hands it one vector of rows at a time (2,048) from whichever of its threads is running
 * the query; it packs their inputs into the worker's matrix, waits for the answer and writes the
 * prediction columns into the result STRUCT's vectors. So a whole job can be one statement:
 * DuckDB parses, converts and writes on its threads while the worker scores.
 *
 * The function body runs on this JavaScript thread (DuckDB's thread waits for it), so it blocks
 * on the worker's answer instead of awaiting it. Volatile, so DuckDB calls it once per row and
 * never folds or repeats it.
 */
export function predictFunction(opts: PredictFunctionOptions): DuckDBScalarFunction {
  if (opts.inference.maxRows < VECTOR_SIZE) throw new Error(`the predict function needs room for ${VECTOR_SIZE} rows per call, got ${opts.inference.maxRows}`);
  const columns = predictionColumns(opts.layout);
  const fn = new DuckDBScalarFunction();
  fn.setName(PREDICT_FUNCTION);
  fn.setReturnType(STRUCT(Object.fromEntries(columns.map((c) => [c.name, c.type]))));
  for (let j = 0; j < opts.inputs; j++) fn.addParameter(DOUBLE);
  fn.setVolatile();
  // Set through the bindings: node-api's wrapper would build a JavaScript vector object for
  // every field of the answer, while this writes the raw vectors.
  bindings.scalar_function_set_function(fn.scalar_function, (_info, input, output) => {
    const chunk = new DuckDBDataChunk(input);
    const rows = chunk.rowCount;
    const none = new Uint8Array(rows);
    packMatrix([chunk], 0, opts.inputs, [none], rows, opts.inference.matrix);
    const prediction = opts.inference.run(rows);
    writePredictions({ rows, vector: (i) => bindings.struct_vector_get_child(output, i) }, opts.layout, none, prediction, 0);
    opts.onRows(rows);
  });
  return fn;
}
