import bindings from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';

/*
 * Raw access to DuckDB vectors. The node-api's per-value `getItem` / `setItem` cost ~200 ns a
 * value, which at 10M rows x 8 features is longer than the model takes; these read DuckDB's own
 * buffers and write with one memory copy per column. Read views are valid only while the chunk
 * is alive.
 */

/** A DOUBLE column known to hold no NULLs (the query coalesces them), as a Float64Array view. */
export function float64View(chunk: DuckDBDataChunk, column: number): Float64Array {
  const rows = chunk.rowCount;
  const bytes = bindings.vector_get_data(bindings.data_chunk_get_vector(chunk.chunk, column), rows * 8);
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, rows);
  return new Float64Array(bytes.slice().buffer, 0, rows);
}

/** A BOOLEAN column known to hold no NULLs, one byte per row (0 or 1). */
export function booleanView(chunk: DuckDBDataChunk, column: number): Uint8Array {
  return bindings.vector_get_data(bindings.data_chunk_get_vector(chunk.chunk, column), chunk.rowCount);
}

/** Copies `values` (one per row, the column's physical type: BIGINT ← BigInt64Array, DOUBLE ← Float64Array, FLOAT ← Float32Array) into a fixed-width column. */
export function writeColumn(chunk: DuckDBDataChunk, column: number, values: BigInt64Array | Float64Array | Float32Array): void {
  bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, column), 0, values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
}

/** Marks the rows with `nulls[i]` set as NULL in the column (every row is valid until then). */
export function writeNulls(chunk: DuckDBDataChunk, column: number, nulls: Uint8Array): void {
  const rows = chunk.rowCount;
  // DuckDB's validity mask: 64-bit little-endian words, bit set = valid; so row r is bit r % 8 of byte r / 8.
  const mask = new Uint8Array(Math.ceil(rows / 64) * 8);
  for (let r = 0; r < rows; r++) if (!nulls[r]) mask[r >> 3]! |= 1 << (r & 7);
  const vector = bindings.data_chunk_get_vector(chunk.chunk, column);
  bindings.vector_ensure_validity_writable(vector);
  bindings.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}
