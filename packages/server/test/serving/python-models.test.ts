import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@modelyard/learn';
import { Tracker } from '@modelyard/sdk';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { PIMA_CSV } from '../helpers/datasets.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { DEBIAN_PYTHON, hasSklearn, logFolderAndRegister, trainSklearnModels, writeSlowModel } from './python-model-fixtures.js';
import type { TrainedModel } from './python-model-fixtures.js';
import { pimaFrame, postJson } from './serving-fixtures.js';

const API = '/api/v1/serving-endpoints';
const sklearnHere = hasSklearn();

/**
 * The seeds' data scientists' models, as MLflow's sklearn flavor saves them, logged and registered
 * through the REST API of a real server, then served by its endpoints (hot swap, traffic split,
 * metrics, a worker killed mid-request) and run by its evaluate and batch_score tasks.
 */
describe.skipIf(!sklearnHere && process.env.CI !== 'true')('python_function models on a real server', () => {
  let server: TestServer;
  let tracker: Tracker;
  let dir: string;
  let models: Record<string, TrainedModel>;
  /** Registered version → the folder it was logged from. */
  const versions = new Map<string, TrainedModel>();
  const frame = pimaFrame().drop(['Outcome']);
  const records = frame.head(4).toRecords();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-models-'));
    models = trainSklearnModels(join(dir, 'models'), [
      { name: 'v1', kind: 'logistic', c: 0.0005, rows: 768 },
      { name: 'v2', kind: 'logistic', c: 0.05, rows: 768, serialization: 'pickle' },
      { name: 'v3', kind: 'forest', trees: 25, depth: 6, rows: 768 },
    ]);
    server = await startTestServer({ config: { pythonExecutable: DEBIAN_PYTHON, pythonWorkers: 2 } });
    tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('python-models');
    for (const name of ['v1', 'v2', 'v3']) versions.set(await logFolderAndRegister(tracker, models[name]!.dir, 'pima-py'), models[name]!);
    await tracker.client.registry.setAlias('pima-py', 'champion', '1');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a registered sklearn model from an endpoint with every input format of MLflow\'s scoring protocol', async () => {
    const created = await postJson(`${server.url}${API}`, { name: 'py', config: { served_models: [{ name: 'champion', model_uri: 'models:/pima-py@champion' }] } });
    expect(created.status).toBe(200);
    expect(created.json.config.served_models[0]).toMatchObject({ model_name: 'pima-py', model_version: '1', state: { deployment: 'READY' } });
    const url = `${server.url}${API}/py/invocations`;
    const want = versions.get('1')!.expected;
    const bodies = [
      { dataframe_records: records },
      { dataframe_split: { columns: Object.keys(records[0]!), data: records.map((r) => Object.values(r)) } },
      { instances: records },
      { inputs: Object.fromEntries(Object.keys(records[0]!).map((k) => [k, records.map((r) => r[k])])) },
    ];
    for (const body of bodies) {
      const res = await postJson(url, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json).toEqual({ predictions: want.predictions.slice(0, 4) });
      expect(res.headers.get('x-modelyard-model-version')).toBe('1');
    }
    const csv = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: [Object.keys(records[0]!).join(','), ...records.map((r) => Object.values(r).join(','))].join('\n') });
    expect(await csv.json()).toEqual({ predictions: want.predictions.slice(0, 4) });
    const withProba = await postJson(url, { dataframe_records: records, params: { probabilities: true } });
    expect(withProba.json).toEqual({ predictions: want.predictions.slice(0, 4), probabilities: want.probabilities!.slice(0, 4) });
    const bad = await postJson(url, { dataframe_records: [{ ...records[0], Glucose: 'high' }] });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error_code: 'BAD_REQUEST', message: "Failed to enforce schema of data: column 'Glucose' expects long values, row 0 has \"high\"" });
  });

  it('moves the alias between python versions under load with zero failed requests, each answer from the version it names', async () => {
    const endpoints = server.services.serving.endpoints;
    await endpoints.create({ name: 'py-swap', servedModels: [{ name: 'champion', modelUri: 'models:/pima-py@champion' }] });
    const observed: Array<{ status: number; version: string | null; body: { predictions?: number[]; probabilities?: number[][] } }> = [];
    let running = true;
    const client = async () => {
      while (running) {
        const res = await postJson(`${server.url}${API}/py-swap/invocations`, { dataframe_records: records, params: { probabilities: true } });
        observed.push({ status: res.status, version: res.headers.get('x-modelyard-model-version'), body: res.json });
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    for (const version of ['2', '3', '1', '3', '2']) {
      await tracker.client.registry.setAlias('pima-py', 'champion', version);
      const deadline = Date.now() + 30_000;
      while ((await endpoints.get('py-swap')).servedModelStates[0]!.loadedModelVersion !== version) {
        if (Date.now() > deadline) throw new Error(`endpoint did not pick up version ${version}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const seen = observed.length;
      while (observed.length < seen + 5) await new Promise((r) => setTimeout(r, 5));
    }
    running = false;
    await Promise.all(clients);
    expect(observed.filter((o) => o.status !== 200)).toEqual([]);
    expect(new Set(observed.map((o) => o.version))).toEqual(new Set(['1', '2', '3']));
    for (const o of observed) {
      const want = versions.get(o.version!)!.expected;
      expect(o.body).toEqual({ predictions: want.predictions.slice(0, 4), probabilities: want.probabilities!.slice(0, 4) });
    }
  }, 120_000);

  it('splits traffic between two python versions and counts each in /metrics', async () => {
    const created = await postJson(`${server.url}${API}`, {
      name: 'py-ab',
      config: {
        served_models: [
          { name: 'a', model_uri: 'models:/pima-py/1' },
          { name: 'b', model_uri: 'models:/pima-py/3' },
        ],
        traffic_config: { routes: [{ served_model_name: 'a', traffic_percentage: 50 }, { served_model_name: 'b', traffic_percentage: 50 }] },
      },
    });
    expect(created.status).toBe(200);
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const res = await postJson(`${server.url}${API}/py-ab/invocations`, { dataframe_records: records });
      const version = res.headers.get('x-modelyard-model-version')!;
      expect(res.json).toEqual({ predictions: versions.get(version)!.expected.predictions.slice(0, 4) });
      seen.set(version, (seen.get(version) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['1', '3']);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`modelyard_serving_requests_total{endpoint="py-ab",model_name="pima-py",model_version="1",status="200"} ${seen.get('1')}`);
    expect(metrics).toContain(`modelyard_serving_requests_total{endpoint="py-ab",model_name="pima-py",model_version="3",status="200"} ${seen.get('3')}`);
  });

  it('a worker killed mid-request answers 503 with a message; the endpoint keeps serving', async () => {
    const slow = writeSlowModel(join(dir, 'slow'));
    await logFolderAndRegister(tracker, slow, 'slow-py');
    const endpoints = server.services.serving.endpoints;
    await endpoints.create({ name: 'slow', servedModels: [{ name: 'main', modelUri: 'models:/slow-py/1' }] });
    const url = `${server.url}${API}/slow/invocations`;
    // Its predict writes the worker's pid beside its data folder, wherever the server keeps the registered copy.
    const pending = postJson(url, { dataframe_records: [{ delay: 20, x: 1 }] });
    const pidFile = await waitForFile(server.config.dataDir, 'busy.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringMatching(new RegExp(`Python worker \\(pid ${pid}\\) exited \\(signal SIGKILL\\)`)) });
    const after = await Promise.all([1, 2, 3].map((x) => postJson(url, { dataframe_records: [{ delay: 0, x }] })));
    expect(after.map((r) => [r.status, r.json.predictions])).toEqual([
      [200, [2]],
      [200, [4]],
      [200, [6]],
    ]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/modelyard_serving_errors_total\{endpoint="slow",[^}]*error_code="TEMPORARILY_UNAVAILABLE"\} 1/);
  }, 60_000);

  it('evaluate and batch_score tasks run python models: metrics and scores are scikit-learn\'s', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'modelyard-python-job-'));
    const lines = readFileSync(PIMA_CSV, 'utf8').trim().split('\n');
    writeFileSync(join(projectDir, 'holdout.csv'), [lines[0], ...lines.slice(-200)].join('\n') + '\n');
    writeFileSync(join(projectDir, 'input.csv'), readFileSync(PIMA_CSV, 'utf8'));
    await tracker.client.registry.setAlias('pima-py', 'challenger', '3');
    const loaded = loadProject(`
project: { name: python-job }
experiments: { main: { name: python-job } }
jobs:
  score:
    experiment: main
    tasks:
      - task_key: evaluate
        evaluate_task:
          challenger_model_uri: "models:/pima-py@challenger"
          champion_model_uri: "models:/pima-py/1"
          data_path: holdout.csv
          target_column: Outcome
          model_type: classifier
      - task_key: score
        depends_on: [{ task_key: evaluate }]
        batch_score_task: { model_uri: "models:/pima-py@challenger", input_path: input.csv, output_path: scores.csv }
`);
    if (!loaded.spec) throw new Error(JSON.stringify(loaded.problems));
    const jobs = server.services.pipelines.jobs;
    const [{ jobId }] = await jobs.deploy(loaded.spec, projectDir);
    const started = await jobs.runNow(jobId!, { actor: 'tester' });
    const deadline = Date.now() + 90_000;
    let result = await jobs.getRun(started.jobRunId);
    while (!isTerminalJobRunState(result.run.state)) {
      if (Date.now() > deadline) throw new Error('job did not finish');
      await new Promise((r) => setTimeout(r, 50));
      result = await jobs.getRun(started.jobRunId);
    }
    const tasks = Object.fromEntries(result.tasks.map((t) => [t.taskKey, t]));
    expect(result.run.state, JSON.stringify(result.tasks.map((t) => [t.taskKey, t.state, t.stateMessage]))).toBe('SUCCESS');
    const evaluation = tasks.evaluate!.result as { challenger: { version: number; metrics: Record<string, number> }; champion: { version: number; metrics: Record<string, number> } };
    const holdout = parseCsv(readFileSync(join(projectDir, 'holdout.csv'), 'utf8')).numbers('Outcome');
    const accuracyOf = (m: TrainedModel) => m.expected.predictions.slice(-200).filter((p, i) => p === holdout[i]).length / 200;
    expect(evaluation.challenger.version).toBe(3);
    expect(evaluation.challenger.metrics.accuracy).toBeCloseTo(accuracyOf(versions.get('3')!), 12);
    expect(evaluation.champion.metrics.accuracy).toBeCloseTo(accuracyOf(versions.get('1')!), 12);
    expect(evaluation.challenger.metrics.roc_auc).toBeGreaterThan(0.8);

    const scores = parseCsv(readFileSync(join(projectDir, 'scores.csv'), 'utf8'));
    const want = versions.get('3')!.expected;
    expect(scores.rowCount).toBe(768);
    expect(Array.from(scores.numbers('prediction'))).toEqual(want.predictions);
    // Probabilities are written as float32 (as the ONNX path writes them).
    const p1 = scores.numbers('probability_1');
    want.probabilities!.forEach((p, i) => expect(Math.abs(p1[i]! - p[1]!)).toBeLessThan(1e-6));
    expect(new Set(Array.from(scores.column('model_version').values as ArrayLike<unknown>))).toEqual(new Set([3]));
    rmSync(projectDir, { recursive: true, force: true });
  }, 120_000);
});

async function waitForFile(root: string, name: string, timeoutMs = 30_000): Promise<string> {
  const { readdirSync, statSync } = await import('node:fs');
  const find = (d: string): string | undefined => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === name && readFileSync(p, 'utf8') !== '') return p;
      if (statSync(p).isDirectory()) {
        const f = find(p);
        if (f) return f;
      }
    }
    return undefined;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = existsSync(root) ? find(root) : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${name} under ${root}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
