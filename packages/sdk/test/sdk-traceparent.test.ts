import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/helpers/server.js';
import type { TestServer } from '../../server/test/helpers/server.js';
import { Client } from '../src/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A task process's tracking calls, made with the TRACEPARENT the pipeline runner gives it. */
describe('@modelyard/sdk passes TRACEPARENT on as traceparent', () => {
  let server: TestServer;
  const saved = process.env.TRACEPARENT;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TRACEPARENT;
    else process.env.TRACEPARENT = saved;
  });
  afterAll(async () => {
    await server?.close();
  });

  const storedTrace = async (traceId: string): Promise<Json[]> => {
    // Spans reach the store in batches (at most 250 ms after they end).
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${server.url}/api/v1/traces/${traceId}`);
      if (r.status === 200) return ((await r.json()) as Json).spans as Json[];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return [];
  };

  it('makes the request a span of the attempt trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const attemptSpanId = '00f067aa0ba902b7';
    process.env.TRACEPARENT = `00-${traceId}-${attemptSpanId}-01`;
    const client = new Client({ trackingUri: server.url, env: {} });
    const experimentId = await client.tracking.createExperiment('sdk-traceparent');
    const spans = await storedTrace(traceId);
    expect(spans).toEqual([
      expect.objectContaining({
        trace_id: traceId,
        parent_span_id: attemptSpanId,
        kind: 'SERVER',
        name: 'POST /api/2.0/mlflow/experiments/create',
        attributes: expect.objectContaining({ 'http.response.status_code': 200 }),
      }),
    ]);
    expect(experimentId).toMatch(/^\d+$/);
  });

  it('sends no traceparent without TRACEPARENT, so a plain request is not stored', async () => {
    delete process.env.TRACEPARENT;
    const client = new Client({ trackingUri: server.url, env: {} });
    await client.tracking.createExperiment('sdk-no-traceparent');
    // Give the store its flush window (250 ms) so a wrongly kept span would show.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const r = await fetch(`${server.url}/api/v1/traces?limit=1000`);
    const listed = (await r.json()) as Json;
    const names = (listed.traces ?? []).map((t: Json) => t.root_span?.name ?? t.name);
    expect(names).not.toContain('POST /api/2.0/mlflow/experiments/create');
    expect((listed.traces ?? []).every((t: Json) => t.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
  });
});
