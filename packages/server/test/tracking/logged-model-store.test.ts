import { beforeAll, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { ExperimentStore } from '../../src/stores/tracking/experiment-store.js';
import { LoggedModelStore } from '../../src/stores/tracking/logged-model-store.js';
import type { NewLoggedModel } from '../../src/stores/tracking/logged-model-store.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('LoggedModelStore', (ctx) => {
  let store: LoggedModelStore;
  let experimentId = '';
  let seq = 0;

  beforeAll(async () => {
    store = new LoggedModelStore(ctx.db, ctx.caps);
    experimentId = await new ExperimentStore(ctx.db, ctx.caps).create(
      { name: 'logged-model-store', artifactLocation: '/tmp/lm-store', tags: [], now: 1 },
      (id) => `/tmp/lm-store/${id}`,
    );
  });

  const newModel = async (over: Partial<NewLoggedModel> = {}): Promise<string> => {
    seq += 1;
    const modelId = `m-${String(seq).padStart(32, '0')}`;
    await store.create({
      modelId,
      experimentId,
      name: `model-${seq}`,
      artifactUri: `/tmp/lm-store/models/${modelId}/artifacts`,
      params: [],
      tags: [],
      now: 1000,
      ...over,
    });
    return modelId;
  };

  it('creates a PENDING model and reads back its attributes, tags and params sorted by key', async () => {
    const id = await newModel({
      name: 'clf',
      modelType: 'Classifier',
      params: [
        { key: 'z', value: '1' },
        { key: 'a', value: '2' },
      ],
      tags: [
        { key: 'team', value: 'x' },
        { key: 'env', value: 'dev' },
      ],
      now: 5000,
    });
    const m = await store.get(id);
    expect(m).toEqual({
      modelId: id,
      experimentId,
      name: 'clf',
      artifactUri: `/tmp/lm-store/models/${id}/artifacts`,
      creationTimestampMs: 5000,
      lastUpdatedTimestampMs: 5000,
      status: 'LOGGED_MODEL_PENDING',
      lifecycleStage: 'active',
      modelType: 'Classifier',
      tags: [
        { key: 'env', value: 'dev' },
        { key: 'team', value: 'x' },
      ],
      params: [
        { key: 'a', value: '2' },
        { key: 'z', value: '1' },
      ],
      metrics: [],
    });
    expect(await store.get('m-does-not-exist')).toBeUndefined();
  });

  it('overwrites tags, deletes them, and moves last_updated forward on every change', async () => {
    const id = await newModel({ tags: [{ key: 'k', value: 'v1' }] });
    await store.setTags(
      id,
      [
        { key: 'k', value: 'v2' },
        { key: 'new', value: 'a' },
        { key: 'new', value: 'b' },
      ],
      2000,
    );
    let m = await store.get(id);
    expect(m?.tags).toEqual([
      { key: 'k', value: 'v2' },
      { key: 'new', value: 'b' },
    ]);
    expect(m?.lastUpdatedTimestampMs).toBe(2000);
    expect(await store.deleteTag(id, 'k', 3000)).toBe(true);
    expect(await store.deleteTag(id, 'k', 4000)).toBe(false);
    m = await store.get(id);
    expect(m?.tags).toEqual([{ key: 'new', value: 'b' }]);
    expect(m?.lastUpdatedTimestampMs).toBe(3000);
  });

  it('keeps params immutable: same value is a no-op, another value fails and writes nothing of the request', async () => {
    const id = await newModel({ params: [{ key: 'alpha', value: '0.1' }] });
    await store.logParams(id, [{ key: 'alpha', value: '0.1' }, { key: 'beta', value: '2' }], 2000);
    await expect(store.logParams(id, [{ key: 'gamma', value: '3' }, { key: 'alpha', value: '0.9' }], 3000)).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    await expect(store.logParams(id, [{ key: 'delta', value: '1' }, { key: 'delta', value: '2' }], 3000)).rejects.toThrow(/delta/);
    const m = await store.get(id);
    expect(m?.params).toEqual([
      { key: 'alpha', value: '0.1' },
      { key: 'beta', value: '2' },
    ]);
    expect(m?.lastUpdatedTimestampMs).toBe(2000);
  });

  it('finalizes and soft-deletes: the row stays, marked deleted', async () => {
    const id = await newModel();
    await store.setStatus(id, 'LOGGED_MODEL_READY', 2000);
    expect(await store.get(id)).toMatchObject({ status: 'LOGGED_MODEL_READY', lastUpdatedTimestampMs: 2000, lifecycleStage: 'active' });
    await store.setLifecycle(id, 'deleted', 3000);
    expect(await store.get(id)).toMatchObject({ status: 'LOGGED_MODEL_READY', lifecycleStage: 'deleted', lastUpdatedTimestampMs: 3000 });
  });

  it('loads several models in the order asked, skipping unknown ids, with their metrics', async () => {
    const a = await newModel({ name: 'a' });
    const b = await newModel({ name: 'b' });
    // Metrics reach a model through runs logging with model_id; written here at the table level
    // because this suite tests the store's reads, not the run logging path.
    await ctx.db
      .insertInto('logged_model_metrics')
      .values([
        { model_id: b, metric_name: 'acc', metric_timestamp_ms: 10, metric_step: 1, metric_value: 0.9, is_nan: 0, experiment_id: Number(experimentId), run_id: 'r'.repeat(32), dataset_uuid: null, dataset_name: 'test', dataset_digest: 'd1' },
        { model_id: b, metric_name: 'acc', metric_timestamp_ms: 5, metric_step: 0, metric_value: 0, is_nan: 1, experiment_id: Number(experimentId), run_id: 'r'.repeat(32), dataset_uuid: null, dataset_name: null, dataset_digest: null },
      ])
      .execute();
    const loaded = await store.load([b, 'm-unknown', a]);
    expect(loaded.map((m) => m.name)).toEqual(['b', 'a']);
    expect(loaded[0]!.metrics).toEqual([
      { key: 'acc', value: Number.NaN, timestamp: 5, step: 0, runId: 'r'.repeat(32), modelId: b },
      { key: 'acc', value: 0.9, timestamp: 10, step: 1, runId: 'r'.repeat(32), modelId: b, datasetName: 'test', datasetDigest: 'd1' },
    ]);
    expect(loaded[1]!.metrics).toEqual([]);
  });
});
