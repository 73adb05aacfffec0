import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AttributeValue, Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanAttributes, SpanAttributeValue, SpanKindName, SpanRecord, SpanStatusName } from './span-record.js';

const KIND_NAMES: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

const STATUS_NAMES: Record<SpanStatusCode, SpanStatusName> = {
  [SpanStatusCode.UNSET]: 'UNSET',
  [SpanStatusCode.OK]: 'OK',
  [SpanStatusCode.ERROR]: 'ERROR',
};

export function hrTimeToMicros(t: HrTime): number {
  return t[0] * 1_000_000 + Math.floor(t[1] / 1000);
}

function attributeValue(v: AttributeValue | undefined): SpanAttributeValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : x));
  return v as string | number | boolean;
}

export function toSpanAttributes(attrs: Attributes): SpanAttributes {
  const out: SpanAttributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    const value = attributeValue(v);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/** An SDK span that has ended, as the store keeps it. */
export function readableSpanToRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const serviceName = span.resource.attributes['service.name'];
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'INTERNAL',
    startTimeUs: hrTimeToMicros(span.startTime),
    endTimeUs: hrTimeToMicros(span.endTime),
    statusCode: STATUS_NAMES[span.status.code] ?? 'UNSET',
    statusMessage: span.status.message || null,
    serviceName: typeof serviceName === 'string' ? serviceName : null,
    attributes: toSpanAttributes(span.attributes),
    events: span.events.map((e) => ({ name: e.name, timeUs: hrTimeToMicros(e.time), attributes: toSpanAttributes(e.attributes ?? {}) })),
  };
}
