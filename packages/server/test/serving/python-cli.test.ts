import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@modelyard/learn';
import { Client, Tracker } from '@modelyard/sdk';
import { PIMA_CSV } from '../helpers/datasets.js';
import { runModelyard } from '../helpers/cli-process.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { DEBIAN_PYTHON, hasSklearn, logFolderAndRegister, trainSklearnModels } from './python-model-fixtures.js';
import type { TrainedModel } from './python-model-fixtures.js';
import { pimaFrame, postJson } from './serving-fixtures.js';


const modelyard = (args: string[], env: Record<string, string>, until?: RegExp) => runModelyard(args, { env, ...(until ? { until } : {}) });

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe.skipIf(!hasSklearn() && process.env.CI !== 'true')('modelyard serve and modelyard score with python_function models', () => {
  let tracking: TestServer;
  let dir: string;
  let env: Record<string, string>;
  let model: TrainedModel;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-cli-'));
    model = trainSklearnModels(join(dir, 'models'), [{ name: 'forest', kind: 'forest', trees: 20, rows: 768 }]).forest!;
    tracking = await startTestServer();
    const tracker = new Tracker({ trackingUri: tracking.url, env: {} });
    await tracker.setExperiment('python-cli');
    await logFolderAndRegister(tracker, model.dir, 'cli-py');
    await tracker.client.registry.setAlias('cli-py', 'champion', '1');
    env = { MLFLOW_TRACKING_URI: tracking.url, TMPDIR: dir, MODELYARD_PYTHON_ENV_DIR: join(dir, 'envs') };
  }, 120_000);
  afterAll(async () => {
    await Promise.all(children.map(stop));
    await tracking?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('modelyard serve models:/<name>@<alias> runs the sklearn model in a pool of Python workers', async () => {
    const served = await modelyard(['serve', 'models:/cli-py@champion', '--port', '0', '--log-level', 'warn', '--python', DEBIAN_PYTHON, '--workers', '2'], env, /on (http:\/\/\S+)/);
    expect(served.match, served.stderr()).toBeDefined();
    children.push(served.child);
    const url = served.match![1]!;
    const rows = pimaFrame().drop(['Outcome']).head(20).toRecords();
    const responses = await Promise.all(rows.map((r) => postJson(`${url}/invocations`, { dataframe_records: [r], params: { probabilities: true } })));
    expect(responses.map((r) => r.json.predictions[0])).toEqual(model.expected.predictions.slice(0, 20));
    expect(responses.map((r) => r.json.probabilities[0])).toEqual(model.expected.probabilities!.slice(0, 20));
    expect(responses[0]!.headers.get('x-modelyard-model-version')).toBe('1');
    await stop(served.child);
  }, 90_000);

  it('--flavor onnx refuses a model without an onnx flavor; a missing interpreter is named', async () => {
    const onnx = await modelyard(['serve', 'models:/cli-py/1', '--port', '0', '--flavor', 'onnx'], env);
    expect(onnx.code).toBe(1);
    expect(onnx.stderr()).toMatch(/has no onnx flavor \(flavors: python_function, sklearn\); run it in Python with --flavor python/);
    const noPython = await modelyard(['serve', 'models:/cli-py/1', '--port', '0', '--python', join(dir, 'no-python')], env);
    expect(noPython.code).toBe(1);
    expect(noPython.stderr()).toMatch(/no Python interpreter at '.*no-python': pass --python/);
  }, 90_000);

  it('modelyard score scores a CSV through the pool, rejects bad rows, and records the MLflow run', async () => {
    const lines = readFileSync(PIMA_CSV, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const glucose = header.indexOf('Glucose');
    // Row 5 has a cell that is not a number: it goes to the rejects file, the others are scored.
    const bad = lines[6]!.split(',');
    bad[glucose] = 'high';
    const input = join(dir, 'input.csv');
    writeFileSync(input, [lines[0], ...lines.slice(1, 6), bad.join(','), ...lines.slice(7)].join('\n') + '\n');
    const output = join(dir, 'scores.csv');
    const scored = await modelyard(['score', '-m', 'models:/cli-py@champion', '-i', input, '-o', output, '--python', DEBIAN_PYTHON, '--workers', '2', '--experiment', 'python-scoring'], env);
    expect(scored.code, scored.stderr()).toBe(0);
    expect(scored.stdout).toMatch(/Scored 767 of 768 rows with cli-py v1/);
    expect(scored.stdout).toMatch(/Rejected 1 rows/);
    const scores = parseCsv(readFileSync(output, 'utf8'));
    const want = model.expected.predictions.filter((_, i) => i !== 5);
    expect(Array.from(scores.numbers('prediction'))).toEqual(want);
    const rejects = parseCsv(readFileSync(join(dir, 'scores.rejects.csv'), 'utf8'));
    expect(rejects.rowCount).toBe(1);
    expect(rejects.strings('Glucose')).toEqual(['high']);
    const runId = /MLflow run (\w+)/.exec(scored.stdout)![1]!;
    const run = await new Client({ trackingUri: tracking.url, env: {} }).tracking.getRun(runId);
    expect(run.data.metrics.rows_scored).toBe(767);
    expect(run.data.params.model_name).toBe('cli-py');
  }, 120_000);
});
