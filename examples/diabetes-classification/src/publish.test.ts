import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimpleImputer } from '@modelyard/learn';
import { datasetDigest, loadModelWith, readMlmodel, Tracker } from '@modelyard/sdk';
import { startTestServer } from '../../../packages/server/test/helpers/server.js';
import type { TestServer } from '../../../packages/server/test/helpers/server.js';
import { FEATURES, cleansePima, loadPima } from './cleanse.js';
import { formatCsv } from './holdout.js';
import { publishModel, REGISTERED_MODEL_NAME } from './publish.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitPima } from './split.js';
import { trainClassifier } from './train.js';

describe('publishModel against a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('logs both datasets with digests, the model with signature and input example, and registers it', async () => {
    const { frame } = cleansePima((await loadPima(DEFAULT_DATA_PATH)).frame);
    const { train, test } = splitPima(frame, { seed: 42, testSize: 0.2 });
    const model = trainClassifier(train, { model: 'random-forest', nTrees: 10, seed: 1 });
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('publish-test');
    const run = await tracker.startRun();
    const published = await publishModel(tracker, { model, train, test, dataSource: DEFAULT_DATA_PATH });
    await tracker.endRun();

    expect(published.runId).toBe(run.runId);
    expect(published.version).toMatchObject({ name: REGISTERED_MODEL_NAME, version: '1', status: 'READY', runId: run.runId });

    const logged = await tracker.client.tracking.getRun(run.runId);
    const inputs = logged.inputs.datasetInputs;
    const byName = new Map(inputs.map((d) => [d.dataset.name, d]));
    expect([...byName.keys()].sort()).toEqual(['pima-diabetes-test', 'pima-diabetes-train']);
    expect(byName.get('pima-diabetes-train')!.dataset.digest).toBe(datasetDigest(formatCsv(train)));
    expect(byName.get('pima-diabetes-test')!.dataset.digest).toBe(datasetDigest(formatCsv(test)));
    expect(JSON.parse(byName.get('pima-diabetes-test')!.dataset.profile!)).toEqual({ num_rows: 154, num_elements: 154 * 9 });
    expect(byName.get('pima-diabetes-train')!.tags['mlflow.data.context']).toBe('training');

    // The registered version loads from the registry and scores raw rows (impossible zeros as in the CSV) like the in-process model.
    const loaded = await loadModelWith(tracker.client, `models:/${REGISTERED_MODEL_NAME}/1`);
    const mlmodel = readMlmodel(await readFile(join(loaded.localPath, 'MLmodel'), 'utf8'));
    expect(mlmodel.signature?.inputs.map((c) => c.name)).toEqual([...FEATURES]);
    expect(mlmodel.runId).toBe(run.runId);
    const example = JSON.parse(await readFile(join(loaded.localPath, 'input_example.json'), 'utf8')) as { columns: string[]; data: unknown[][] };
    expect(example.columns).toEqual([...FEATURES]);
    expect(example.data).toHaveLength(5);

    const rows = test.drop(['Outcome']).toRecords();
    expect(rows.some((r) => r.Insulin === 0)).toBe(true);
    const scored = await loaded.predict(rows);
    const want = model.predictProba(test);
    scored.probabilities!.forEach((p, i) => expect(Math.abs(p[1]! - want[i]![1]!)).toBeLessThanOrEqual(1e-5));
    expect(scored.predictions).toEqual(Array.from(model.predict(test)));

    // A zero Insulin and an empty one (null) score alike, both as the training median, in the graph itself.
    const base = rows.find((r) => r.Insulin !== 0)!;
    const median = (model.steps[0] as SimpleImputer).fillValues!.get('Insulin')!;
    const variants = await loaded.predict([{ ...base, Insulin: 0 }, { ...base, Insulin: null }, { ...base, Insulin: median }]);
    expect(variants.probabilities![0]).toEqual(variants.probabilities![2]);
    expect(variants.probabilities![1]).toEqual(variants.probabilities![2]);
  });
});
