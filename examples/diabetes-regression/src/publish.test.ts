import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '@modelyard/learn';
import { datasetDigest, loadModelWith, readMlmodel, Tracker } from '@modelyard/sdk';
import { startTestServer } from '../../../packages/server/test/helpers/server.js';
import type { TestServer } from '../../../packages/server/test/helpers/server.js';
import { FEATURES, cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { formatCsv } from './holdout.js';
import { publishModel, REGISTERED_MODEL_NAME } from './publish.js';
import { BATCH_INPUT_PATH, DEFAULT_DATA_PATH } from './run-training.js';
import { splitDiabetes } from './split.js';
import { trainRegressor } from './train.js';

const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));

describe('publishModel against a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('registers a model that scores raw rows: empty cells and SEX as text', async () => {
    const { frame } = cleanseDiabetes((await loadDiabetes(DEFAULT_DATA_PATH)).frame);
    const { train, test } = splitDiabetes(frame, { seed: 42, testSize: 0.2 });
    const model = trainRegressor(train);
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('publish-test');
    const run = await tracker.startRun();
    const published = await publishModel(tracker, { model, train, test, dataSource: DEFAULT_DATA_PATH });
    await tracker.endRun();
    expect(published.version).toMatchObject({ name: REGISTERED_MODEL_NAME, version: '1', status: 'READY', runId: run.runId });

    const logged = await tracker.client.tracking.getRun(run.runId);
    const digests = Object.fromEntries(logged.inputs.datasetInputs.map((d) => [d.dataset.name, d.dataset.digest]));
    expect(digests).toEqual({ 'diabetes-train': datasetDigest(formatCsv(train)), 'diabetes-test': datasetDigest(formatCsv(test)) });
    const schema = JSON.parse(logged.inputs.datasetInputs[0]!.dataset.schema!) as { mlflow_colspec: Array<{ name: string; type: string }> };
    expect(schema.mlflow_colspec.find((c) => c.name === 'SEX')?.type).toBe('string');

    const loaded = await loadModelWith(tracker.client, `models:/${REGISTERED_MODEL_NAME}/1`);
    const mlmodel = readMlmodel(await readFile(join(loaded.localPath, 'MLmodel'), 'utf8'));
    expect(mlmodel.signature?.inputs).toEqual(FEATURES.map((name) => ({ name, type: name === 'SEX' ? 'string' : 'double' })));

    const rows = test.drop(['Y']).toRecords();
    expect(rows.some((r) => Object.values(r).includes(null))).toBe(true);
    const scored = await loaded.predict(rows);
    const want = model.predict(test);
    scored.predictions.forEach((p, i) => close(p as number, want[i]!));

    // The batch-scoring file (no target, 12 empty cells) goes through the same graph.
    const batch = await readCsv(BATCH_INPUT_PATH, { columnTypes: { SEX: 'string' } });
    const batchScored = await loaded.predict(batch.toRecords());
    expect(batchScored.predictions).toHaveLength(batch.rowCount);
    const batchWant = model.predict(batch);
    batchScored.predictions.forEach((p, i) => close(p as number, batchWant[i]!));
  });
});
