import { readFileSync } from 'node:fs';
import { fmt } from './stats.js';

/** The machine's CPU time counters (Linux `/proc/stat`, all CPUs together), in clock ticks. */
export interface CpuCounters {
  /** Every state: user, nice, system, idle, iowait, irq, softirq, steal. */
  total: number;
  /** Time the hypervisor ran something else while this guest's vCPUs wanted to run. */
  steal: number;
}

/** The counters now, or undefined where there is no `/proc/stat` (not Linux). */
export function readCpuCounters(): CpuCounters | undefined {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  } catch {
    return undefined;
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already
  // counted in user, so only the first eight fields add up to the total.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
}

/**
 * Share of the machine's CPU time the hypervisor took between two readings, in percent: on a
 * shared VM, the part of a figure's noise no code on this side can remove. Undefined without
 * readings or without time between them.
 */
export function stealPercent(from: CpuCounters | undefined, to: CpuCounters | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return (100 * (to.steal - from.steal)) / (to.total - from.total);
}

/** Runs `fn` and returns its result with the host's steal share while it ran. */
export async function withSteal<T>(fn: () => Promise<T>): Promise<{ result: T; stealPercent: number | undefined }> {
  const before = readCpuCounters();
  const result = await fn();
  return { result, stealPercent: stealPercent(before, readCpuCounters()) };
}

/** A steal share as printed beside a figure: `3.5 %`, or `n/a` where it could not be read. */
export function stealText(percent: number | undefined): string {
  return percent === undefined || Number.isNaN(percent) ? 'n/a' : `${fmt(percent, 1)} %`;
}
