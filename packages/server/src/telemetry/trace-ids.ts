import { createHash } from 'node:crypto';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

function digestHex(text: string, chars: number): string {
  let hex = createHash('sha256').update(text).digest('hex').slice(0, chars);
  // An all-zero id is invalid in W3C Trace Context; astronomically unlikely, but cheap to rule out.
  if (/^0+$/.test(hex)) hex = hex.slice(0, -1) + '1';
  return hex;
}

/**
 * The trace of a job run is derived from the run itself, not drawn at random and kept in memory:
 * a run is driven by whichever runner holds it, and one that crashed is finished by another
 * process, which must continue the same trace (task spans of both processes under one root).
 * `queuedTime` is part of the seed so two stores reusing job run ids never share a trace.
 */
export function jobRunTraceIds(run: { jobRunId: number; jobId: number; queuedTime: number }): { traceId: string; rootSpanId: string } {
  const seed = `modelyard:job-run:${run.jobId}:${run.jobRunId}:${run.queuedTime}`;
  return { traceId: digestHex(seed, 32), rootSpanId: digestHex(`${seed}:root`, 16) };
}

/**
 * An attempt's span id is derived too, so a task process started by one runner and an attempt
 * marked LOST by the runner that recovered the run name the same span.
 */
export function attemptSpanId(traceId: string, attemptId: number): string {
  return digestHex(`${traceId}:attempt:${attemptId}`, 16);
}

/**
 * Random ids, except inside `withIds`, where the span being started gets the given ones. The SDK
 * draws ids synchronously inside `startSpan` (span id first, then, for a root span, the trace
 * id), so a synchronous override cannot leak to another span.
 */
export class SeededIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private next: { traceId?: string; spanId?: string } | undefined;

  withIds<T>(ids: { traceId?: string; spanId: string }, start: () => T): T {
    this.next = { ...ids };
    try {
      return start();
    } finally {
      this.next = undefined;
    }
  }

  generateTraceId(): string {
    const id = this.next?.traceId;
    if (id && this.next) {
      delete this.next.traceId;
      return id;
    }
    return this.random.generateTraceId();
  }

  generateSpanId(): string {
    const id = this.next?.spanId;
    if (id && this.next) {
      delete this.next.spanId;
      return id;
    }
    return this.random.generateSpanId();
  }
}
