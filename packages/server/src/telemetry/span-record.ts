/**
 * A finished span as the server stores and serves it, whoever produced it: this process's tracer,
 * a task process posting OTLP JSON to `/v1/traces`. Times are epoch microseconds (int64: an HTTP
 * request often takes less than a millisecond, and nanoseconds since 1970 overflow 2^53).
 */
export type SpanKindName = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type SpanStatusName = 'UNSET' | 'OK' | 'ERROR';

export type SpanAttributeValue = string | number | boolean | Array<string | number | boolean | null>;
export type SpanAttributes = Record<string, SpanAttributeValue>;

export interface SpanEventRecord {
  name: string;
  timeUs: number;
  attributes: SpanAttributes;
}

export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  startTimeUs: number;
  endTimeUs: number;
  statusCode: SpanStatusName;
  statusMessage: string | null;
  /** The producing process's `service.name` resource attribute. */
  serviceName: string | null;
  attributes: SpanAttributes;
  events: SpanEventRecord[];
}

/** Where finished spans are written (the server's database: stores/telemetry/span-store). */
export interface SpanSink {
  /** Idempotent per (trace id, span id): a span written again replaces the earlier copy. */
  insertSpans(spans: SpanRecord[]): Promise<void>;
}

export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
export const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function isValidTraceId(id: string): boolean {
  return TRACE_ID_PATTERN.test(id) && id !== ZERO_TRACE;
}

export function isValidSpanId(id: string): boolean {
  return SPAN_ID_PATTERN.test(id) && id !== ZERO_SPAN;
}
