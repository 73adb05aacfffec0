import type { Matrix } from '../../linalg/matrix.js';

/**
 * Per feature, the sorted distinct float32 values and each row's rank among them. Computed once per
 * ensemble; split search then works on integer ranks, and thresholds are taken between adjacent
 * distinct values.
 */
export interface SortedFeatures {
  readonly rows: number;
  readonly features: number;
  readonly ranks: readonly Int32Array[];
  readonly distinct: readonly Float64Array[];
}

export function sortFeatures(x: Matrix): SortedFeatures {
  const ranks: Int32Array[] = [];
  const distinct: Float64Array[] = [];
  for (let f = 0; f < x.cols; f++) {
    const values = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) values[i] = Math.fround(x.data[i * x.cols + f]);
    // NaN sorts last in a typed-array sort and gets its own top rank: NaN rows never go left, as
    // with ONNX (a NaN comparison is false) — and no threshold is ever placed next to NaN.
    const sorted = Float64Array.from(values).sort();
    const unique: number[] = [];
    for (const v of sorted) {
      if (Number.isNaN(v)) break;
      if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
    }
    const rankOf = new Map<number, number>(unique.map((v, i) => [v, i]));
    const rank = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) rank[i] = Number.isNaN(values[i]) ? unique.length : rankOf.get(values[i])!;
    ranks.push(rank);
    distinct.push(Float64Array.from(unique));
  }
  return { rows: x.rows, features: x.cols, ranks, distinct };
}

/** A float32 threshold t with lo <= t < hi, so `x <= t` separates exactly the two sides. */
export function thresholdBetween(lo: number, hi: number): number {
  const mid = Math.fround((lo + hi) / 2);
  return mid >= lo && mid < hi ? mid : lo;
}
