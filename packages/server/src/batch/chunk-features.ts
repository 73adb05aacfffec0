import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { Columns } from '@modelyard/sdk';
import { booleanView, float64View } from './duckdb-vectors.js';
import type { ScoringPlan } from './scoring-plan.js';

/** The model inputs of a batch of scanned chunks, accepted rows only, in row order. */
export interface BatchFeatures {
  columns: Columns;
  /** Accepted rows (those fed to the model). */
  rows: number;
  /** Per chunk, one byte per row: 1 when the row was rejected. */
  rejected: Uint8Array[];
  rejectedRows: number;
}

export function batchFeatures(plan: ScoringPlan, chunks: readonly DuckDBDataChunk[]): BatchFeatures {
  const rejected = chunks.map((c) => booleanView(c, plan.rejectedIndex));
  let total = 0;
  let rejectedRows = 0;
  for (let c = 0; c < chunks.length; c++) {
    total += chunks[c]!.rowCount;
    for (const r of rejected[c]!) rejectedRows += r;
  }
  const rows = total - rejectedRows;
  const columns: Columns = new Map();
  plan.features.forEach((feature, j) => {
    const column = j;
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
  return { columns, rows, rejected, rejectedRows };
}
