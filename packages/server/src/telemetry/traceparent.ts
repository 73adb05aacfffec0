import { isValidSpanId, isValidTraceId } from './span-record.js';

/** W3C Trace Context `traceparent`: `00-<trace id>-<parent span id>-<flags>`. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Undefined for anything the spec says to ignore (bad shape, version ff, all-zero ids). */
export function parseTraceParent(header: string | undefined): TraceParent | undefined {
  if (!header) return undefined;
  const m = PATTERN.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may append more.
  if (version === '00' && rest !== undefined) return undefined;
  if (!isValidTraceId(traceId!) || !isValidSpanId(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

export function formatTraceParent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${p.sampled ? '01' : '00'}`;
}
