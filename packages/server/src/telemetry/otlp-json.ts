import { InvalidParameterError } from '../errors.js';
import type { SpanAttributes, SpanAttributeValue, SpanEventRecord, SpanKindName, SpanRecord, SpanStatusName } from './span-record.js';
import { isValidSpanId, isValidTraceId } from './span-record.js';

/**
 * Reads an OTLP/HTTP JSON `ExportTraceServiceRequest` (what OpenTelemetry SDKs post to
 * `/v1/traces` with protocol `http/json`) into span records. Ids are hex per the OTLP JSON
 * mapping (base64, protobuf's default JSON form, is accepted too); times are uint64 nanoseconds
 * given as strings or numbers.
 */

/** More than this in one request is refused: a child process batches far fewer. */
export const MAX_SPANS_PER_REQUEST = 10_000;

// OTLP's enum is offset by one from the API's: 0 is SPAN_KIND_UNSPECIFIED.
const OTLP_KINDS: Record<number, SpanKindName> = { 0: 'INTERNAL', 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };
const OTLP_STATUS: Record<number, SpanStatusName> = { 0: 'UNSET', 1: 'OK', 2: 'ERROR' };
const KIND_NAMES: Record<string, SpanKindName> = {
  SPAN_KIND_UNSPECIFIED: 'INTERNAL',
  SPAN_KIND_INTERNAL: 'INTERNAL',
  SPAN_KIND_SERVER: 'SERVER',
  SPAN_KIND_CLIENT: 'CLIENT',
  SPAN_KIND_PRODUCER: 'PRODUCER',
  SPAN_KIND_CONSUMER: 'CONSUMER',
};
const STATUS_NAMES: Record<string, SpanStatusName> = { STATUS_CODE_UNSET: 'UNSET', STATUS_CODE_OK: 'OK', STATUS_CODE_ERROR: 'ERROR' };

type Json = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new InvalidParameterError(`OTLP trace request: ${path} ${what}`);
}

function asObject(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Json;
}

function asArray(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, 'must be a list');
  return v;
}

function hexId(v: unknown, bytes: number, path: string): string {
  if (typeof v !== 'string') fail(path, `must be a string of ${bytes * 2} hex characters`);
  const lower = v.toLowerCase();
  if (lower.length === bytes * 2 && /^[0-9a-f]+$/.test(lower)) return lower;
  const decoded = /^[A-Za-z0-9+/]+=*$/.test(v) ? Buffer.from(v, 'base64') : undefined;
  if (decoded && decoded.length === bytes) return decoded.toString('hex');
  return fail(path, `must be ${bytes * 2} hex characters, got '${v.slice(0, 40)}'`);
}

function nanosToMicros(v: unknown, path: string): number {
  let ns: bigint;
  if (typeof v === 'string' && /^\d+$/.test(v)) ns = BigInt(v);
  else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ns = BigInt(Math.round(v));
  else if (typeof v === 'object' && v !== null && typeof (v as Json).low === 'number' && typeof (v as Json).high === 'number') {
    ns = (BigInt((v as Json).high as number >>> 0) << 32n) + BigInt((v as Json).low as number >>> 0);
  } else return fail(path, 'must be a time in nanoseconds since the epoch (a string or number)');
  return Number(ns / 1000n);
}

