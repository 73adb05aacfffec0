import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker, onnxFlavors, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { logAndRegister, pimaFrame, postJson, trainClassifier } from './serving-fixtures.js';

const ROOT = join(import.meta.dirname, '../../../..');
/** ONNX's own operator test model (Debian package libonnx-testdata): a Relu over a float [1, 2] input. */
const FOREIGN_ONNX = '/usr/share/libonnx-testdata/data/simple/test_single_relu_model/model.onnx';

/** Starts `modelyard serve` as a real process and waits for the URL it prints. */
async function serve(args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), 'serve', ...args, '--port', '0', '--log-level', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`modelyard serve printed no URL in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`modelyard serve exited with ${code}: ${err}`));
    });
  });
  return { url, child };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('modelyard serve <model-uri>', () => {
  let tracking: TestServer;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    tracking = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'modelyard-serve-cli-'));
  });
  afterAll(async () => {
    await Promise.all(children.map(stop));
    await tracking?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves models:/<name>@<alias> from MLFLOW_TRACKING_URI', async () => {
    const tracker = new Tracker({ trackingUri: tracking.url, env: {} });
    await tracker.setExperiment('serve-cli');
    const classifier = trainClassifier();
    await logAndRegister(tracker, classifier, 'cli-classifier');
    await tracker.client.registry.setAlias('cli-classifier', 'champion', '1');
    const rows = pimaFrame().drop(['Outcome']).head(3);
    const { url, child } = await serve(['models:/cli-classifier@champion'], { MLFLOW_TRACKING_URI: tracking.url, TMPDIR: dir });
    children.push(child);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    const res = await postJson(`${url}/invocations`, { dataframe_records: rows.toRecords() });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ predictions: Array.from(classifier.predict(rows)) });
    expect(res.headers.get('x-modelyard-model-version')).toBe('1');
    await stop(child);
  }, 90_000);

  it('fails with a clear message when the model cannot be resolved', async () => {
    await expect(serve(['models:/no-such-model@champion'], { MLFLOW_TRACKING_URI: tracking.url, TMPDIR: dir })).rejects.toThrow(/exited with 1: modelyard: .*no-such-model/i);
  }, 90_000);

  it.skipIf(!existsSync(FOREIGN_ONNX) && process.env.CI !== 'true')(
    'serves an ONNX model not built by Modelyard from a local folder (needs Debian libonnx-testdata; skipped when it is not installed)',
    async () => {
      const folder = join(dir, 'relu-model');
      mkdirSync(folder);
      copyFileSync(FOREIGN_ONNX, join(folder, 'model.onnx'));
      writeFileSync(
        join(folder, 'MLmodel'),
        writeMlmodel({
          artifactPath: 'model',
          flavors: onnxFlavors('1.12.0'),
          modelUuid: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
          utcTimeCreated: utcTimeCreated(),
          signature: { inputs: [{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }] },
        }),
      );
      const { url, child } = await serve([folder], { TMPDIR: dir });
      children.push(child);
      const res = await postJson(`${url}/invocations`, { dataframe_split: { columns: ['a', 'b'], data: [[-1.5, 2.25]] } });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ predictions: [[0, 2.25]] });
      // The graph's batch dimension is fixed at 1: onnxruntime's refusal is the client's 400.
      const two = await postJson(`${url}/invocations`, { inputs: [[1, 2], [3, 4]] });
      expect(two.status).toBe(400);
      expect(two.json.error_code).toBe('BAD_REQUEST');
      expect(two.json.message).toMatch(/dimensions/i);
      const csv = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'b,a\n-3,4\n' });
      expect(await csv.json()).toEqual({ predictions: [[4, 0]] });
      await stop(child);
    },
    90_000,
  );
});
