import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '@modelyard/learn';
import { Tracker } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import type { ModelRuntime } from '../../src/runtime/model-runtime.js';
import { startScoringServer } from '../../src/serving/scoring-server.js';
import type { ScoringServer } from '../../src/serving/scoring-server.js';
import { clientRuntime, diabetesFrame, logAndRegister, pimaFrame, postJson, trainClassifier, trainRegressor } from './serving-fixtures.js';

/** `modelyard serve` end to end: a tracking server holds the models, the scoring server fetches them over HTTP. */
describe('standalone scoring server (MLflow scoring protocol)', () => {
  let tracking: TestServer;
  let dir: string;
  let runtime: ModelRuntime;
  let classifier: Pipeline;
  let regressor: Pipeline;
  let cls: ScoringServer;
  let reg: ScoringServer;
  const pimaRows = pimaFrame().drop(['Outcome']).head(5);
  const records = pimaRows.toRecords();
  const columns = pimaRows.columnNames;
  const split = { columns, data: records.map((r) => columns.map((c) => r[c])) };

  beforeAll(async () => {
    tracking = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'modelyard-serving-'));
    const tracker = new Tracker({ trackingUri: tracking.url, env: {} });
    await tracker.setExperiment('serving');
    classifier = trainClassifier();
    regressor = trainRegressor();
    await logAndRegister(tracker, classifier, 'diabetes-classifier');
    await logAndRegister(tracker, regressor, 'diabetes-regressor');
    await tracker.client.registry.setAlias('diabetes-classifier', 'champion', '1');
    runtime = clientRuntime(tracking.url, join(dir, 'cache'));
    cls = await startScoringServer({ runtime, modelUri: 'models:/diabetes-classifier@champion', port: 0, inferenceLogPath: join(dir, 'inference.jsonl'), bodyLimit: 64 * 1024 });
    reg = await startScoringServer({ runtime, modelUri: 'models:/diabetes-regressor/1', port: 0 });
  });
  afterAll(async () => {
    await cls?.close();
    await reg?.close();
    await runtime?.clear();
    await tracking?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = () => Array.from(classifier.predict(pimaRows));

  it('answers /ping, /health and /version like mlflow models serve', async () => {
    for (const path of ['/ping', '/health']) {
      const res = await fetch(`${cls.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('\n');
    }
    const version = await fetch(`${cls.url}/version`);
    expect(version.status).toBe(200);
    expect(await version.text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('scores dataframe_split, dataframe_records, instances, inputs and CSV identically', async () => {
    const want = expected();
    const bodies: unknown[] = [
      { dataframe_split: split },
      { dataframe_split: { ...split, index: [0, 1, 2, 3, 4] } },
      { dataframe_records: records },
      { instances: records },
      { instances: split.data },
      { inputs: Object.fromEntries(columns.map((c) => [c, records.map((r) => r[c])])) },
      { inputs: split.data },
      { dataframe_split: split, params: { anything: 1 } },
    ];
    for (const body of bodies) {
      const res = await postJson(`${cls.url}/invocations`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(200);
      expect(res.json).toEqual({ predictions: want });
      expect(res.headers.get('x-modelyard-model-name')).toBe('diabetes-classifier');
      expect(res.headers.get('x-modelyard-model-version')).toBe('1');
      expect(res.headers.get('x-modelyard-served-model')).toBe('models:/diabetes-classifier@champion');
    }
    const csv = [columns.join(','), ...split.data.map((r) => r.join(','))].join('\n');
    for (const type of ['text/csv', 'text/csv; charset=utf-8']) {
      const res = await fetch(`${cls.url}/invocations`, { method: 'POST', headers: { 'content-type': type }, body: csv });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ predictions: want });
    }
  });

  it('returns class probabilities when params ask for them', async () => {
    const res = await postJson(`${cls.url}/invocations`, { dataframe_records: records, params: { probabilities: true } });
    expect(res.status).toBe(200);
    const want = classifier.predictProba(pimaRows);
    expect(res.json.probabilities).toHaveLength(5);
    res.json.probabilities.forEach((row: number[], i: number) => row.forEach((p, k) => expect(Math.abs(p - want[i]![k]!)).toBeLessThan(1e-5)));
  });

  it('scores a regressor with a categorical column and missing values', async () => {
    const frame = diabetesFrame().drop(['Y']).head(8);
    const rows = frame.toRecords();
    rows[0]!.BMI = null;
    rows[1]!.SEX = null;
    const res = await postJson(`${reg.url}/invocations`, { dataframe_records: rows });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-modelyard-model-name')).toBe('diabetes-regressor');
    const fromRecords = (await import('@modelyard/learn')).DataFrame.fromRecords(rows);
    const want = Array.from(regressor.predict(fromRecords));
    expect(res.json.predictions).toHaveLength(8);
    res.json.predictions.forEach((p: number, i: number) => expect(Math.abs(p - want[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want[i]!))));
    const csv = ['AGE,SEX,BMI,BP,S1,S2,S3,S4,S5,S6', '0.03,Male,,0.02,-0.04,-0.03,-0.04,-0.002,0.019,-0.017'].join('\n');
    const csvRes = await fetch(`${reg.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(csvRes.status).toBe(200);
    expect(((await csvRes.json()) as { predictions: number[] }).predictions).toHaveLength(1);
  });

  it('answers 400 with MLflow error JSON naming the problem, and keeps serving', async () => {
    const cases: Array<{ body: string; contentType?: string; match: RegExp }> = [
      { body: '{not json', match: /valid JSON/ },
      { body: '', match: /valid JSON/ },
      { body: '[1, 2]', match: /Received a list/ },
      { body: '"text"', match: /unexpected input type/ },
      { body: JSON.stringify({ rows: records }), match: /exactly one of the input fields.*'rows'/ },
      { body: JSON.stringify({ dataframe_records: records, instances: records }), match: /exactly one of the input fields/ },
      { body: JSON.stringify({ dataframe_split: { columns, data: 'x' } }), match: /dataframe_split\.data/ },
      { body: JSON.stringify({ dataframe_split: { columns, data: [[1, 2]] } }), match: /row 0 has 2 values, but there are 8 columns/ },
      { body: JSON.stringify({ dataframe_records: [1] }), match: /row 0 must be an object/ },
      { body: JSON.stringify({ dataframe_records: records.map(({ Glucose: _g, ...rest }) => rest) }), match: /missing column 'Glucose'/ },
      { body: JSON.stringify({ dataframe_records: [{ ...records[0], Age: 'old' }] }), match: /column 'Age' expects double values, row 0 has "old"/ },
      { body: JSON.stringify({ instances: [[1, 2, 3]] }), match: /row 0 has 3 values, but the model expects 8/ },
      { body: JSON.stringify({ dataframe_records: [] }), match: /no rows/ },
      { body: JSON.stringify({ dataframe_records: records, params: [1] }), match: /'params' must be a JSON object/ },
      { body: 'Glucose,Age\n1,2\n', contentType: 'text/csv', match: /missing column 'Pregnancies'/ },
      { body: `${columns.join(',')}\n1,2\n`, contentType: 'text/csv', match: /CSV line 2 has 2 fields/ },
      { body: `${columns.join(',')}\n${columns.map(() => 'x').join(',')}\n`, contentType: 'text/csv', match: /not a number/ },
      { body: JSON.stringify({ dataframe_records: Array.from({ length: 2000 }, () => records[0]) }), match: /larger than the limit of 65536 bytes/ },
    ];
    for (const c of cases) {
      const res = await fetch(`${cls.url}/invocations`, { method: 'POST', headers: { 'content-type': c.contentType ?? 'application/json' }, body: c.body });
      const json = (await res.json()) as { error_code: string; message: string };
      expect(res.status, c.body.slice(0, 60)).toBe(400);
      expect(json.error_code, c.body.slice(0, 60)).toBe('BAD_REQUEST');
      expect(json.message, c.body.slice(0, 60)).toMatch(c.match);
    }
    for (const type of ['text/plain', 'application/json; charset=latin-1', 'application/json; format=pandas-split']) {
      const res = await fetch(`${cls.url}/invocations`, { method: 'POST', headers: { 'content-type': type }, body: '{}' });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(10);
    }
    // Bytes without a Content-Type header at all.
    const untyped = await fetch(`${cls.url}/invocations`, { method: 'POST', body: new TextEncoder().encode(JSON.stringify({ dataframe_split: split })) });
    expect(untyped.status).toBe(415);
    const after = await postJson(`${cls.url}/invocations`, { dataframe_split: split });
    expect(after.status).toBe(200);
  });

  it('exposes Prometheus metrics labelled by endpoint and model version', async () => {
    const res = await fetch(`${cls.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/modelyard_serving_requests_total\{endpoint="invocations",model_name="diabetes-classifier",model_version="1",status="200"\} \d+/);
    expect(text).toMatch(/modelyard_serving_requests_total\{[^}]*status="400"\} \d+/);
    expect(text).toMatch(/modelyard_serving_errors_total\{[^}]*error_code="BAD_REQUEST"\} \d+/);
    expect(text).toMatch(/modelyard_serving_request_duration_seconds_bucket\{le="0.005",endpoint="invocations",model_name="diabetes-classifier",model_version="1"\} \d+/);
  });

  it('follows a moved alias on refresh, and keeps the version when nothing moved', async () => {
    const tracker = new Tracker({ trackingUri: tracking.url, env: {} });
    await tracker.setExperiment('serving');
    const other = trainClassifier(0.0005);
    await logAndRegister(tracker, other, 'moving-classifier');
    await logAndRegister(tracker, classifier, 'moving-classifier');
    await tracker.client.registry.setAlias('moving-classifier', 'live', '1');
    const moving = await startScoringServer({ runtime, modelUri: 'models:/moving-classifier@live', port: 0 });
    try {
      expect(await moving.refresh()).toBe(false);
      await tracker.client.registry.setAlias('moving-classifier', 'live', '2');
      expect(await moving.refresh()).toBe(true);
      const res = await postJson(`${moving.url}/invocations`, { dataframe_records: records });
      expect(res.headers.get('x-modelyard-model-version')).toBe('2');
      expect(res.json.predictions).toEqual(expected());
    } finally {
      await moving.close();
    }
  });

  it('appends every request to the inference log as JSON lines', async () => {
    await postJson(`${cls.url}/invocations`, { dataframe_records: records.slice(0, 2) });
    await cls.close();
    const lines = readFileSync(join(dir, 'inference.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = lines.at(-1);
    expect(last).toMatchObject({ endpoint: 'invocations', served_model: 'models:/diabetes-classifier@champion', model_name: 'diabetes-classifier', model_version: '1', status: 200 });
    expect(last.request.Glucose).toEqual([records[0]!.Glucose, records[1]!.Glucose]);
    expect(last.response).toEqual(expected().slice(0, 2));
    expect(typeof last.latency_ms).toBe('number');
    expect(Date.parse(last.timestamp)).toBeGreaterThan(0);
    expect(lines.some((l) => l.status === 400 && l.error_code === 'BAD_REQUEST')).toBe(true);
  });
});
