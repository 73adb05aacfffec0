import bindings from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from '@duckdb/node-api';

/*
 * Raw views of result vectors. The node-api's per-value `getItem` checks validity with BigInt
 * arithmetic and costs ~200 ns a value, which at 10M rows x 8 features is longer than the model
 * takes; these views read DuckDB's own buffers. They are valid only while the chunk is alive.
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
