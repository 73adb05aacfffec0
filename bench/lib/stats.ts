/** Small figures helpers shared by the benchmarks. */

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const idx = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[idx]!;
}

/** The median of unsorted figures (the lower one of an even count, as `percentile` gives it). */
export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

export interface Timing {
  count: number;
  totalMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `fn` `count` times one after another (one client) and summarises the latencies. */
export async function timeSequential(count: number, fn: (i: number) => Promise<void>): Promise<Timing> {
  const lat: number[] = new Array(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    lat[i] = performance.now() - t0;
  }
  const totalMs = performance.now() - start;
  lat.sort((a, b) => a - b);
  return { count, totalMs, perSecond: (count / totalMs) * 1000, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
}

/** The round with the median throughput (its own p50/p99): one figure from alternating rounds. */
export function medianTiming(rounds: Timing[]): Timing {
  const sorted = [...rounds].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Throughput over all rounds together (every call and all the time they took). For writes whose
 * rare slow call is part of the cost, like the WAL checkpoint a log-batch meets every few dozen
 * calls: a median round could be one without it.
 */
export function pooledPerSecond(rounds: Timing[]): number {
  const count = rounds.reduce((n, r) => n + r.count, 0);
  const ms = rounds.reduce((t, r) => t + r.totalMs, 0);
  return (count / ms) * 1000;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A figure line: name, value, and the target it is measured against. */
export function report(rows: Array<{ figure: string; value: string; target?: string }>): void {
  const w = Math.max(...rows.map((r) => r.figure.length));
  for (const r of rows) console.log(`  ${r.figure.padEnd(w)}  ${r.value.padStart(14)}${r.target ? `   (target ${r.target})` : ''}`);
}
