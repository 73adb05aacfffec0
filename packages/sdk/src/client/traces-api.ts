import type { Transport } from '../transport.js';

/** An OpenTelemetry attribute value as stored (arrays and maps nest). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export interface SpanEvent {
  name: string;
  timeUs?: number;
  attributes: Record<string, AttributeValue>;
}

/** One stored span; times are epoch microseconds. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: string | number;
  startTimeUs: number;
  endTimeUs: number;
  durationUs: number;
  /** `OK`, `ERROR` or `UNSET`. */
  statusCode?: string;
  statusMessage?: string;
  serviceName?: string;
  attributes: Record<string, AttributeValue>;
  events: SpanEvent[];
}

/** A trace at a glance: its root span and what it belongs to (a job run, an MLflow run). */
export interface TraceSummary {
  traceId: string;
  /** The root span's name and status. */
  name?: string;
  status?: string;
  startTimeUs: number;
  endTimeUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  jobRunId?: number;
  jobKey?: string;
  runId?: string;
  experimentId?: string;
  rootSpan?: Span;
}

/** How long one stage (task key) of a job took over its recorded attempts. */
export interface StageDuration {
  taskKey: string;
  count: number;
  failedCount: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** At most one selector; none lists the latest traces. */
export interface TraceQuery {
  traceId?: string;
  jobRunId?: number;
  /** An MLflow run id. */
  runId?: string;
  /** A job key. */
  job?: string;
  /** 1–1000. */
  limit?: number;
}

type Json = Record<string, any>;

const API = '/api/v1/traces';

function toSpan(j: Json): Span {
  return {
    traceId: j.trace_id,
    spanId: j.span_id,
    ...(j.parent_span_id !== undefined ? { parentSpanId: j.parent_span_id } : {}),
    name: j.name,
    ...(j.kind !== undefined ? { kind: j.kind } : {}),
    startTimeUs: Number(j.start_time_us),
    endTimeUs: Number(j.end_time_us),
    durationUs: Number(j.duration_us ?? Number(j.end_time_us) - Number(j.start_time_us)),
    ...(j.status?.code !== undefined ? { statusCode: j.status.code } : {}),
    ...(j.status?.message !== undefined ? { statusMessage: j.status.message } : {}),
    ...(j.service_name !== undefined ? { serviceName: j.service_name } : {}),
    attributes: j.attributes ?? {},
    events: (j.events ?? []).map((e: Json): SpanEvent => ({ name: e.name, ...(e.time_us !== undefined ? { timeUs: Number(e.time_us) } : {}), attributes: e.attributes ?? {} })),
  };
}

function toSummary(j: Json): TraceSummary {
  return {
    traceId: j.trace_id,
    ...(j.name !== undefined ? { name: j.name } : {}),
    ...(j.status !== undefined ? { status: j.status } : {}),
    startTimeUs: Number(j.start_time_us),
    endTimeUs: Number(j.end_time_us),
    durationUs: Number(j.duration_us),
    spanCount: Number(j.span_count ?? 0),
    errorCount: Number(j.error_count ?? 0),
    ...(j.job_run_id !== undefined ? { jobRunId: Number(j.job_run_id) } : {}),
    ...(j.job_key !== undefined ? { jobKey: j.job_key } : {}),
    ...(j.run_id !== undefined ? { runId: j.run_id } : {}),
    ...(j.experiment_id !== undefined ? { experimentId: String(j.experiment_id) } : {}),
    ...(j.root_span ? { rootSpan: toSpan(j.root_span) } : {}),
  };
}

/**
 * Modelyard's stored traces (`/api/v1/traces`): job runs, task attempts, HTTP requests and task
 * processes' own spans, and per-stage durations of a job. A plain MLflow server answers these
 * with ENDPOINT_NOT_FOUND.
 */
export class TracesApi {
  constructor(private readonly t: Transport) {}

  /** Latest first. */
  async listTraces(q: TraceQuery = {}): Promise<TraceSummary[]> {
    const r = await this.t.get<{ traces?: Json[] }>(API, {
      ...(q.traceId ? { trace_id: q.traceId } : {}),
      ...(q.jobRunId !== undefined ? { job_run_id: q.jobRunId } : {}),
      ...(q.runId ? { run_id: q.runId } : {}),
      ...(q.job ? { job: q.job } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    });
    return (r.traces ?? []).map(toSummary);
  }

  /** Every span of a trace; a trace with no stored span is RESOURCE_DOES_NOT_EXIST. */
  async getTrace(traceId: string): Promise<Span[]> {
    return ((await this.t.get<{ spans?: Json[] }>(`${API}/${encodeURIComponent(traceId)}`)).spans ?? []).map(toSpan);
  }

  /** Durations of each task of job `job` (its key), over attempts since `sinceMs` (default all). */
  async stageDurations(job: string, opts: { sinceMs?: number } = {}): Promise<StageDuration[]> {
    const r = await this.t.get<{ stages?: Json[] }>(`${API}/stage-durations`, { job, ...(opts.sinceMs !== undefined ? { since_ms: opts.sinceMs } : {}) });
    return (r.stages ?? []).map((s) => ({
      taskKey: s.task_key,
      count: Number(s.count),
      failedCount: Number(s.failed_count),
      meanMs: Number(s.mean_ms),
      p50Ms: Number(s.p50_ms),
      p95Ms: Number(s.p95_ms),
      maxMs: Number(s.max_ms),
    }));
  }
}
