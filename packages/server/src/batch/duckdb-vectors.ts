import bindings from '@duckdb/node-bindings';
import type * as duckdb from '@duckdb/node-bindings';
import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';

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

/** The raw vector of a chunk's column, for the writers below. */
export function columnVector(chunk: DuckDBDataChunk, column: number): duckdb.Vector {
  return bindings.data_chunk_get_vector(chunk.chunk, column);
}

/** Copies `values` (one per row, the vector's physical type: BIGINT ← BigInt64Array, DOUBLE ← Float64Array, FLOAT ← Float32Array) into a fixed-width vector. */
export function writeColumn(vector: duckdb.Vector, values: BigInt64Array | Float64Array | Float32Array): void {
  bindings.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
}

/** Marks the rows with `nulls[i]` set as NULL in the vector (every row is valid until then). */
export function writeNulls(vector: duckdb.Vector, nulls: Uint8Array): void {
  const rows = nulls.length;
  // DuckDB's validity mask: 64-bit little-endian words, bit set = valid; so row r is bit r % 8 of byte r / 8.
  const mask = new Uint8Array(Math.ceil(rows / 64) * 8);
  for (let r = 0; r < rows; r++) if (!nulls[r]) mask[r >> 3]! |= 1 << (r & 7);
  bindings.vector_ensure_validity_writable(vector);
  bindings.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}

/** Bytes per row of the types whose flat vectors hold each value in place (strings: DuckDB's 16-byte string_t). */
const FLAT_WIDTH: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.BOOLEAN]: 1,
  [DuckDBTypeId.TINYINT]: 1,
  [DuckDBTypeId.UTINYINT]: 1,
  [DuckDBTypeId.SMALLINT]: 2,
  [DuckDBTypeId.USMALLINT]: 2,
  [DuckDBTypeId.INTEGER]: 4,
  [DuckDBTypeId.UINTEGER]: 4,
  [DuckDBTypeId.DATE]: 4,
  [DuckDBTypeId.FLOAT]: 4,
  [DuckDBTypeId.BIGINT]: 8,
  [DuckDBTypeId.UBIGINT]: 8,
  [DuckDBTypeId.DOUBLE]: 8,
  [DuckDBTypeId.TIME]: 8,
  [DuckDBTypeId.TIME_NS]: 8,
  [DuckDBTypeId.TIME_TZ]: 8,
  [DuckDBTypeId.TIMESTAMP]: 8,
  [DuckDBTypeId.TIMESTAMP_S]: 8,
  [DuckDBTypeId.TIMESTAMP_MS]: 8,
  [DuckDBTypeId.TIMESTAMP_NS]: 8,
  [DuckDBTypeId.TIMESTAMP_TZ]: 8,
  [DuckDBTypeId.HUGEINT]: 16,
  [DuckDBTypeId.UHUGEINT]: 16,
  [DuckDBTypeId.INTERVAL]: 16,
  [DuckDBTypeId.UUID]: 16,
  [DuckDBTypeId.VARCHAR]: 16,
  [DuckDBTypeId.BLOB]: 16,
  [DuckDBTypeId.BIT]: 16,
  [DuckDBTypeId.BIGNUM]: 16,
};

function flatWidth(type: DuckDBType): number | undefined {
  if (type.typeId === DuckDBTypeId.DECIMAL) return type.width <= 4 ? 2 : type.width <= 9 ? 4 : type.width <= 18 ? 8 : 16;
  if (type.typeId === DuckDBTypeId.ENUM) return FLAT_WIDTH[type.internalTypeId];
  return FLAT_WIDTH[type.typeId];
}

/**
 * Copies column `from` of `source` into column `to` of `target` (same type, same row count):
 * one memory copy of the values and one of the validity mask. Strings are copied as DuckDB's
 * string_t, whose longer values point into `source`'s buffers: `target` is valid only while
 * `source` is alive (an appender copies the strings when it takes the chunk). Nested types
 * (lists, structs, maps, unions) have child vectors and are copied value by value.
 */
export function copyColumn(source: DuckDBDataChunk, from: number, target: DuckDBDataChunk, to: number, type: DuckDBType): void {
  const rows = source.rowCount;
  const width = flatWidth(type);
  if (width === undefined) {
    target.setColumnValues(to, source.getColumnValues(from));
    return;
  }
  const vector = bindings.data_chunk_get_vector(source.chunk, from);
  const into = bindings.data_chunk_get_vector(target.chunk, to);
  const data = bindings.vector_get_data(vector, rows * width);
  bindings.copy_data_to_vector(into, 0, data.buffer as ArrayBuffer, data.byteOffset, rows * width);
  const maskBytes = Math.ceil(rows / 64) * 8;
  // No mask: every row is valid, as in a new vector.
  const mask = bindings.vector_get_validity(vector, maskBytes) as Uint8Array | null;
  if (!mask) return;
  bindings.vector_ensure_validity_writable(into);
  bindings.copy_data_to_vector_validity(into, 0, mask.buffer as ArrayBuffer, mask.byteOffset, maskBytes);
}
