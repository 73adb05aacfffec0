import type { Run } from '@modelyard/sdk/client';
import type { DataColumn } from '../../lib/run-columns.js';
import { columnValue } from '../../lib/run-columns.js';

/** A column's values across runs, as numbers: numeric params as they are, other params by rank. */
export interface NumericAxis {
  column: DataColumn;
  label: string;
  values: Array<number | undefined>;
  /** Set for categorical axes: the category behind each integer value. */
  categories?: string[];
}

export function numericAxis(runs: readonly Run[], column: DataColumn): NumericAxis {
  const raw = runs.map((r) => columnValue(r, column));
  const label = `${column.kind === 'metrics' ? '' : `${column.kind}.`}${column.key}`;
  const allNumeric = raw.every((v) => v === undefined || typeof v === 'number' || (v.trim() !== '' && Number.isFinite(Number(v))));
  if (allNumeric) {
    return { column, label, values: raw.map((v) => (v === undefined ? undefined : Number(v))).map((n) => (n !== undefined && Number.isFinite(n) ? n : undefined)) };
  }
  const categories = [...new Set(raw.filter((v): v is string => typeof v === 'string'))].sort();
  return { column, label, categories, values: raw.map((v) => (v === undefined ? undefined : categories.indexOf(String(v)))) };
}

export function extent(values: ReadonlyArray<number | undefined>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === undefined) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Number.POSITIVE_INFINITY) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

export function ticks([lo, hi]: [number, number], count = 4): number[] {
  const out: number[] = [];
  for (let i = 0; i <= count; i++) out.push(lo + ((hi - lo) * i) / count);
  return out;
}
