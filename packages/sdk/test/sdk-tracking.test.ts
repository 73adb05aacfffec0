import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { Pipeline, RandomForestClassifier, SimpleImputer, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { describeEachServer } from '../../server/test/helpers/mlflow-http.js';
import { Client, MlflowApiError, Tracker, loadModelWith, logModelWith, signatureFromSchemas } from '../src/index.js';
import { PIMA_CSV } from '../../server/test/helpers/datasets.js';

const DATA = PIMA_CSV;

// Store-touching paths on both dialects: one real server per dialect (SQLite file, PostgreSQL).
describeEachServer('@modelyard/sdk against a real Modelyard server', (ctx) => {
  let tracker: Tracker;
  beforeAll(() => {
    tracker = new Tracker({ trackingUri: ctx.server.url, env: {} });
  });

  it('runs the fluent API: experiment, params, buffered metrics, tags, dataset input, artifacts', async () => {
    const experimentId = await tracker.setExperiment('sdk-fluent');
    expect(await tracker.setExperiment('sdk-fluent')).toBe(experimentId);
    const run = await tracker.withRun({ runName: 'train' }, async (r) => {
      await tracker.logParams({ n_trees: 100, depth: 6 });
      for (let step = 0; step < 2500; step++) tracker.logMetric('loss', 1 / (step + 1), { step });
      tracker.logMetrics({ auc: 0.83, acc: 0.77 });
      await tracker.setTags({ team: 'ml' });
      await tracker.logInput({ name: 'pima', source: DATA, content: readFileSync(DATA) }, 'training');
      await tracker.logText('{"hello":1}', 'notes/info.json');
      return r;
    });
    const client = tracker.client;
    const stored = await client.tracking.getRun(run.runId);
    expect(stored.info.status).toBe('FINISHED');
    expect(stored.info.endTime).toBeGreaterThan(0);
    expect(stored.data.params).toEqual({ n_trees: '100', depth: '6' });
    expect(stored.data.metrics).toMatchObject({ loss: 1 / 2500, auc: 0.83, acc: 0.77 });
    expect(stored.data.tags).toMatchObject({ team: 'ml', 'mlflow.runName': 'train', 'mlflow.source.type': 'LOCAL' });
    expect(stored.inputs.datasetInputs).toHaveLength(1);
    expect(stored.inputs.datasetInputs[0]!.dataset.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(stored.inputs.datasetInputs[0]!.tags['mlflow.data.context']).toBe('training');
    const history = await client.tracking.getMetricHistory(run.runId, 'loss', 1000);
    expect(history.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    const files = await client.artifacts.listRunArtifacts(run.runId, 'notes');
    expect(files).toEqual([{ path: 'notes/info.json', isDir: false, fileSize: 11 }]);
    const dest = mkdtempSync(join(tmpdir(), 'sdk-dl-'));
    const local = await tracker.downloadArtifacts(run.runId, 'notes', dest);
    expect(readFileSync(join(local, 'info.json'), 'utf8')).toBe('{"hello":1}');
  });

  it('ends the run FAILED when the callback throws, and nests child runs', async () => {
    await tracker.setExperiment('sdk-fail');
    let parentId = '';
    let childId = '';
    await expect(
      tracker.withRun({ runName: 'parent' }, async (p) => {
        parentId = p.runId;
        await tracker.withRun({ runName: 'child', nested: true }, async (c) => {
          childId = c.runId;
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const parent = await tracker.client.tracking.getRun(parentId);
    const child = await tracker.client.tracking.getRun(childId);
    expect(parent.info.status).toBe('FAILED');
    expect(child.info.status).toBe('FINISHED');
    expect(child.data.tags['mlflow.parentRunId']).toBe(parentId);
  });

  it('resumes the run named by MLFLOW_RUN_ID', async () => {
    const created = await tracker.client.tracking.createRun({ experimentId: '0' });
    const resumed = new Tracker({ trackingUri: ctx.server.url, env: { MLFLOW_RUN_ID: created.info.runId } });
    const run = await resumed.startRun();
    expect(run.runId).toBe(created.info.runId);
    resumed.logMetric('m', 1);
    await resumed.endRun();
    expect((await resumed.client.tracking.getRun(run.runId)).data.metrics).toEqual({ m: 1 });
  });

  it('logs an ONNX model in the MLflow format and loads it back for predictions', async () => {
    const frame = parseCsv(readFileSync(DATA, 'utf8'));
    const pipeline = new Pipeline([new SimpleImputer(), new StandardScaler()], new RandomForestClassifier({ nTrees: 20, seed: 1 })).fit(frame, 'Outcome');
    const features = frame.drop(['Outcome']);
    const rows = features.head(5).toRecords();
    await tracker.setExperiment('sdk-model');
    const info = await tracker.withRun({ runName: 'model' }, () =>
      logModelWith(tracker, toOnnx(pipeline, { name: 'pima' }), {
        signature: signatureFromSchemas(pipeline.inputSchema(), pipeline.outputSchema()),
        inputExample: rows,
      }),
    );
    expect(info.modelUri).toMatch(/^models:\/m-[0-9a-f]+$/);
    const model = await tracker.client.loggedModels.get(info.modelId!);
    expect(model.status).toBe('LOGGED_MODEL_READY');
    const loaded = await loadModelWith(tracker.client, info.modelUri);
    expect(loaded.mlmodel.flavors.onnx).toBeDefined();
    expect(loaded.mlmodel.flavors.python_function?.loader_module).toBe('mlflow.onnx');
    expect(loaded.mlmodel.runId).toBe(info.runId);
    expect(JSON.parse(readFileSync(join(loaded.localPath, 'input_example.json'), 'utf8')).columns).toContain('Glucose');
    const expected = pipeline.predict(features.head(5));
    const got = await loaded.predict(rows);
    expect(got.predictions).toEqual(Array.from(expected));
    const proba = pipeline.predictProba(features.head(5));
    got.probabilities!.forEach((p, i) => p.forEach((v, k) => expect(Math.abs(v - proba[i]![k]!)).toBeLessThanOrEqual(1e-5)));

    const byRun = await loadModelWith(tracker.client, info.modelUri);
    await expect(byRun.predict([{ Glucose: 1 }])).rejects.toThrow(/missing column 'Pregnancies'/);
    const bad = { ...rows[0], Glucose: 'high' };
    await expect(byRun.predict([bad])).rejects.toThrow(/column 'Glucose' expects double/);
  });

  it('raises typed errors with the MLflow error code and status', async () => {
    const client = new Client({ trackingUri: ctx.server.url, env: {} });
    const err = await client.tracking.getRun('0'.repeat(32)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect((err as MlflowApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((err as MlflowApiError).httpStatus).toBe(404);
  });

  it('uploads a binary file streamed and reads it back', () => {
    // A real file round trip through uploadFile (streamed PUT) and readBytes.
    const dir = mkdtempSync(join(tmpdir(), 'sdk-up-'));
    writeFileSync(join(dir, 'a.bin'), Buffer.from([0, 1, 2, 255]));
    return (async () => {
      const run = await tracker.client.tracking.createRun({ experimentId: '0' });
      await tracker.client.artifacts.uploadFile(run.info.artifactUri, join(dir, 'a.bin'), 'bin/a.bin');
      expect([...(await tracker.client.artifacts.readBytes(run.info.artifactUri, 'bin/a.bin'))]).toEqual([0, 1, 2, 255]);
    })();
  });
});
