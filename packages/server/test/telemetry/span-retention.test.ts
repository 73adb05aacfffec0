import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { SpanStore } from '../../src/stores/telemetry/span-store.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SpanRetention, retentionCutoffMs } from '../../src/telemetry/span-retention.js';
import type { SpanRecord } from '../../src/telemetry/span-record.js';
import { describeEachDialect } from '../helpers/dialects.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

function span(traceId: string, spanId: string, startMs: number): SpanRecord {
  return {
    traceId,
    spanId,
    parentSpanId: null,
    name: `span ${spanId}`,
    kind: 'INTERNAL',
    startTimeUs: startMs * 1000,
    endTimeUs: startMs * 1000 + 5000,
    statusCode: 'OK',
    statusMessage: null,
    serviceName: 'modelyard',
    attributes: {},
    events: [],
  };
}

describeEachDialect('span retention', (ctx) => {
  it('deletes the spans that started before the window, keeps the rest, and does nothing at 0 days', async () => {
    const store = new SpanStore(ctx.db, ctx.caps);
    const old = 'a'.repeat(32);
    const recent = 'b'.repeat(32);
    await store.insertSpans([
      span(old, '1'.repeat(16), NOW_MS - 40 * DAY_MS),
      span(old, '2'.repeat(16), NOW_MS - 31 * DAY_MS),
      // One millisecond inside the window: kept.
      span(recent, '3'.repeat(16), NOW_MS - 30 * DAY_MS + 1),
      span(recent, '4'.repeat(16), NOW_MS - 1000),
    ]);
    let now = NOW_MS;
    const forever = new SpanRetention({ store, retentionDays: 0, logger: silentLogger(), now: () => now });
    expect(forever.enabled).toBe(false);
    expect(await forever.prune()).toBe(0);
    expect(await store.getTrace(old)).toHaveLength(2);

    const retention = new SpanRetention({ store, retentionDays: 30, logger: silentLogger(), now: () => now });
    expect(await retention.prune()).toBe(2);
    expect(await store.getTrace(old)).toEqual([]);
    expect((await store.getTrace(recent)).map((s) => s.spanId)).toEqual(['3'.repeat(16), '4'.repeat(16)]);

    // The clock moves on two days: the span that was just inside the window goes too.
    now = NOW_MS + 2 * DAY_MS;
    expect(await retention.prune()).toBe(1);
    expect((await store.getTrace(recent)).map((s) => s.spanId)).toEqual(['4'.repeat(16)]);
  });

  it('runs a pass on start and stops cleanly', async () => {
    const store = new SpanStore(ctx.db, ctx.caps);
    const trace = 'c'.repeat(32);
    await store.insertSpans([span(trace, '5'.repeat(16), NOW_MS - 2 * DAY_MS)]);
    const retention = new SpanRetention({ store, retentionDays: 1, logger: silentLogger(), now: () => NOW_MS, intervalMs: 60_000 });
    retention.start();
    await retention.stop();
    expect(await store.getTrace(trace)).toEqual([]);
  });
});

describe('trace retention setting', () => {
  it('defaults to 30 days, accepts 0 and fractions, refuses negatives and words', () => {
    expect(resolveConfig([]).traceRetentionDays).toBe(30);
    expect(resolveConfig([{ traceRetentionDays: '0' }]).traceRetentionDays).toBe(0);
    expect(resolveConfig([{ traceRetentionDays: '0.5' }]).traceRetentionDays).toBe(0.5);
    expect(() => resolveConfig([{ traceRetentionDays: '-1' }])).toThrow(/traceRetentionDays/);
    expect(() => resolveConfig([{ traceRetentionDays: 'forever' }])).toThrow(/traceRetentionDays/);
    expect(retentionCutoffMs(0, NOW_MS)).toBeUndefined();
    expect(retentionCutoffMs(1, NOW_MS)).toBe(NOW_MS - DAY_MS);
  });
});
