import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import type { DataFrame } from '@modelyard/learn';
import { Client, LINEAGE_TAGS, Tracker, copyModelVersion, isNotFound, loadModelWith, logModelWith, registryTargetOf, signatureFromSchemas } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { PIMA_CSV } from '../helpers/datasets.js';

const DATA = PIMA_CSV;

/**
 * The seed workflow's central registry: a dev server tracks runs, a prod server holds the
 * registry. Prod cannot read dev's artifact store, so registering (or copying) must move the
 * files; the proof is loading and scoring the model from prod after dev is gone.
 */
describe('central registry: dev tracks, prod registers', () => {
  let dev: TestServer | undefined;
  let prod: TestServer;
  let frame: DataFrame;
  let pipelines: Pipeline[];
  beforeAll(async () => {
    [dev, prod] = await Promise.all([startTestServer(), startTestServer()]);
    frame = parseCsv(readFileSync(DATA, 'utf8'));
    pipelines = [0.01, 10].map((c) => new Pipeline([new StandardScaler()], new LogisticRegression({ c })).fit(frame, 'Outcome'));
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  const prodClient = () => new Client({ trackingUri: prod.url, env: {} });
  const logTo = (tracker: Tracker, p: Pipeline, registeredModelName: string) =>
    tracker.withRun({}, () => logModelWith(tracker, toOnnx(p, { name: 'pima' }), { signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()), registeredModelName }));

  it('takes the registry URI from MLFLOW_REGISTRY_URI over an explicit tracking URI, as MLflow does', () => {
    const c = new Client({ trackingUri: dev!.url, env: { MLFLOW_REGISTRY_URI: prod.url } });
    expect([c.trackingUri, c.registryUri]).toEqual([dev!.url, prod.url]);
    expect(new Client({ trackingUri: dev!.url, registryUri: `${prod.url}/`, env: {} }).registryUri).toBe(prod.url);
    expect(new Client({ trackingUri: dev!.url, env: {} }).registryUri).toBe(dev!.url);
    expect(() => new Client({ env: { MLFLOW_REGISTRY_URI: 'databricks-uc' } })).toThrow("registry URI 'databricks-uc' is not an http(s) URL; set MLFLOW_REGISTRY_URI");
  });

  it('registerModel with a separate registry copies the files into the registry server and records lineage', async () => {
    const tracker = new Tracker({ trackingUri: dev!.url, registryUri: prod.url, env: {} });
    await tracker.setExperiment('central');
    const info = await logTo(tracker, pipelines[0]!, 'diabetes');
    const mv = info.registeredVersion!;
    expect(mv).toMatchObject({ name: 'diabetes', version: '1', status: 'READY', runId: info.runId });
    expect(mv.runLink).toMatch(new RegExp(`^${dev!.url}/experiments/\\d+/runs/${info.runId}$`));

    // Nothing was registered on dev; the run and its logged model stay there.
    const devRegistry = new Client({ trackingUri: dev!.url, env: {} }).registry;
    await expect(devRegistry.getRegisteredModel('diabetes')).rejects.toSatisfy(isNotFound);
    expect((await tracker.client.tracking.getRun(info.runId)).info.runId).toBe(info.runId);

    const digest = mv.tags[LINEAGE_TAGS.digest]!;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(mv.tags).toMatchObject({
      [LINEAGE_TAGS.runId]: info.runId,
      [LINEAGE_TAGS.server]: dev!.url,
      [LINEAGE_TAGS.modelUri]: info.modelUri,
    });
    expect(info.modelUri).toMatch(/^models:\/m-[0-9a-f]+$/);
    expect(JSON.parse(mv.tags[LINEAGE_TAGS.signature]!)).toEqual(signatureFromSchemas(pipelines[0]!.inputSchema(), pipelines[0]!.outputSchema()));
    // The files are in prod's own artifact store, where its source points.
    expect(mv.source).toBe(`mlflow-artifacts:/model-registry/diabetes/${digest.slice(0, 32)}`);
    for (const f of ['MLmodel', 'model.onnx']) expect(existsSync(join(prod.artifactsDir, 'model-registry/diabetes', digest.slice(0, 32), f))).toBe(true);
    expect(await prodClient().registry.getModelVersionDownloadUri('diabetes', '1')).toBe(mv.source);
  });

  it('copyModelVersion copies a dev registry version by alias, reuses an identical copy, and --no-reuse makes a new one', async () => {
    const devTracker = new Tracker({ trackingUri: dev!.url, env: {} });
    await devTracker.setExperiment('dev-only');
    const info = await logTo(devTracker, pipelines[1]!, 'diabetes-dev');
    await devTracker.client.registry.setAlias('diabetes-dev', 'champion', info.registeredVersion!.version);
    await devTracker.client.registry.updateModelVersion('diabetes-dev', '1', 'C=10');

    const target = registryTargetOf(prodClient());
    const first = await copyModelVersion(devTracker.client, 'models:/diabetes-dev@champion', target, { name: 'diabetes' });
    expect(first).toMatchObject({ created: true, sourceModelUri: 'models:/diabetes-dev/1', sourceServer: dev!.url, files: 3 });
    expect(first.version).toMatchObject({ name: 'diabetes', version: '2', description: 'C=10', runId: info.runId });
    expect(first.version.tags[LINEAGE_TAGS.modelUri]).toBe('models:/diabetes-dev/1');
    expect(first.mlmodel.signature?.inputs.map((c) => c.name)).toEqual(pipelines[1]!.inputSchema().map((c) => c.name));

    const second = await copyModelVersion(devTracker.client, 'models:/diabetes-dev/1', target, { name: 'diabetes' });
    expect(second.created).toBe(false);
    expect(second.version.version).toBe('2');
    const third = await copyModelVersion(devTracker.client, 'models:/diabetes-dev/1', target, { name: 'diabetes', reuseExisting: false });
    expect([third.created, third.version.version, third.digest]).toEqual([true, '3', first.digest]);

    await expect(copyModelVersion(devTracker.client, `runs:/${info.runId}/nothing-here`, target, { name: 'diabetes' })).rejects.toThrow(/is not an MLflow model: no MLmodel file/);
  });

  it('prod serves its versions after dev is gone: loadModel from prod predicts like the trained pipelines', async () => {
    await dev!.close();
    dev = undefined;
    const client = prodClient();
    await client.registry.transitionModelVersionStage('diabetes', '2', 'Production');
    const features = frame.drop(['Outcome']);
    const rows = features.head(5).toRecords();
    for (const [uri, p] of [
      ['models:/diabetes/1', pipelines[0]!],
      ['models:/diabetes/Production', pipelines[1]!],
    ] as const) {
      const model = await loadModelWith(client, uri);
      const out = await model.predict(rows);
      expect(out.predictions).toEqual(Array.from(p.predict(features.head(5))));
      const want = p.predictProba(features.head(5));
      out.probabilities!.forEach((r, i) => r.forEach((v, k) => expect(Math.abs(v - want[i]![k]!)).toBeLessThanOrEqual(1e-5)));
      expect(model.mlmodel.signature?.inputs.length).toBe(8);
    }
  });
});
