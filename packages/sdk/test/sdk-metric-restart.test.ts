import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker } from '../src/index.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** `modelyard server` in its own process, so the test can really kill it and start it again. */
interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
}

function startServerProcess(dataDir: string, port: number): Promise<ServerProcess> {
  // A developer's MODELYARD_* settings must not reach the server under test.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MODELYARD_')));
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(ROOT, 'packages/server/src/main.ts'),
      'server',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--backend-store-uri',
      `sqlite:///${join(dataDir, 'modelyard.db')}`,
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  return new Promise((resolveServer, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.off('exit', onExit);
        resolveServer({ url: m[1]!, port: Number(new URL(m[1]!).port), child });
      }
    };
    const onExit = (code: number | null) => reject(new Error(`modelyard server exited with ${code} before listening:\n${out}`));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', onExit);
  });
}

/** SIGKILL: a crash, not a graceful stop — a batch in flight may be committed with its answer lost. */
async function killServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGKILL');
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('buffered metrics across a server restart', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'modelyard-restart-'));
  });
  afterAll(async () => {
    if (server) await killServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('survive the server being killed and restarted mid-training, with no duplicate points', { timeout: 120_000 }, async () => {
    server = await startServerProcess(dataDir, 0);
    const { url, port } = server;
    // Enough retries to outlast a restart (tsx compiling the server takes seconds on a busy machine).
    const tracker = new Tracker({ trackingUri: url, env: {}, maxRetries: 12, backoffMs: 100 });
    await tracker.setExperiment('restart');
    const run = await tracker.startRun({ runName: 'training-loop' });

    const steps = 400;
    const loss = (s: number) => 1 / (1 + s);
    let downAt = 0;
    let upAt = 0;
    const restart = (async () => {
      // Let a few buffered batches through first, then crash the server mid-loop.
      await sleep(1500);
      await killServer(server!);
      downAt = Date.now();
      await expect(fetch(`${url}/health`)).rejects.toThrow();
      // Down for longer than the buffer's 1 s flush delay, so batches are sent to a dead server.
      await sleep(1600);
      server = await startServerProcess(dataDir, port);
      upAt = Date.now();
    })();

    for (let step = 0; step < steps; step++) {
      tracker.logMetric('loss', loss(step), { step });
      tracker.logMetric('accuracy', 1 - loss(step) / 2, { step });
      await sleep(step < steps - 1 && !upAt ? 20 : 2);
    }
    await restart;
    await tracker.endRun('FINISHED');

    expect(upAt).toBeGreaterThan(downAt);
    const after = new Tracker({ trackingUri: url, env: {} });
    const finished = await after.client.tracking.getRun(run.runId);
    expect(finished.info.status).toBe('FINISHED');
    for (const key of ['loss', 'accuracy']) {
      const history = await after.client.tracking.getMetricHistory(run.runId, key);
      const bySteps = history.map((m) => m.step).sort((a, b) => a - b);
      // Every step exactly once: nothing lost while the server was down, nothing doubled by a retry.
      expect(bySteps).toEqual(Array.from({ length: steps }, (_, s) => s));
      const unique = new Set(history.map((m) => `${m.step}/${m.timestamp}/${m.value}`));
      expect(unique.size).toBe(steps);
      const want = (s: number) => (key === 'loss' ? loss(s) : 1 - loss(s) / 2);
      for (const m of history) expect(m.value).toBe(want(m.step));
    }
    // Some points were logged while no server was listening, and still arrived.
    const history = await after.client.tracking.getMetricHistory(run.runId, 'loss');
    expect(history.filter((m) => m.timestamp > downAt && m.timestamp < upAt).length).toBeGreaterThan(10);
  });
});
