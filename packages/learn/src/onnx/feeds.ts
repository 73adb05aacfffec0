import type { DataFrame } from '../data/data-frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { NUMERIC_INPUT } from './to-onnx.js';

export type OnnxFeed =
  | { readonly type: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly type: 'string'; readonly data: string[]; readonly dims: readonly number[] };

/**
 * The input tensors of the pipeline's ONNX graph for the rows of `frame`, as (type, data, dims)
 * triples ready for `new ort.Tensor(type, data, dims)`. Missing numbers stay NaN; missing strings
 * become '' (an unknown category: all zeros after one-hot encoding, as in process).
 */
export function toOnnxFeeds(pipeline: Pipeline, frame: DataFrame): Record<string, OnnxFeed> {
  const layout = pipeline.layout;
  const n = frame.rowCount;
  const feeds: Record<string, OnnxFeed> = {};
  const numeric = layout.numericColumns;
  if (numeric.length > 0) {
    const data = new Float32Array(n * numeric.length);
    numeric.forEach((name, j) => {
      const values = frame.numbers(name);
      for (let i = 0; i < n; i++) data[i * numeric.length + j] = values[i];
    });
    feeds[NUMERIC_INPUT] = { type: 'float32', data, dims: [n, numeric.length] };
  }
  for (const name of layout.categoricalColumns) {
    const column = frame.column(name);
    const data = Array.from(column.values as ArrayLike<string | number | null>, (v) =>
      v === null || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v),
    );
    feeds[name] = { type: 'string', data, dims: [n, 1] };
  }
  return feeds;
}
