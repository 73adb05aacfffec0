import { apiGet } from './http.js';

/** `/api/v1/traces…`: stored spans; times are epoch microseconds. */
const PREFIX = '/api/v1/traces';

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [k: string]: AttributeValue };

export interface SpanEvent {
  name: string;
  time_us?: number;
  attributes?: Record<string, AttributeValue>;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  kind?: string | number;
  start_time_us: number;
  end_time_us: number;
  duration_us: number;
  status?: { code?: string; message?: string };
  service_name?: string;
  attributes?: Record<string, AttributeValue>;
  events?: SpanEvent[];
}

export interface TraceSummary {
  trace_id: string;
  name?: string;
  status?: string;
  start_time_us: number;
  end_time_us: number;
  duration_us: number;
  span_count: number;
  error_count?: number;
  job_run_id?: number;
  job_key?: string;
  run_id?: string;
  experiment_id?: string;
}

export interface TraceQuery {
  jobRunId?: string;
  runId?: string;
  job?: string;
  limit?: number;
}

export async function listTraces(q: TraceQuery, signal?: AbortSignal): Promise<TraceSummary[]> {
  const body = await apiGet<{ traces?: TraceSummary[] }>(
    PREFIX,
    { job_run_id: q.jobRunId || undefined, run_id: q.runId || undefined, job: q.job || undefined, limit: q.limit ?? 100 },
    signal,
  );
  return body.traces ?? [];
}

export async function getTrace(traceId: string, signal?: AbortSignal): Promise<Span[]> {
  return (await apiGet<{ spans?: Span[] }>(`${PREFIX}/${encodeURIComponent(traceId)}`, {}, signal)).spans ?? [];
}

/** Durations of each stage (task key) of a job over its recorded attempts. */
export interface StageDuration {
  task_key: string;
  count: number;
  failed_count: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

export async function stageDurations(job: string, signal?: AbortSignal): Promise<StageDuration[]> {
  return (await apiGet<{ stages?: StageDuration[] }>(`${PREFIX}/stage-durations`, { job }, signal)).stages ?? [];
}
