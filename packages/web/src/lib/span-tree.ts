import type { Span } from '@modelyard/sdk/client';

export interface SpanRow {
  span: Span;
  depth: number;
  /** Whether the span has children (for the tree's expand marker). */
  hasChildren: boolean;
}

/**
 * A trace's spans in waterfall order: depth first, children by start time. A span whose parent is
 * not stored (sampled out, or sent by a process that died) is shown as a root rather than lost.
 */
export function spanRows(spans: readonly Span[]): SpanRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a: Span, b: Span) => a.startTimeUs - b.startTimeUs || a.name.localeCompare(b.name);
  const out: SpanRow[] = [];
  const seen = new Set<string>();
  const walk = (s: Span, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    const kids = (children.get(s.spanId) ?? []).sort(byStart);
    out.push({ span: s, depth, hasChildren: kids.length > 0 });
    for (const k of kids) walk(k, depth + 1);
  };
  for (const r of roots.sort(byStart)) walk(r, 0);
  // Spans caught in a parent cycle never reach a root; list them rather than drop them.
  for (const s of spans) if (!seen.has(s.spanId)) walk(s, 0);
  return out;
}

/** Exceptions recorded on a span (OpenTelemetry's `exception` events). */
export function spanExceptions(span: Span): Array<{ type?: string; message?: string; stacktrace?: string }> {
  return span.events
    .filter((e) => e.name === 'exception')
    .map((e) => {
      const a = e.attributes;
      const str = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
      const out: { type?: string; message?: string; stacktrace?: string } = {};
      const type = str('exception.type');
      const message = str('exception.message');
      const stacktrace = str('exception.stacktrace');
      if (type) out.type = type;
      if (message) out.message = message;
      if (stacktrace) out.stacktrace = stacktrace;
      return out;
    });
}
