import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '@modelyard/learn';
import { Tracker } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { logAndRegister, pimaFrame, trainClassifier } from './serving-fixtures.js';

interface Observed {
  start: number;
  end: number;
  status: number;
  version: string | null;
  probabilities?: number[][];
}

/**
 * The production promise of serving endpoints: an alias moves while clients keep sending
 * requests, and no request fails or gets an answer from a model that was not live.
 */
describe('hot swap under continuous load', () => {
  let server: TestServer;
  let tracker: Tracker;
  const pipelines = new Map<string, Pipeline>();
  const rows = pimaFrame().drop(['Outcome']).head(3);
  const records = rows.toRecords();

  beforeAll(async () => {
    server = await startTestServer();
    tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('hot-swap');
    for (const c of [0.0005, 0.05, 100]) {
      const p = trainClassifier(c);
      pipelines.set(await logAndRegister(tracker, p, 'pima-swap'), p);
    }
    await tracker.client.registry.setAlias('pima-swap', 'champion', '1');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('moves the alias 20 times with zero failed requests, every answer from a version that was live', async () => {
    const endpoints = server.services.serving.endpoints;
    await endpoints.create({ name: 'swap', servedModels: [{ name: 'champion', modelUri: 'models:/pima-swap@champion' }] });
    const history: Array<{ at: number; version: string }> = [{ at: performance.now(), version: '1' }];
    const observed: Observed[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        const start = performance.now();
        const res = await fetch(`${server.url}/api/v1/serving-endpoints/swap/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ dataframe_records: records, params: { probabilities: true } }),
        });
        const body = (await res.json()) as { probabilities?: number[][] };
        observed.push({ start, end: performance.now(), status: res.status, version: res.headers.get('x-modelyard-model-version'), ...(body.probabilities ? { probabilities: body.probabilities } : {}) });
      }
    };
    const clients = Array.from({ length: 4 }, () => client());

    const order = ['2', '3', '1'];
    for (let move = 0; move < 20; move++) {
      const version = order[move % order.length]!;
      await tracker.client.registry.setAlias('pima-swap', 'champion', version);
      history.push({ at: performance.now(), version });
      const deadline = Date.now() + 10_000;
      while ((await endpoints.get('swap')).servedModelStates[0]!.loadedModelVersion !== version) {
        if (Date.now() > deadline) throw new Error(`endpoint did not pick up version ${version} within 10 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      // Let some requests land on this version before the next move.
      const seen = observed.length;
      while (observed.length < seen + 5) await new Promise((r) => setTimeout(r, 5));
    }
    running = false;
    await Promise.all(clients);

    expect(observed.length).toBeGreaterThan(100);
    expect(observed.filter((o) => o.status !== 200)).toEqual([]);
    // Live during a request: the alias target when it started (or the one before, which the
    // endpoint serves until it has loaded the new one), or any target set while it ran.
    const allowed = (o: Observed): Set<string> => {
      const before = history.filter((h) => h.at <= o.start);
      const during = history.filter((h) => h.at > o.start && h.at <= o.end);
      return new Set([...before.slice(-2), ...during].map((h) => h.version));
    };
    for (const o of observed) {
      expect(o.version).not.toBeNull();
      expect(allowed(o).has(o.version!), `version ${o.version} at ${o.start.toFixed(1)}`).toBe(true);
      // The whole answer came from the version the header names.
      const want = pipelines.get(o.version!)!.predictProba(rows);
      o.probabilities!.forEach((r, i) => r.forEach((p, k) => expect(Math.abs(p - want[i]![k]!)).toBeLessThan(1e-5)));
    }
    expect(new Set(observed.map((o) => o.version))).toEqual(new Set(['1', '2', '3']));
  }, 90_000);

  it('repointing a served model to another URI (a deploy) fails no request, and a URI that cannot load keeps the old model', async () => {
    const endpoints = server.services.serving.endpoints;
    const deploy = (uri: string) => endpoints.upsert({ name: 'repoint', servedModels: [{ name: 'main', modelUri: uri }] });
    await deploy('models:/pima-swap/1');
    const statuses: number[] = [];
    const versions = new Set<string>();
    let running = true;
    const client = async () => {
      while (running) {
        const res = await fetch(`${server.url}/api/v1/serving-endpoints/repoint/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ dataframe_records: records }),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
        versions.add(res.headers.get('x-modelyard-model-version') ?? 'none');
      }
    };
    const clients = Array.from({ length: 3 }, () => client());
    for (let i = 0; i < 9; i++) {
      const version = String((i % 3) + 1);
      const deployed = await deploy(`models:/pima-swap/${version}`);
      expect(deployed.servedModelStates[0]).toMatchObject({ status: 'READY', loadedModelVersion: version });
      const seen = statuses.length;
      while (statuses.length < seen + 3) await new Promise((r) => setTimeout(r, 5));
    }
    const failed = await deploy('models:/pima-swap/99');
    expect(failed.ready).toBe(false);
    expect(failed.servedModelStates[0]).toMatchObject({ status: 'FAILED', loadedModelVersion: '3' });
    expect(failed.servedModelStates[0]!.message).toMatch(/still serving the previous model/);
    const seen = statuses.length;
    while (statuses.length < seen + 10) await new Promise((r) => setTimeout(r, 5));
    running = false;
    await Promise.all(clients);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(versions).toEqual(new Set(['1', '2', '3']));
  }, 90_000);
});