function anyValue(v: unknown, path: string): SpanAttributeValue | undefined {
  const o = asObject(v, path);
  if ('stringValue' in o) return String(o.stringValue);
  if ('boolValue' in o) return Boolean(o.boolValue);
  if ('intValue' in o) {
    const n = Number(o.intValue);
    if (!Number.isFinite(n)) fail(`${path}.intValue`, 'must be an integer');
    return n;
  }
  if ('doubleValue' in o) return Number(o.doubleValue);
  if ('arrayValue' in o) {
    const values = asArray(asObject(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return values.map((x, i) => {
      const item = anyValue(x, `${path}.arrayValue.values[${i}]`);
      return item === undefined || Array.isArray(item) ? (item === undefined ? null : JSON.stringify(item)) : item;
    });
  }
  if ('kvlistValue' in o) return JSON.stringify(o.kvlistValue);
  if ('bytesValue' in o) return String(o.bytesValue);
  return undefined;
}

function attributes(v: unknown, path: string): SpanAttributes {
  const out: SpanAttributes = {};
  asArray(v, path).forEach((kv, i) => {
    const o = asObject(kv, `${path}[${i}]`);
    if (typeof o.key !== 'string') fail(`${path}[${i}].key`, 'must be a string');
    const value = o.value === undefined || o.value === null ? undefined : anyValue(o.value, `${path}[${i}].value`);
    if (value !== undefined) out[o.key] = value;
  });
  return out;
}

function enumOf<T>(v: unknown, byNumber: Record<number, T>, byName: Record<string, T>, fallback: T): T {
  if (typeof v === 'number') return byNumber[v] ?? fallback;
  if (typeof v === 'string') return byName[v] ?? fallback;
  return fallback;
}

export function parseOtlpTraceRequest(body: unknown): SpanRecord[] {
  const root = asObject(body, 'the body');
  const out: SpanRecord[] = [];
  asArray(root.resourceSpans, 'resourceSpans').forEach((rsv, r) => {
    const rs = asObject(rsv, `resourceSpans[${r}]`);
    const resource = rs.resource === undefined ? {} : attributes(asObject(rs.resource, `resourceSpans[${r}].resource`).attributes, `resourceSpans[${r}].resource.attributes`);
    const serviceName = typeof resource['service.name'] === 'string' ? resource['service.name'] : null;
    asArray(rs.scopeSpans, `resourceSpans[${r}].scopeSpans`).forEach((ssv, s) => {
      const ss = asObject(ssv, `resourceSpans[${r}].scopeSpans[${s}]`);
      asArray(ss.spans, `resourceSpans[${r}].scopeSpans[${s}].spans`).forEach((spv, i) => {
        const at = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        if (out.length >= MAX_SPANS_PER_REQUEST) fail('the body', `holds more than ${MAX_SPANS_PER_REQUEST} spans; send smaller batches`);
        const sp = asObject(spv, at);
        const traceId = hexId(sp.traceId, 16, `${at}.traceId`);
        const spanId = hexId(sp.spanId, 8, `${at}.spanId`);
        if (!isValidTraceId(traceId)) fail(`${at}.traceId`, 'must not be all zeros');
        if (!isValidSpanId(spanId)) fail(`${at}.spanId`, 'must not be all zeros');
        const parent = sp.parentSpanId === undefined || sp.parentSpanId === null || sp.parentSpanId === '' ? null : hexId(sp.parentSpanId, 8, `${at}.parentSpanId`);
        if (typeof sp.name !== 'string' || sp.name === '') fail(`${at}.name`, 'must be a non-empty string');
        const startTimeUs = nanosToMicros(sp.startTimeUnixNano, `${at}.startTimeUnixNano`);
        const endTimeUs = nanosToMicros(sp.endTimeUnixNano, `${at}.endTimeUnixNano`);
        if (endTimeUs < startTimeUs) fail(`${at}.endTimeUnixNano`, 'must not be before startTimeUnixNano');
        const status = sp.status === undefined || sp.status === null ? {} : asObject(sp.status, `${at}.status`);
        const events: SpanEventRecord[] = asArray(sp.events, `${at}.events`).map((ev, e) => {
          const o = asObject(ev, `${at}.events[${e}]`);
          return {
            name: typeof o.name === 'string' ? o.name : '',
            timeUs: nanosToMicros(o.timeUnixNano, `${at}.events[${e}].timeUnixNano`),
            attributes: attributes(o.attributes, `${at}.events[${e}].attributes`),
          };
        });
        out.push({
          traceId,
          spanId,
          parentSpanId: parent && isValidSpanId(parent) ? parent : null,
          name: sp.name.slice(0, 1000),
          kind: enumOf(sp.kind, OTLP_KINDS, KIND_NAMES, 'INTERNAL'),
          startTimeUs,
          endTimeUs,
          statusCode: enumOf(status.code, OTLP_STATUS, STATUS_NAMES, 'UNSET'),
          statusMessage: typeof status.message === 'string' && status.message !== '' ? status.message : null,
          serviceName,
          attributes: attributes(sp.attributes, `${at}.attributes`),
          events,
        });
      });
    });
  });
  return out;
}
