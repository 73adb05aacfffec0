import type { SpanRecord } from './span-record.js';

/** Which traces to list; at most one selector is used (trace id, then job run, then MLflow run). */
export interface TraceFilter {
  traceId?: string;
  jobRunId?: number;
  /** An MLflow run id (`mlflow.run_id` on any span of the trace). */
  runId?: string;
  /** A job key (`modelyard.job_key` on any span of the trace). */
  jobKey?: string;
  /** Newest first; default 50. */
  limit?: number;
}

/** One trace in a list: its root span (when it has been written) and totals over all its spans. */
export interface TraceSummary {
  traceId: string;
  /** The span without a parent. A job run's root is written when the run ends. */
  root: SpanRecord | undefined;
  startTimeUs: number;
  endTimeUs: number;
  spanCount: number;
  errorCount: number;
  jobRunId: number | null;
  jobKey: string | null;
  runId: string | null;
  experimentId: string | null;
}

/** Durations of one stage (task key) of a job over its task attempts, like the seeds' Kusto query over `dependencies`. */
export interface StageDuration {
  taskKey: string;
  count: number;
  failedCount: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface StageDurationFilter {
  jobKey: string;
  /** Only attempts that started at or after this time (epoch ms). */
  sinceMs?: number;
}

/** What the traces API and CLI read; the span store implements it. */
export interface TraceQueries {
  listTraces(filter: TraceFilter): Promise<TraceSummary[]>;
  /** Every span of the trace, by start time; empty when unknown. */
  getTrace(traceId: string): Promise<SpanRecord[]>;
  stageDurations(filter: StageDurationFilter): Promise<StageDuration[]>;
}

/** Nearest-rank percentile of ascending values (0 < p <= 100). */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}
