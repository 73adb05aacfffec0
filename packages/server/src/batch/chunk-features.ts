import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { Columns } from '@modelyard/sdk';
import { booleanView, float64View } from './duckdb-vectors.js';
import type { FeatureKind, ScoringPlan } from './scoring-plan.js';

/** The model inputs of a batch of scanned chunks, accepted rows only, in row order. */
export interface BatchFeatures {
  /** Accepted rows (those fed to the model). */
  rows: number;
  /** Per chunk, one byte per row: 1 when the row was rejected. */
  rejected: Uint8Array[];
  rejectedRows: number;
  /** Packed float32 [rows, features] (signature order), when asked for and every input is a number. */
  matrix?: Float32Array;
  /** Otherwise the columns, as `predictColumns` takes them. */
  columns?: Columns;
}

/** Whether model inputs of these kinds can be fed as one float32 matrix (all numeric). */
export function packable(kinds: readonly FeatureKind[]): boolean {
  return kinds.length > 0 && kinds.every((k) => k === 'number');
}

/**
 * Reads the chunks' model-input columns straight from DuckDB's buffers. With `pack` (the model
 * takes a float matrix) no JavaScript value is made per cell: the matrix is filled from the
 * Float64 views, which is all the JavaScript work a row costs before ONNX Runtime.
 */
export function batchFeatures(plan: ScoringPlan, chunks: readonly DuckDBDataChunk[], pack: boolean): BatchFeatures {
  const rejected = chunks.map((c) => booleanView(c, plan.rejectedIndex));
  let total = 0;
  let rejectedRows = 0;
  for (let c = 0; c < chunks.length; c++) {
    total += chunks[c]!.rowCount;
    for (const r of rejected[c]!) rejectedRows += r;
  }
  const rows = total - rejectedRows;
  if (pack && packable(plan.features.map((f) => f.kind))) return { rows, rejected, rejectedRows, matrix: packMatrix(chunks, plan.featureIndex, plan.features.length, rejected, rows) };
  const columns: Columns = new Map();
  plan.features.forEach((feature, j) => {
    const column = plan.featureIndex + j;
    const values = new Array<unknown>(rows);
    let k = 0;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c]!;
      const skip = rejected[c]!;
      if (feature.kind === 'number') {
        const view = float64View(chunk, column);
        for (let i = 0; i < view.length; i++) if (!skip[i]) values[k++] = view[i];
      } else {
        const vector = chunk.getColumnVector(column);
        for (let i = 0; i < chunk.rowCount; i++) if (!skip[i]) values[k++] = vector.getItem(i);
      }
    }
    columns.set(feature.name, values);
  });
  return { rows, rejected, rejectedRows, columns };
}

/**
 * Packs the DOUBLE columns `first` to `first + width - 1` of the chunks (no NULLs) into a float32
 * [rows, width] matrix, row by row, leaving out the rows `rejected` marks; `rows` is how many are left.
 * The matrix is `into`'s first rows when given (it must have room), else a new array.
 */
export function packMatrix(chunks: readonly DuckDBDataChunk[], first: number, width: number, rejected: readonly Uint8Array[], rows: number, into?: Float32Array): Float32Array {
  const matrix = into ?? new Float32Array(rows * width);
  let base = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    const skip = rejected[c]!;
    const n = chunk.rowCount;
    for (let j = 0; j < width; j++) {
      const view = float64View(chunk, first + j);
      let at = base + j;
      for (let i = 0; i < n; i++) {
        if (skip[i]) continue;
        matrix[at] = view[i]!;
        at += width;
      }
    }
    let accepted = n;
    for (let i = 0; i < n; i++) accepted -= skip[i]!;
    base += accepted * width;
  }
  return matrix;
}
