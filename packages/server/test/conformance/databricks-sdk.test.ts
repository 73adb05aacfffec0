import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WorkspaceClient } from '@databricks/sdk-experimental';
import { describeEachServer } from '../helpers/mlflow-http.js';
import { collect, databricksClient, requestLog, sdkFailure } from './databricks-sdk-client.js';

/**
 * Conformance with `@databricks/sdk-experimental`'s `WorkspaceClient.experiments`, a client
 * nobody here wrote, over a real port. Its auto-paginating iterators (searchExperiments,
 * searchRuns, getHistory, listArtifacts) follow `next_page_token` until the server stops sending
 * one, so they also check that pagination terminates and loses nothing.
 */
describeEachServer('Databricks SDK experiments service', (ctx) => {
  let sdk: { client: WorkspaceClient; close(): void };
  const t0 = 1_700_000_000_000;

  beforeAll(() => {
    sdk = databricksClient(ctx.server.url);
  });
  afterAll(() => sdk.close());

  const api = () => sdk.client.experiments;
  const newExperiment = async (name: string) => {
    const { experiment_id } = await api().createExperiment({ name });
    if (!experiment_id) throw new Error('createExperiment returned no experiment_id');
    return experiment_id;
  };
  const newRun = async (experiment_id: string, extra: { run_name?: string; start_time?: number } = {}) => {
    const { run } = await api().createRun({ experiment_id, start_time: t0, ...extra });
    const runId = run?.info?.run_id;
    if (!runId) throw new Error('createRun returned no run id');
    return runId;
  };

  it('gets the Default experiment by id and by name', async () => {
    expect((await api().getExperiment({ experiment_id: '0' })).experiment).toMatchObject({ experiment_id: '0', name: 'Default' });
    expect((await api().getByName({ experiment_name: 'Default' })).experiment).toMatchObject({ experiment_id: '0', name: 'Default' });
  });

  it('creates an experiment with tags and reads it by id and by name', async () => {
    const { experiment_id } = await api().createExperiment({
      name: 'sdk-create',
      artifact_location: 's3://bucket/sdk-create',
      tags: [{ key: 'team', value: 'fraud' }],
    });
    const { experiment } = await api().getExperiment({ experiment_id: experiment_id! });
    expect(experiment).toMatchObject({
      experiment_id,
      name: 'sdk-create',
      artifact_location: 's3://bucket/sdk-create',
      lifecycle_stage: 'active',
      tags: [{ key: 'team', value: 'fraud' }],
    });
    expect(experiment?.creation_time).toEqual(expect.any(Number));
    expect(experiment?.last_update_time).toEqual(expect.any(Number));
    expect((await api().getByName({ experiment_name: 'sdk-create' })).experiment).toEqual(experiment);
  });

  it('reports MLflow error codes and statuses through ApiError', async () => {
    await newExperiment('sdk-dup');
    expect(await sdkFailure(api().createExperiment({ name: 'sdk-dup' }))).toMatchObject({
      statusCode: 400,
      errorCode: 'RESOURCE_ALREADY_EXISTS',
    });
    expect(await sdkFailure(api().getExperiment({ experiment_id: '424242' }))).toMatchObject({
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    const byName = await sdkFailure(api().getByName({ experiment_name: 'sdk-no-such-experiment' }));
    expect(byName).toMatchObject({ statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(byName.message).toContain('sdk-no-such-experiment');
    expect(await sdkFailure(api().getRun({ run_id: 'a'.repeat(32) }))).toMatchObject({
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('pages through searchExperiments with a filter and an order', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `sdk-page-${String(i).padStart(2, '0')}`);
    for (const name of [...names].reverse()) await newExperiment(name);
    const log = requestLog();
    const found = await collect(
      api().searchExperiments({ filter: "name LIKE 'sdk-page-%'", order_by: ['name ASC'], max_results: 5 }, log.context),
    );
    expect(found.map((e) => e.name)).toEqual(names);
    // 5 + 5 + 5 + 5 + 3: the last page carries no next_page_token, so the iterator stops there.
    expect(log.urls).toHaveLength(5);
    expect(log.urls.every((u) => u.endsWith('/api/2.0/mlflow/experiments/search'))).toBe(true);

    // 10 matches in pages of 5: whether or not the server sends a token after a full last page,
    // the iterator must end with every experiment exactly once.
    const descending = await collect(api().searchExperiments({ filter: "name LIKE 'sdk-page-1%'", order_by: ['name DESC'], max_results: 5 }));
    expect(descending.map((e) => e.name)).toEqual(names.filter((n) => n.startsWith('sdk-page-1')).reverse());
  });

  it('filters searchExperiments on tags', async () => {
    const tagged = await newExperiment('sdk-tag-filter-a');
    await newExperiment('sdk-tag-filter-b');
    await api().setExperimentTag({ experiment_id: tagged, key: 'purpose', value: 'conformance' });
    const found = await collect(api().searchExperiments({ filter: "tags.purpose = 'conformance'" }));
    expect(found.map((e) => e.experiment_id)).toEqual([tagged]);
    expect(found[0].tags).toEqual([{ key: 'purpose', value: 'conformance' }]);
  });

  it('renames an experiment', async () => {
    const id = await newExperiment('sdk-old-name');
    await api().updateExperiment({ experiment_id: id, new_name: 'sdk-new-name' });
    expect((await api().getByName({ experiment_name: 'sdk-new-name' })).experiment?.experiment_id).toBe(id);
    expect(await sdkFailure(api().getByName({ experiment_name: 'sdk-old-name' }))).toMatchObject({ statusCode: 404 });
  });

  it('deletes and restores an experiment, and searchExperiments honours view_type', async () => {
    const id = await newExperiment('sdk-lifecycle');
    const inView = async (view_type: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
      (await collect(api().searchExperiments({ filter: "name = 'sdk-lifecycle'", view_type }))).map((e) => e.experiment_id);
    await api().deleteExperiment({ experiment_id: id });
    expect((await api().getExperiment({ experiment_id: id })).experiment?.lifecycle_stage).toBe('deleted');
    expect(await inView('ACTIVE_ONLY')).toEqual([]);
    expect(await inView('DELETED_ONLY')).toEqual([id]);
    expect(await inView('ALL')).toEqual([id]);
    // MLflow's get-by-name also answers for a deleted experiment, and refuses new runs in it.
    expect((await api().getByName({ experiment_name: 'sdk-lifecycle' })).experiment).toMatchObject({ experiment_id: id, lifecycle_stage: 'deleted' });
    expect(await sdkFailure(api().createRun({ experiment_id: id }))).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    await api().restoreExperiment({ experiment_id: id });
    expect((await api().getExperiment({ experiment_id: id })).experiment?.lifecycle_stage).toBe('active');
    expect(await inView('ACTIVE_ONLY')).toEqual([id]);
  });

  it('sets and overwrites experiment tags', async () => {
    const id = await newExperiment('sdk-exp-tags');
    await api().setExperimentTag({ experiment_id: id, key: 'owner', value: 'ana' });
    await api().setExperimentTag({ experiment_id: id, key: 'owner', value: 'bo' });
    await api().setExperimentTag({ experiment_id: id, key: 'tier', value: 'gold' });
    const tags = (await api().getExperiment({ experiment_id: id })).experiment?.tags ?? [];
    expect([...tags].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''))).toEqual([
      { key: 'owner', value: 'bo' },
      { key: 'tier', value: 'gold' },
    ]);
  });

  it('creates, gets and updates a run', async () => {
    const experimentId = await newExperiment('sdk-runs');
    const { run } = await api().createRun({
      experiment_id: experimentId,
      run_name: 'sdk-first',
      start_time: t0,
      user_id: 'ana',
      tags: [{ key: 'origin', value: 'sdk' }],
    });
    expect(run?.info).toMatchObject({
      experiment_id: experimentId,
      run_name: 'sdk-first',
      user_id: 'ana',
      status: 'RUNNING',
      start_time: t0,
      lifecycle_stage: 'active',
    });
    const runId = run!.info!.run_id!;
    expect(run?.info?.run_uuid).toBe(runId);
    expect(run?.data?.tags).toEqual(expect.arrayContaining([{ key: 'origin', value: 'sdk' }, { key: 'mlflow.runName', value: 'sdk-first' }]));
    expect((await api().getRun({ run_id: runId })).run?.info).toEqual(run?.info);

    const { run_info } = await api().updateRun({ run_id: runId, status: 'FINISHED', end_time: t0 + 900, run_name: 'sdk-renamed' });
    expect(run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: t0 + 900, run_name: 'sdk-renamed' });
    const got = (await api().getRun({ run_id: runId })).run;
    expect(got?.info).toMatchObject({ status: 'FINISHED', end_time: t0 + 900, run_name: 'sdk-renamed' });
    expect(got?.data?.tags).toContainEqual({ key: 'mlflow.runName', value: 'sdk-renamed' });
  });

  it('logs metrics, params and tags one by one and in a batch, and deletes a tag', async () => {
    const run_id = await newRun(await newExperiment('sdk-logging'));
    await api().logMetric({ run_id, key: 'loss', value: 0.8, timestamp: t0 + 1, step: 0 });
    await api().logMetric({ run_id, key: 'loss', value: 0.3, timestamp: t0 + 2, step: 1 });
    await api().logParam({ run_id, key: 'alpha', value: '0.5' });
    await api().setTag({ run_id, key: 'phase', value: 'train' });
    await api().logBatch({
      run_id,
      metrics: [
        { key: 'acc', value: 0.6, timestamp: t0 + 3, step: 0 },
        { key: 'acc', value: 0.9, timestamp: t0 + 4, step: 1 },
      ],
      params: [{ key: 'depth', value: '6' }, { key: 'alpha', value: '0.5' }],
      tags: [{ key: 'phase', value: 'eval' }, { key: 'extra', value: 'x' }],
    });
    const data = (await api().getRun({ run_id })).run?.data;
    const metrics = new Map((data?.metrics ?? []).map((m) => [m.key, m]));
    expect(metrics.get('loss')).toMatchObject({ value: 0.3, timestamp: t0 + 2, step: 1 });
    expect(metrics.get('acc')).toMatchObject({ value: 0.9, timestamp: t0 + 4, step: 1 });
    expect([...(data?.params ?? [])].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''))).toEqual([
      { key: 'alpha', value: '0.5' },
      { key: 'depth', value: '6' },
    ]);
    expect(data?.tags).toEqual(expect.arrayContaining([{ key: 'phase', value: 'eval' }, { key: 'extra', value: 'x' }]));

    await api().deleteTag({ run_id, key: 'phase' });
    const tags = (await api().getRun({ run_id })).run?.data?.tags ?? [];
    expect(tags.map((t) => t.key)).not.toContain('phase');
    expect(tags).toContainEqual({ key: 'extra', value: 'x' });
  });

  it("refuses a changed param and a log-batch over MLflow's limits", async () => {
    const run_id = await newRun(await newExperiment('sdk-limits'));
    await api().logParam({ run_id, key: 'p', value: 'one' });
    expect(await sdkFailure(api().logParam({ run_id, key: 'p', value: 'two' }))).toMatchObject({
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: t0, step: i }));
    expect(await sdkFailure(api().logBatch({ run_id, metrics: tooMany }))).toMatchObject({
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    expect(await sdkFailure(api().deleteTag({ run_id, key: 'never-set' }))).toMatchObject({
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('pages through a metric history with getHistory', async () => {
    const run_id = await newRun(await newExperiment('sdk-history'));
    const points = Array.from({ length: 25 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step }));
    await api().logBatch({ run_id, metrics: [...points].reverse() });

    const log = requestLog();
    const paged = await collect(api().getHistory({ run_id, metric_key: 'loss', max_results: 10 }, log.context));
    expect(paged.map((m) => [m.step, m.value, m.timestamp])).toEqual(points.map((p) => [p.step, p.value, p.timestamp]));
    expect(paged.every((m) => m.key === 'loss')).toBe(true);
    expect(log.urls).toHaveLength(3);

    const whole = await collect(api().getHistory({ run_id, metric_key: 'loss' }));
    expect(whole).toEqual(paged);
    expect(await collect(api().getHistory({ run_id, metric_key: 'never-logged' }))).toEqual([]);
  });

  it('returns non-finite metric values as MLflow spells them in JSON', async () => {
    const run_id = await newRun(await newExperiment('sdk-non-finite'));
    // JSON.stringify turns NaN into null, so the SDK cannot send one; log them over raw HTTP.
    await ctx.http.ok('/runs/log-batch', {
      run_id,
      metrics: [
        { key: 'odd', value: 'NaN', timestamp: t0, step: 0 },
        { key: 'odd', value: 'Infinity', timestamp: t0, step: 1 },
        { key: 'odd', value: '-Infinity', timestamp: t0, step: 2 },
      ],
    });
    const values: unknown[] = (await collect(api().getHistory({ run_id, metric_key: 'odd' }))).map((m) => m.value);
    expect(values).toEqual(['NaN', 'Infinity', '-Infinity']);
  });

  it('pages through searchRuns with a filter and an order', async () => {
    const experimentId = await newExperiment('sdk-search-runs');
    const runIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const run_id = await newRun(experimentId, { run_name: `r${i}`, start_time: t0 + i });
      runIds.push(run_id);
      await api().logBatch({ run_id, metrics: [{ key: 'm', value: i, timestamp: t0, step: 0 }], params: [{ key: 'parity', value: i % 2 ? 'odd' : 'even' }] });
    }
    const log = requestLog();
    const found = await collect(
      api().searchRuns({ experiment_ids: [experimentId], filter: 'metrics.m >= 3', order_by: ['metrics.m DESC'], max_results: 4 }, log.context),
    );
    expect(found.map((r) => r.info?.run_id)).toEqual(runIds.slice(3).reverse());
    expect(found[0].data?.metrics).toEqual([{ key: 'm', value: 11, timestamp: t0, step: 0 }]);
    // 4 + 4 + 1, and no request after the last page.
    expect(log.urls).toHaveLength(3);
    const all = await collect(api().searchRuns({ experiment_ids: [experimentId], max_results: 4 }));
    expect(all.map((r) => r.info?.run_id).sort()).toEqual([...runIds].sort());
    // Without an order MLflow sorts by start_time DESC (then run_id).
    expect(all.map((r) => r.info?.run_name)).toEqual(runIds.map((_, i) => `r${i}`).reverse());

    const even = await collect(
      api().searchRuns({ experiment_ids: [experimentId], filter: "params.parity = 'even' AND attributes.run_name LIKE 'r1%'" }),
    );
    expect(even.map((r) => r.info?.run_name)).toEqual(['r10']);

    const bad = await sdkFailure(collect(api().searchRuns({ experiment_ids: [experimentId], filter: 'metrics.m >>> 3' })));
    expect(bad).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('logs dataset inputs and finds runs by dataset', async () => {
    const experimentId = await newExperiment('sdk-inputs');
    const run_id = await newRun(experimentId);
    await newRun(experimentId);
    const dataset = {
      name: 'pima',
      digest: 'a1b2c3d4',
      source_type: 'local',
      source: '{"uri": "file:///data/pima_diabetes.csv"}',
      schema: '{"mlflow_colspec": [{"type": "double", "name": "Glucose"}]}',
      profile: '{"num_rows": 768}',
    };
    await api().logInputs({ run_id, datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
    const inputs = (await api().getRun({ run_id })).run?.inputs;
    expect(inputs?.dataset_inputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);

    const found = await collect(api().searchRuns({ experiment_ids: [experimentId], filter: "datasets.name = 'pima'" }));
    expect(found.map((r) => r.info?.run_id)).toEqual([run_id]);
  });

  it('records logModel calls in the mlflow.log-model.history tag', async () => {
    const run_id = await newRun(await newExperiment('sdk-log-model'));
    const model = { artifact_path: 'model', flavors: { onnx: { onnx_version: '1.17.0', data: 'model.onnx' } }, run_id };
    await api().logModel({ run_id, model_json: JSON.stringify(model) });
    await api().logModel({ run_id, model_json: JSON.stringify({ ...model, artifact_path: 'model-2' }) });
    const tag = (await api().getRun({ run_id })).run?.data?.tags?.find((t) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(tag?.value ?? '[]')).toEqual([model, { ...model, artifact_path: 'model-2' }]);
    expect(await sdkFailure(api().logModel({ run_id, model_json: 'not json' }))).toMatchObject({
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('deletes and restores a run, and searchRuns honours run_view_type', async () => {
    const experimentId = await newExperiment('sdk-run-lifecycle');
    const keep = await newRun(experimentId);
    const gone = await newRun(experimentId);
    const inView = async (run_view_type: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
      (await collect(api().searchRuns({ experiment_ids: [experimentId], run_view_type }))).map((r) => r.info?.run_id).sort();
    await api().deleteRun({ run_id: gone });
    expect((await api().getRun({ run_id: gone })).run?.info?.lifecycle_stage).toBe('deleted');
    expect(await inView('ACTIVE_ONLY')).toEqual([keep]);
    expect(await inView('DELETED_ONLY')).toEqual([gone]);
    expect(await inView('ALL')).toEqual([keep, gone].sort());
    // A deleted run takes no more writes.
    expect(await sdkFailure(api().logMetric({ run_id: gone, key: 'm', value: 1, timestamp: t0 }))).toMatchObject({
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await api().restoreRun({ run_id: gone });
    expect((await api().getRun({ run_id: gone })).run?.info?.lifecycle_stage).toBe('active');
    expect(await inView('ACTIVE_ONLY')).toEqual([keep, gone].sort());
  });

  it('lists run artifacts with listArtifacts', async () => {
    const experimentId = await newExperiment('sdk-artifacts');
    const run_id = await newRun(experimentId);
    expect(await collect(api().listArtifacts({ run_id }))).toEqual([]);
    const body = '{"a": 1}\n';
    const put = await fetch(`${ctx.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${run_id}/artifacts/eval/report.json`, {
      method: 'PUT',
      body,
    });
    expect(put.status).toBe(200);
    expect(await collect(api().listArtifacts({ run_id }))).toEqual([{ path: 'eval', is_dir: true }]);
    expect(await collect(api().listArtifacts({ run_id, path: 'eval' }))).toEqual([
      { path: 'eval/report.json', is_dir: false, file_size: Buffer.byteLength(body) },
    ]);
  });
});
