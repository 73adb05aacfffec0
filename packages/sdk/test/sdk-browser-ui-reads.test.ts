import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/helpers/server.js';
import type { TestServer } from '../../server/test/helpers/server.js';
import { BrowserClient } from '../src/browser.js';

// What the web UI reads through the browser client beyond plain MLflow calls: the head of a large
// artifact, latest metrics with their step and time, who registered a version, alias comments.
describe('@modelyard/sdk browser client: the reads the web UI relies on', () => {
  let server: TestServer;
  let client: BrowserClient;

  beforeAll(async () => {
    server = await startTestServer();
    client = new BrowserClient({ trackingUri: server.url, maxRetries: 1, user: 'ui-user' });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('reads only the head of a large artifact, and says whether it was cut', async () => {
    const experimentId = await client.tracking.createExperiment('ui-reads');
    const run = await client.tracking.createRun({ experimentId });
    const root = run.info.artifactUri;
    // Multi-byte characters: the cut lands inside one, which the decoder must survive.
    const big = 'é'.repeat(300_000);
    await client.artifacts.upload(root, 'big.txt', big);
    await client.artifacts.upload(root, 'small.txt', 'just this');

    const head = await client.artifacts.readTextHead(root, 'big.txt', 1001);
    expect(head.truncated).toBe(true);
    expect(head.size).toBe(600_000);
    expect(head.text.startsWith('é'.repeat(500))).toBe(true);
    expect(head.text.length).toBe(501); // 500 whole characters and one replacement for the cut byte

    expect(await client.artifacts.readTextHead(root, 'small.txt', 1000)).toEqual({ text: 'just this', truncated: false, size: 9 });
    // Exactly the limit: everything was read and nothing follows.
    expect(await client.artifacts.readTextHead(root, 'small.txt', 9)).toEqual({ text: 'just this', truncated: false, size: 9 });
    expect((await client.artifacts.readTextHead(root, 'small.txt', 4)).text).toBe('just');
  });

  it('gives each latest metric with its step and timestamp beside the plain values', async () => {
    const experimentId = await client.tracking.createExperiment('ui-metrics');
    const run = await client.tracking.createRun({ experimentId });
    const runId = run.info.runId;
    await client.tracking.logBatch(runId, {
      metrics: [
        { key: 'loss', value: 0.9, step: 0, timestamp: 1_000 },
        { key: 'loss', value: 0.4, step: 7, timestamp: 8_000 },
        { key: 'auc', value: Number.NaN, step: 3, timestamp: 5_000 },
      ],
    });
    const got = await client.tracking.getRun(runId);
    const byKey = Object.fromEntries(got.data.latestMetrics.map((m) => [m.key, m]));
    expect(byKey.loss).toMatchObject({ value: 0.4, step: 7, timestamp: 8_000 });
    expect(byKey.auc!.step).toBe(3);
    expect(Number.isNaN(byKey.auc!.value)).toBe(true);
    expect(got.data.metrics.loss).toBe(0.4);
    expect(Object.keys(got.data.metrics).sort()).toEqual(got.data.latestMetrics.map((m) => m.key).sort());
  });

  it('names who registered a version, and records alias comments in the audit trail', async () => {
    await client.registry.createRegisteredModel('ui-model');
    const v = await client.registry.createModelVersion({ name: 'ui-model', source: 'mlflow-artifacts:/x/model' });
    expect(v.userId).toBe('ui-user');
    expect((await client.registry.getModelVersion('ui-model', v.version)).userId).toBe('ui-user');

    await client.registry.setAlias('ui-model', 'champion', v.version, { comment: 'won the A/B test' });
    await client.registry.deleteAlias('ui-model', 'champion', { comment: 'rolled back' });
    const events = await client.registryGovernance.allEvents({ name: 'ui-model', kinds: ['alias_set', 'alias_deleted'] });
    expect(events.map((e) => [e.kind, e.alias, e.actor, e.comment])).toEqual([
      ['alias_set', 'champion', 'ui-user', 'won the A/B test'],
      ['alias_deleted', 'champion', 'ui-user', 'rolled back'],
    ]);
  });
});
