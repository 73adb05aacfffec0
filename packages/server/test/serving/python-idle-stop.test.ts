import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker } from '@modelyard/sdk';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { affine, isAlive, writeAffineModel } from './python-custom-model-fixtures.js';
import { DEBIAN_PYTHON, hasSklearn, logFolderAndRegister } from './python-model-fixtures.js';
import { postJson } from './serving-fixtures.js';

const V1 = { scale: 3, offset: 1 };
const V2 = { scale: 5, offset: -2 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A cached Python model nobody holds has its workers stopped after the idle period and started
 * again on its next use; a model someone holds (an endpoint's current version) never does.
 */
describe.skipIf(!hasSklearn() && process.env.CI !== 'true')('stopping idle Python models\' workers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-idle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the runtime stops an unheld model\'s workers after idleStopMs, keeps a held one\'s, and restarts on the next load', async () => {
    const model = writeAffineModel(join(dir, 'runtime-model'), V1);
    const events: string[] = [];
    const runtime = new ModelRuntime({
      source: new LocalFolderModelSource(),
      python: { python: DEBIAN_PYTHON, workers: 1, envCacheDir: join(dir, 'envs'), idleStopMs: 600, onEvent: (e) => events.push(e.message) },
    });
    try {
      // Held past the idle period: its worker stays up.
      const held = await runtime.load(model);
      const [first] = held.python!.pids();
      await sleep(1500);
      expect(isAlive(first!)).toBe(true);
      expect((await held.predict([{ x: 2, group: 'a' }])).predictions).toEqual([affine(V1, 2, 'a')]);
      // Released: cached (a load now would reuse it) until the idle period ends, then stopped.
      await held.close();
      expect(runtime.size).toBe(1);
      await waitFor(() => !isAlive(first!), 'the idle worker to stop', 10_000);
      expect(runtime.size).toBe(0);
      expect(events).toContain(`${model} was not used for 0.6 s: its Python workers are stopped (they start again when it is next loaded)`);
      // The next use starts a new pool.
      const again = await runtime.load(model);
      expect(again.python!.pids()).toHaveLength(1);
      expect(again.python!.pids()).not.toContain(first);
      expect((await again.predict([{ x: 4, group: 'b' }])).predictions).toEqual([affine(V1, 4, 'b')]);
      // Loaded again before the idle period ends: the pending stop is cancelled.
      await again.close();
      await sleep(100);
      const reused = await runtime.load(model);
      expect(reused.python!.pids()).toEqual(again.python!.pids());
      await sleep(1200);
      expect(reused.python!.pids().every(isAlive)).toBe(true);
      await reused.close();
    } finally {
      await runtime.clear();
    }
  }, 60_000);

  describe('on a server', () => {
    let server: TestServer;
    let tracker: Tracker;
    const API = '/api/v1/serving-endpoints';
    /** The pids of a version's pool, without keeping it held. */
    const pidsOf = async (version: string) => {
      const m = await server.services.serving.runtime.load(`models:/affine-py/${version}`);
      const pids = m.python!.pids();
      await m.close();
      return pids;
    };

    beforeAll(async () => {
      server = await startTestServer({ config: { pythonExecutable: DEBIAN_PYTHON, pythonWorkers: 1, pythonIdleStopMs: 1000 } });
      tracker = new Tracker({ trackingUri: server.url, env: {} });
      await tracker.setExperiment('python-idle');
      await logFolderAndRegister(tracker, writeAffineModel(join(dir, 'v1'), V1), 'affine-py');
      await logFolderAndRegister(tracker, writeAffineModel(join(dir, 'v2'), V2), 'affine-py');
      await tracker.client.registry.setAlias('affine-py', 'champion', '1');
    }, 120_000);
    afterAll(async () => {
      await server?.close();
    });

    it('an endpoint keeps its current version warm however quiet; the version it swapped away from is stopped, and restarts when the alias comes back', async () => {
      const endpoints = server.services.serving.endpoints;
      await endpoints.create({ name: 'idle', servedModels: [{ name: 'main', modelUri: 'models:/affine-py@champion' }] });
      const url = `${server.url}${API}/idle/invocations`;
      const v1 = await pidsOf('1');
      expect(v1).toHaveLength(1);
      // Quiet for well past the idle period: the live endpoint's version keeps its worker.
      await sleep(2500);
      expect(v1.every(isAlive)).toBe(true);
      expect(await pidsOf('1')).toEqual(v1);

      const observed: Array<{ status: number; version: string | null; prediction: unknown }> = [];
      let running = true;
      const client = async () => {
        while (running) {
          const res = await postJson(url, { dataframe_records: [{ x: 7, group: 'b' }] });
          observed.push({ status: res.status, version: res.headers.get('x-modelyard-model-version'), prediction: res.json.predictions?.[0] });
          await sleep(5);
        }
      };
      const clients = [client(), client()];
      const servedVersion = async () => (await endpoints.get('idle')).servedModelStates[0]!.loadedModelVersion;

      await tracker.client.registry.setAlias('affine-py', 'champion', '2');
      await waitFor(async () => (await servedVersion()) === '2', 'the endpoint to serve version 2');
      // Version 1 is no longer held: stopped after the idle period. Version 2, served, is not.
      const v2 = await pidsOf('2');
      await waitFor(() => !v1.some(isAlive), 'version 1\'s worker to stop', 15_000);
      await sleep(1500);
      expect(v2.every(isAlive)).toBe(true);

      // Back to version 1: its workers start again before the swap.
      await tracker.client.registry.setAlias('affine-py', 'champion', '1');
      await waitFor(async () => (await servedVersion()) === '1', 'the endpoint to serve version 1 again');
      const v1again = await pidsOf('1');
      expect(v1again).toHaveLength(1);
      expect(v1again).not.toContain(v1[0]);
      const seen = observed.length;
      await waitFor(() => observed.length > seen + 5, 'requests on version 1');
      running = false;
      await Promise.all(clients);

      expect(observed.filter((o) => o.status !== 200)).toEqual([]);
      expect(new Set(observed.map((o) => o.version))).toEqual(new Set(['1', '2']));
      for (const o of observed) expect(o.prediction).toBe(affine(o.version === '1' ? V1 : V2, 7, 'b'));
    }, 90_000);
  });
});
