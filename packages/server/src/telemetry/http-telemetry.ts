import type { Tracer } from '@opentelemetry/api';
import type { SpanSink } from './span-record.js';
import type { TraceQueries } from './trace-queries.js';

/** What the HTTP app needs to trace requests and serve the traces API. */
export interface HttpTelemetry {
  tracer: Tracer;
  /**
   * Whether requests that start their own trace get a span. Without an exporter nobody would see
   * those spans (the store keeps only requests that join a trace), so they are not even made.
   */
  traceUntracedRequests: boolean;
  traces: TraceQueries;
  /** Where spans posted to `/v1/traces` are written. */
  sink?: SpanSink;
}
