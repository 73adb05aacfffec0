import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOnnx } from '@modelyard/learn';
import type { Pipeline } from '@modelyard/learn';
import { Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { logAndRegister, pimaFrame, postJson, trainClassifier, trainRegressor } from './serving-fixtures.js';

const API = '/api/v1/serving-endpoints';

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json() };
}

describe('serving endpoints managed by the server', () => {
  let server: TestServer;
  let tracker: Tracker;
  const classifiers: Pipeline[] = [];
  const rows = pimaFrame().drop(['Outcome']).head(4);
  const records = rows.toRecords();

  beforeAll(async () => {
    server = await startTestServer();
    tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('serving-endpoints');
    // Very different regularisation, so the two versions disagree on some rows.
    classifiers.push(trainClassifier(0.0005), trainClassifier(100));
    for (const p of classifiers) await logAndRegister(tracker, p, 'pima');
    await logAndRegister(tracker, trainRegressor(), 'diabetes-regressor');
    await tracker.client.registry.setAlias('pima', 'champion', '1');
    await tracker.client.registry.setAlias('pima', 'challenger', '2');
    await tracker.client.registry.transitionModelVersionStage('diabetes-regressor', '1', 'Production');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates, reads, lists, updates and deletes an endpoint', async () => {
    const created = await call(`${server.url}${API}`, 'POST', {
      name: 'pima-live',
      description: 'champion only',
      config: { served_models: [{ name: 'champion', model_uri: 'models:/pima@champion' }] },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: 'pima-live',
      description: 'champion only',
      state: { ready: 'READY' },
      config: {
        served_models: [{ name: 'champion', model_uri: 'models:/pima@champion', model_name: 'pima', model_version: '1', state: { deployment: 'READY' } }],
        traffic_config: { routes: [{ served_model_name: 'champion', traffic_percentage: 100 }] },
        inference_log: { enabled: false },
      },
    });
    expect(created.json.creation_timestamp).toBeGreaterThan(0);

    const again = await call(`${server.url}${API}`, 'POST', { name: 'pima-live', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }] } });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const got = await call(`${server.url}${API}/pima-live`, 'GET');
    expect(got.json.config.served_models[0].model_version).toBe('1');
    const list = await call(`${server.url}${API}`, 'GET');
    expect(list.json.endpoints.map((e: { name: string }) => e.name)).toContain('pima-live');

    const updated = await call(`${server.url}${API}/pima-live`, 'PUT', {
      config: {
        served_models: [
          { name: 'champion', model_uri: 'models:/pima@champion' },
          { name: 'challenger', model_uri: 'models:/pima@challenger' },
        ],
        traffic_config: { routes: [{ served_model_name: 'champion', traffic_percentage: 90 }, { served_model_name: 'challenger', traffic_percentage: 10 }] },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.config.served_models.map((m: { model_version: string }) => m.model_version)).toEqual(['1', '2']);
    expect(updated.json.description).toBe('champion only');

    const removed = await call(`${server.url}${API}/pima-live`, 'DELETE');
    expect(removed).toEqual({ status: 200, json: {} });
    expect((await call(`${server.url}${API}/pima-live`, 'GET')).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const gone = await postJson(`${server.url}${API}/pima-live/invocations`, { dataframe_records: records });
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('rejects bad endpoint configurations naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'bad name!', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }] } }, /'name' must be 1 to 63 letters/],
      [{ name: 'e1', config: { served_models: [] } }, /'served_models' must list at least one/],
      [{ name: 'e1', config: { served_models: [{ name: 'a', model_uri: '/etc' }] } }, /served_models\[0\]\.model_uri.*registry or run models/],
      [{ name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima' }] } }, /Not a proper models:\/ URI/],
      [{ name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }, { name: 'a', model_uri: 'models:/pima/2' }] } }, /repeats 'a'/],
      [{ name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }, { name: 'b', model_uri: 'models:/pima/2' }] } }, /traffic_config.routes' is required/],
      [
        { name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }], traffic_config: { routes: [{ served_model_name: 'a', traffic_percentage: 50 }] } } },
        /sum to 50; they must sum to 100/,
      ],
      [
        { name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }], traffic_config: { routes: [{ served_model_name: 'zz', traffic_percentage: 100 }] } } },
        /served_model_name' is "zz"/,
      ],
      [
        { name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1' }], traffic_config: { routes: [{ served_model_name: 'a', traffic_percentage: 99.5 }] } } },
        /whole number from 0 to 100/,
      ],
      [{ name: 'e1', config: { served_models: [{ name: 'a', model_uri: 'models:/pima/1', extra: 1 }] } }, /extra/],
    ];
    for (const [body, match] of cases) {
      const res = await call(`${server.url}${API}`, 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.json.message).toMatch(match);
    }
    expect((await call(`${server.url}${API}/e1`, 'GET')).status).toBe(404);
  });

  it('splits traffic 90/10, names the served model and version in headers, and scores a stage URI', async () => {
    await call(`${server.url}${API}`, 'POST', {
      name: 'pima-ab',
      config: {
        served_models: [
          { name: 'champion', model_uri: 'models:/pima@champion' },
          { name: 'challenger', model_uri: 'models:/pima@challenger' },
        ],
        traffic_config: { routes: [{ served_model_name: 'champion', traffic_percentage: 90 }, { served_model_name: 'challenger', traffic_percentage: 10 }] },
        inference_log: { enabled: true },
      },
    });
    const want = { '1': Array.from(classifiers[0]!.predict(rows)), '2': Array.from(classifiers[1]!.predict(rows)) };
    const seen = { champion: 0, challenger: 0 };
    for (let i = 0; i < 100; i++) {
      const res = await postJson(`${server.url}${API}/pima-ab/invocations`, { dataframe_records: records });
      expect(res.status).toBe(200);
      const served = res.headers.get('x-modelyard-served-model') as 'champion' | 'challenger';
      const version = res.headers.get('x-modelyard-model-version') as '1' | '2';
      expect(res.headers.get('x-modelyard-model-name')).toBe('pima');
      expect(version).toBe(served === 'champion' ? '1' : '2');
      expect(res.json.predictions).toEqual(want[version]);
      seen[served]++;
    }
    expect(seen).toEqual({ champion: 90, challenger: 10 });

    const direct = await postJson(`${server.url}${API}/pima-ab/served-models/challenger/invocations`, { dataframe_records: records });
    expect(direct.headers.get('x-modelyard-model-version')).toBe('2');
    const noSuch = await postJson(`${server.url}${API}/pima-ab/served-models/nope/invocations`, { dataframe_records: records });
    expect(noSuch.status).toBe(404);

    const bad = await postJson(`${server.url}${API}/pima-ab/invocations`, { dataframe_records: [{ Glucose: 'high' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('BAD_REQUEST');
    expect(bad.json.message).toMatch(/column 'Pregnancies'|column 'Glucose'/);

    await call(`${server.url}${API}`, 'POST', { name: 'regressor', config: { served_models: [{ name: 'prod', model_uri: 'models:/diabetes-regressor/Production' }] } });
    const csv = 'AGE,SEX,BMI,BP,S1,S2,S3,S4,S5,S6\n0.03,Female,0.06,0.02,-0.04,-0.03,-0.04,-0.002,0.019,-0.017\n';
    const reg = await fetch(`${server.url}${API}/regressor/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(reg.status).toBe(200);
    expect(reg.headers.get('x-modelyard-model-name')).toBe('diabetes-regressor');
    expect(((await reg.json()) as { predictions: number[] }).predictions[0]).toBeGreaterThan(0);
  });

  it('exposes /metrics and writes the endpoint inference log', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/modelyard_serving_requests_total\{endpoint="pima-ab",model_name="pima",model_version="1",status="200"\} 9\d/);
    expect(text).toMatch(/modelyard_serving_requests_total\{endpoint="pima-ab",model_name="pima",model_version="2",status="200"\} 1\d/);
    expect(text).toMatch(/modelyard_serving_errors_total\{endpoint="pima-ab",[^}]*error_code="BAD_REQUEST"\} 1/);
    expect(text).toMatch(/modelyard_serving_request_duration_seconds_count\{endpoint="regressor",model_name="diabetes-regressor",model_version="1"\} 1/);

    const path = server.services.serving.endpoints.inferenceLogPath('pima-ab');
    await server.services.serving.endpoints.update({
      name: 'pima-ab',
      servedModels: [{ name: 'champion', modelUri: 'models:/pima@champion' }],
      inferenceLog: false,
    });
    expect(existsSync(path)).toBe(true);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(102);
    expect(lines.filter((l) => l.status === 200 && l.model_version === '2').length).toBeGreaterThanOrEqual(11);
    expect(lines[0]).toMatchObject({ endpoint: 'pima-ab', model_name: 'pima', status: 200 });
    expect(lines[0].request.Glucose).toHaveLength(4);
    expect(lines[0].response).toHaveLength(4);
  });

  it('upsert (the deploy task API) creates or repoints an endpoint and loads it before returning', async () => {
    const endpoints = server.services.serving.endpoints;
    const first = await endpoints.upsert({ name: 'deployed', servedModels: [{ name: 'main', modelUri: 'models:/pima/1' }] });
    expect(first.ready).toBe(true);
    expect(first.servedModelStates[0]).toMatchObject({ status: 'READY', loadedModelName: 'pima', loadedModelVersion: '1' });
    const second = await endpoints.upsert({ name: 'deployed', servedModels: [{ name: 'main', modelUri: 'models:/pima/2' }] });
    expect(second.servedModelStates[0]!.loadedModelVersion).toBe('2');
    expect(second.creationTime).toBe(first.creationTime);
    const res = await postJson(`${server.url}${API}/deployed/invocations`, { dataframe_records: records });
    expect(res.headers.get('x-modelyard-model-version')).toBe('2');

    // A logged model (MLflow 3 `models:/m-<id>`), not registered: fetched once from its artifact location.
    const p = classifiers[1]!;
    const logged = await tracker.withRun({}, () => logModelWith(tracker, toOnnx(p), { signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()) }));
    expect(logged.modelUri).toMatch(/^models:\/m-/);
    const byId = await endpoints.upsert({ name: 'logged', servedModels: [{ name: 'main', modelUri: logged.modelUri }] });
    expect(byId.ready).toBe(true);
    const scored = await postJson(`${server.url}${API}/logged/invocations`, { dataframe_records: records });
    expect(scored.json.predictions).toEqual(Array.from(p.predict(rows)));
    expect(scored.headers.get('x-modelyard-model-version')).toBeNull();

    const broken = await endpoints.upsert({ name: 'broken', servedModels: [{ name: 'main', modelUri: 'models:/pima@missing' }] });
    expect(broken.ready).toBe(false);
    expect(broken.servedModelStates[0]).toMatchObject({ status: 'FAILED' });
    expect(broken.servedModelStates[0]!.message).toMatch(/alias missing not found/i);
    const unavailable = await postJson(`${server.url}${API}/broken/invocations`, { dataframe_records: records });
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.error_code).toBe('TEMPORARILY_UNAVAILABLE');
  });
});
