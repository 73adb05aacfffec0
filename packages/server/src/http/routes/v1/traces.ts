import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { int64 } from '@modelyard/contract';
import { InvalidParameterError, NotFoundError } from '../../../errors.js';
import { parseOtlpTraceRequest } from '../../../telemetry/otlp-json.js';
import type { SpanRecord, SpanSink } from '../../../telemetry/span-record.js';
import { TRACE_ID_PATTERN } from '../../../telemetry/span-record.js';
import type { StageDuration, TraceQueries, TraceSummary } from '../../../telemetry/trace-queries.js';
import { validate } from '../../mlflow-route.js';
import { compact } from '../../../domain/compact-json.js';

// Spans' JSON also leaves out empty objects (a status or attribute map with nothing set).
const compactSpanJson = <T extends Record<string, unknown>>(o: T) => compact(o, { dropEmptyObjects: true });

/**
 * `/api/v1/traces…`: stored traces (job runs, task attempts, HTTP requests, task processes'
 * own spans) for the UI's waterfall and `modelyard traces`; and `POST /v1/traces`, an OTLP/HTTP
 * JSON receiver, so a task process can send its spans to the server that runs it. snake_case
 * JSON; unset fields and empty lists are omitted; times are epoch microseconds.
 */
const PREFIX = '/api/v1/traces';

const traceId = () => z.string().regex(TRACE_ID_PATTERN, 'must be 32 lowercase hex characters');
const ListTraces = z
  .object({ trace_id: traceId().optional(), job_run_id: int64().optional(), run_id: z.string().min(1).optional(), job: z.string().min(1).optional(), limit: int64().optional() })
  .strict();
const GetTrace = z.object({ trace_id: traceId() }).strict();
const StageDurations = z.object({ job: z.string().min(1), since_ms: int64().optional() }).strict();

export interface TraceRouteDeps {
  traces: TraceQueries;
  /** Where spans posted to `/v1/traces` go; without it that route is not served. */
  sink?: SpanSink;
}

export function spanToJson(s: SpanRecord): Record<string, unknown> {
  return compactSpanJson({
    trace_id: s.traceId,
    span_id: s.spanId,
    parent_span_id: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    start_time_us: s.startTimeUs,
    end_time_us: s.endTimeUs,
    duration_us: s.endTimeUs - s.startTimeUs,
    status: compactSpanJson({ code: s.statusCode, message: s.statusMessage }),
    service_name: s.serviceName,
    attributes: s.attributes,
    events: s.events.map((e) => compactSpanJson({ name: e.name, time_us: e.timeUs, attributes: e.attributes })),
  });
}

export function traceSummaryToJson(t: TraceSummary): Record<string, unknown> {
  return compactSpanJson({
    trace_id: t.traceId,
    name: t.root?.name,
    status: t.root?.statusCode,
    start_time_us: t.startTimeUs,
    end_time_us: t.endTimeUs,
    duration_us: t.endTimeUs - t.startTimeUs,
    span_count: t.spanCount,
    error_count: t.errorCount,
    job_run_id: t.jobRunId,
    job_key: t.jobKey,
    run_id: t.runId,
    experiment_id: t.experimentId,
    root_span: t.root ? spanToJson(t.root) : undefined,
  });
}

export function stageDurationToJson(s: StageDuration): Record<string, unknown> {
  return { task_key: s.taskKey, count: s.count, failed_count: s.failedCount, mean_ms: s.meanMs, p50_ms: s.p50Ms, p95_ms: s.p95Ms, max_ms: s.maxMs };
}

export function registerTraceRoutes(app: FastifyInstance, deps: TraceRouteDeps): void {
  app.get(PREFIX, async (req) => {
    const m = validate(ListTraces, req.query ?? {});
    const selectors = [m.trace_id, m.job_run_id, m.run_id, m.job].filter((v) => v !== undefined);
    if (selectors.length > 1) throw new InvalidParameterError('give at most one of trace_id, job_run_id, run_id and job');
    if (m.limit !== undefined && (m.limit < 1 || m.limit > 1000)) throw new InvalidParameterError(`limit must be between 1 and 1000, got ${m.limit}`);
    const traces = await deps.traces.listTraces({
      ...(m.trace_id !== undefined ? { traceId: m.trace_id } : {}),
      ...(m.job_run_id !== undefined ? { jobRunId: m.job_run_id } : {}),
      ...(m.run_id !== undefined ? { runId: m.run_id } : {}),
      ...(m.job !== undefined ? { jobKey: m.job } : {}),
      ...(m.limit !== undefined ? { limit: m.limit } : {}),
    });
    return compactSpanJson({ traces: traces.map(traceSummaryToJson) });
  });

  app.get(`${PREFIX}/stage-durations`, async (req) => {
    const m = validate(StageDurations, req.query ?? {});
    const stages = await deps.traces.stageDurations({ jobKey: m.job, ...(m.since_ms !== undefined ? { sinceMs: m.since_ms } : {}) });
    return compactSpanJson({ job: m.job, stages: stages.map(stageDurationToJson) });
  });

  app.get<{ Params: { trace_id: string } }>(`${PREFIX}/:trace_id`, async (req) => {
    const m = validate(GetTrace, { trace_id: req.params.trace_id.toLowerCase() });
    const spans = await deps.traces.getTrace(m.trace_id);
    if (spans.length === 0) throw new NotFoundError(`trace ${m.trace_id} does not exist (no span of it is stored)`);
    return { trace_id: m.trace_id, spans: spans.map(spanToJson) };
  });

  const sink = deps.sink;
  if (!sink) return;
  void app.register(async (otlp) => {
    // OTLP/HTTP's default encoding is protobuf; this receiver reads the JSON encoding only and
    // says so with the status the OTLP spec gives for an unsupported encoding.
    otlp.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    otlp.post('/v1/traces', async (req, reply) => {
      if (!String(req.headers['content-type'] ?? '').includes('json')) {
        return reply.status(415).send({
          error_code: 'INVALID_PARAMETER_VALUE',
          message: 'POST /v1/traces accepts OTLP JSON only (Content-Type: application/json); set OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json',
        });
      }
      const spans = parseOtlpTraceRequest(req.body);
      if (spans.length > 0) await sink.insertSpans(spans);
      // ExportTraceServiceResponse with no partial_success: everything was accepted.
      return {};
    });
  });
}
