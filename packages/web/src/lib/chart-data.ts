import type { Metric } from '@modelyard/sdk/client';
import { smoothEma } from './smoothing.js';

export type XAxis = 'step' | 'relative' | 'wall';

export interface MetricSeries {
  label: string;
  points: readonly Metric[];
}

export interface ChartTransform {
  xAxis: XAxis;
  /** EMA weight in [0, 1). */
  smoothing: number;
  logScale: boolean;
}

/** uPlot's column layout: x first, one y column per series, null where a series has no point. */
export type AlignedColumns = [ArrayLike<number>, ...Array<Array<number | null>>];

function xOf(m: Metric, axis: XAxis, t0: number): number {
  if (axis === 'step') return m.step ?? 0;
  const ts = m.timestamp ?? 0;
  return axis === 'wall' ? ts / 1000 : (ts - t0) / 1000;
}

/** One series' points sorted by x, duplicates at the same x collapsed to the last logged. */
function sortedXY(s: MetricSeries, t: ChartTransform): { xs: number[]; ys: Array<number | null> } {
  let t0 = Number.POSITIVE_INFINITY;
  if (t.xAxis === 'relative') for (const p of s.points) t0 = Math.min(t0, p.timestamp ?? 0);
  const n = s.points.length;
  const xs = new Array<number>(n);
  const rawY = new Array<number>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const p = s.points[i]!;
    xs[i] = xOf(p, t.xAxis, t0);
    rawY[i] = p.value;
    if (i > 0 && xs[i]! < xs[i - 1]!) sorted = false;
  }
  let order: number[] | undefined;
  if (!sorted) {
    order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => xs[a]! - xs[b]! || (s.points[a]!.timestamp ?? 0) - (s.points[b]!.timestamp ?? 0));
  }
  const outX: number[] = [];
  const outY: Array<number | null> = [];
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const x = xs[i]!;
    let y: number | null = rawY[i]!;
    if (!Number.isFinite(y) || (t.logScale && y <= 0)) y = null;
    if (outX.length > 0 && outX[outX.length - 1] === x) outY[outY.length - 1] = y;
    else {
      outX.push(x);
      outY.push(y);
    }
  }
  return { xs: outX, ys: smoothEma(outY, t.smoothing) };
}

export function alignSeries(series: readonly MetricSeries[], t: ChartTransform): AlignedColumns {
  const perSeries = series.map((s) => sortedXY(s, t));
  if (perSeries.length === 1) return [perSeries[0]!.xs, perSeries[0]!.ys];
  const allX = new Set<number>();
  for (const s of perSeries) for (const x of s.xs) allX.add(x);
  const xs = Float64Array.from(allX).sort();
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const columns = perSeries.map((s) => {
    const col = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < s.xs.length; i++) col[index.get(s.xs[i]!)!] = s.ys[i]!;
    return col;
  });
  return [xs, ...columns];
}

/**
 * True when a metric has at most one value per series: nothing was logged at a second step. Such a
 * metric reads as a number (a bar), not as a line: a single point on a 0–100 step axis says
 * nothing. Logging the same step again only replaces the value (see sortedXY), so it counts once.
 */
export function isSingleValue(series: readonly MetricSeries[]): boolean {
  for (const s of series) {
    const first = s.points[0];
    for (const p of s.points) if ((p.step ?? 0) !== (first!.step ?? 0)) return false;
  }
  return true;
}

/** A series' value at its highest step (the last logged there): what a bar shows. */
export function lastValue(s: MetricSeries): number | undefined {
  let best: Metric | undefined;
  for (const p of s.points) {
    if (!best || (p.step ?? 0) > (best.step ?? 0) || ((p.step ?? 0) === (best.step ?? 0) && (p.timestamp ?? 0) >= (best.timestamp ?? 0))) best = p;
  }
  return best?.value;
}
