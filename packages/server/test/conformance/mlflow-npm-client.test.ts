import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';
import { clientFailure, ExperimentTagCalls, MLflow, RunStatus, ViewType } from './mlflow-npm-client.js';
import type { MLflowClient, MlflowViewType } from './mlflow-npm-client.js';

/**
 * Conformance with the npm package `mlflow@2.0.7` (github.com/Yuhsak/mlflow), a REST client
 * nobody here wrote, over a real port. It offers: experiments create/get/list/update/delete/
 * restore/setExperimentTag, runs create/get/update/delete/restore/logMetric/logParameter/logBatch/
 * setTag/deleteTag/search, metrics getHistory and artifacts list. It has no get-by-name,
 * experiment search, run names or log-inputs; those are driven through the Databricks SDK suite.
 */
describeEachServer('mlflow npm client', (ctx) => {
  let client: MLflowClient;
  let logSpy: MockInstance;
  const t0 = 1_700_000_000_000;

  beforeAll(() => {
    // The client console.log()s every POST body; keep the test output readable.
    logSpy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    client = new MLflow({ endpoint: ctx.server.url });
  });
  afterAll(() => logSpy.mockRestore());

  const newExperiment = async (name: string): Promise<string> => {
    const { experiment_id } = await client.Experiments.create({ name, artifact_location: undefined as unknown as string });
    return experiment_id;
  };
  const newRun = async (experimentId: string, extra: { tags?: unknown; start_time?: number } = {}) =>
    (await client.Runs.create({ experiment_id: experimentId, user_id: 'ana', start_time: extra.start_time ?? t0, tags: extra.tags })).run;

  it('gets the Default experiment with id 0', async () => {
    const { experiment } = await client.Experiments.get({ experiment_id: '0' });
    expect(experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
    expect(typeof experiment.artifact_location).toBe('string');
  });

  it('creates an experiment and gets it back with MLflow fields', async () => {
    const id = await newExperiment('npm-create');
    expect(id).toMatch(/^\d+$/);
    const { experiment } = await client.Experiments.get({ experiment_id: id });
    expect(experiment).toMatchObject({ experiment_id: id, name: 'npm-create', lifecycle_stage: 'active' });
    expect(experiment.artifact_location).toBe(`mlflow-artifacts:/${id}`);
    expect(experiment.creation_time).toEqual(expect.any(Number));
    expect(experiment.last_update_time).toBeGreaterThanOrEqual(experiment.creation_time);
  });

  it('keeps an explicit artifact location', async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'npm-located', artifact_location: 's3://bucket/npm-located' });
    const { experiment } = await client.Experiments.get({ experiment_id });
    expect(experiment.artifact_location).toBe('s3://bucket/npm-located');
  });

  it('refuses a duplicate experiment name and an unknown experiment id as MLflow does', async () => {
    await newExperiment('npm-dup');
    const dup = await clientFailure(client.Experiments.create({ name: 'npm-dup', artifact_location: undefined as unknown as string }));
    expect(dup.status).toBe(400);
    expect(dup.data).toMatchObject({ error_code: 'RESOURCE_ALREADY_EXISTS' });
    expect(dup.data.message).toContain('npm-dup');
    const missing = await clientFailure(client.Experiments.get({ experiment_id: '987654' }));
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('renames, deletes and restores an experiment', async () => {
    const id = await newExperiment('npm-before');
    await client.Experiments.update({ experiment_id: id, new_name: 'npm-after' });
    expect((await client.Experiments.get({ experiment_id: id })).experiment.name).toBe('npm-after');
    await client.Experiments.delete({ experiment_id: id });
    expect((await client.Experiments.get({ experiment_id: id })).experiment.lifecycle_stage).toBe('deleted');
    await client.Experiments.restore({ experiment_id: id });
    expect((await client.Experiments.get({ experiment_id: id })).experiment.lifecycle_stage).toBe('active');
  });

  it('answers ENDPOINT_NOT_FOUND to experiments/list, which MLflow 2.0 removed', async () => {
    const failure = await clientFailure(client.Experiments.list({ view_type: ViewType.ALL }));
    expect(failure.status).toBe(404);
    expect(failure.data).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('sets experiment tags (the client method has a URL bug; its transport does not)', async () => {
    const id = await newExperiment('npm-tagged');
    // setExperimentTag itself posts to /api/2.0/mlflow/experimentsset-experiment-tag.
    const broken = await clientFailure(client.Experiments.setExperimentTag({ experiment_id: id, key: 'k', value: 'v' }));
    expect(broken.status).toBe(404);
    expect(broken.data).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });

    const calls = new ExperimentTagCalls(ctx.server.url);
    await calls.setExperimentTag({ experiment_id: id, key: 'team', value: 'fraud' });
    await calls.setExperimentTag({ experiment_id: id, key: 'team', value: 'risk' });
    const { experiment } = await client.Experiments.get({ experiment_id: id });
    expect(experiment.tags).toEqual([{ key: 'team', value: 'risk' }]);
  });

  it('creates a run with user, start time and tags, and gets it back', async () => {
    const experimentId = await newExperiment('npm-runs');
    const run = await newRun(experimentId, { tags: [{ key: 'origin', value: 'npm' }] });
    expect(run.info).toMatchObject({
      experiment_id: experimentId,
      user_id: 'ana',
      status: 'RUNNING',
      start_time: t0,
      lifecycle_stage: 'active',
    });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.info.run_id}/artifacts`);
    expect(run.data.tags).toContainEqual({ key: 'origin', value: 'npm' });
    const got = await client.Runs.get({ run_id: run.info.run_id });
    expect(got.run.info).toEqual(run.info);
    expect(got.run.data.tags).toEqual(expect.arrayContaining(run.data.tags));
  });

  it('updates a run status and end time', async () => {
    const run = await newRun(await newExperiment('npm-update'));
    const { run_info } = await client.Runs.update({ run_id: run.info.run_id, status: RunStatus.FINISHED, end_time: t0 + 500 });
    expect(run_info).toMatchObject({ run_id: run.info.run_id, status: 'FINISHED', end_time: t0 + 500 });
    expect((await client.Runs.get({ run_id: run.info.run_id })).run.info).toMatchObject({ status: 'FINISHED', end_time: t0 + 500 });
  });

  it('logs metrics, params and tags one by one and in a batch, and deletes a tag', async () => {
    const run = await newRun(await newExperiment('npm-logging'));
    const run_id = run.info.run_id;
    await client.Runs.logMetric({ run_id, key: 'loss', value: 0.9, timestamp: t0 + 1, step: 0 });
    await client.Runs.logMetric({ run_id, key: 'loss', value: 0.4, timestamp: t0 + 2, step: 1 });
    // No step: MLflow stores step 0.
    await client.Runs.logMetric({ run_id, key: 'lr', value: 0.01, timestamp: t0 + 3 });
    await client.Runs.logParameter({ run_id, key: 'alpha', value: '0.5' });
    await client.Runs.setTag({ run_id, key: 'phase', value: 'train' });
    await client.Runs.logBatch({
      run_id,
      metrics: [
        { key: 'acc', value: 0.7, timestamp: t0 + 4, step: 0 },
        { key: 'acc', value: 0.8, timestamp: t0 + 5, step: 1 },
      ],
      params: [{ key: 'depth', value: '6' }],
      tags: [{ key: 'phase', value: 'eval' }],
    });

    const { run: got } = await client.Runs.get({ run_id });
    const byKey = new Map(got.data.metrics.map((m) => [m.key, m]));
    expect(byKey.get('loss')).toMatchObject({ value: 0.4, timestamp: t0 + 2, step: 1 });
    expect(byKey.get('lr')).toMatchObject({ value: 0.01, timestamp: t0 + 3, step: 0 });
    expect(byKey.get('acc')).toMatchObject({ value: 0.8, timestamp: t0 + 5, step: 1 });
    expect(got.data.params).toEqual(expect.arrayContaining([{ key: 'alpha', value: '0.5' }, { key: 'depth', value: '6' }]));
    expect(got.data.params).toHaveLength(2);
    expect(got.data.tags).toContainEqual({ key: 'phase', value: 'eval' });

    await client.Runs.deleteTag({ run_id, key: 'phase' });
    const after = (await client.Runs.get({ run_id })).run;
    expect(after.data.tags.map((t) => t.key)).not.toContain('phase');
  });

  it('refuses to change a logged param and to log to an unknown run', async () => {
    const run_id = (await newRun(await newExperiment('npm-param-conflict'))).info.run_id;
    await client.Runs.logParameter({ run_id, key: 'p', value: 'one' });
    await client.Runs.logParameter({ run_id, key: 'p', value: 'one' });
    const changed = await clientFailure(client.Runs.logParameter({ run_id, key: 'p', value: 'two' }));
    expect(changed.status).toBe(400);
    expect(changed.data).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const unknown = await clientFailure(client.Runs.logMetric({ run_id: 'f'.repeat(32), key: 'm', value: 1, timestamp: t0 }));
    expect(unknown.status).toBe(404);
    expect(unknown.data).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('returns a metric history in step order', async () => {
    const run_id = (await newRun(await newExperiment('npm-history'))).info.run_id;
    for (let step = 0; step < 5; step++) {
      await client.Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step });
    }
    const history = (await client.Metrics.getHistory({ run_id, metric_key: 'loss' })) as {
      metrics: Array<{ key: string; value: number; timestamp: number; step: number }>;
    };
    expect(history.metrics.map((m) => [m.step, m.value, m.timestamp])).toEqual([
      [0, 1, t0],
      [1, 0.5, t0 + 1],
      [2, 1 / 3, t0 + 2],
      [3, 0.25, t0 + 3],
      [4, 0.2, t0 + 4],
    ]);
    expect(history.metrics.every((m) => m.key === 'loss')).toBe(true);
  });

  it('deletes and restores a run, and search honours run_view_type', async () => {
    const experimentId = await newExperiment('npm-lifecycle');
    const keep = (await newRun(experimentId)).info.run_id;
    const gone = (await newRun(experimentId)).info.run_id;
    await client.Runs.delete({ run_id: gone });
    expect((await client.Runs.get({ run_id: gone })).run.info.lifecycle_stage).toBe('deleted');

    const ids = async (run_view_type: MlflowViewType) =>
      ((await client.Runs.search({ experiment_ids: [experimentId], run_view_type })).runs ?? []).map((r) => r.info.run_id).sort();
    expect(await ids(ViewType.ACTIVE_ONLY)).toEqual([keep]);
    expect(await ids(ViewType.DELETED_ONLY)).toEqual([gone]);
    expect(await ids(ViewType.ALL)).toEqual([keep, gone].sort());

    await client.Runs.restore({ run_id: gone });
    expect((await client.Runs.get({ run_id: gone })).run.info.lifecycle_stage).toBe('active');
    expect(await ids(ViewType.ACTIVE_ONLY)).toEqual([keep, gone].sort());
  });

  it('searches runs with a filter, an order and page tokens', async () => {
    const experimentId = await newExperiment('npm-search');
    const accuracies = [0.91, 0.42, 0.77, 0.65, 0.88, 0.3];
    const runIdByAcc = new Map<number, string>();
    for (const [i, acc] of accuracies.entries()) {
      const run_id = (await newRun(experimentId, { start_time: t0 + i })).info.run_id;
      runIdByAcc.set(acc, run_id);
      await client.Runs.logBatch({ run_id, metrics: [{ key: 'acc', value: acc, timestamp: t0, step: 0 }], params: [{ key: 'i', value: String(i) }] });
    }
    const expected = accuracies.filter((a) => a > 0.5).sort((a, b) => b - a).map((a) => runIdByAcc.get(a));

    const seen: string[] = [];
    let page_token: string | undefined;
    let pages = 0;
    do {
      const page = await client.Runs.search({
        experiment_ids: [experimentId],
        filter: 'metrics.acc > 0.5',
        order_by: ['metrics.acc DESC'],
        max_results: 2,
        ...(page_token ? { page_token } : {}),
      });
      seen.push(...(page.runs ?? []).map((r) => r.info.run_id));
      page_token = page.next_page_token;
      pages++;
    } while (page_token && pages < 10);
    expect(seen).toEqual(expected);
    expect(pages).toBe(2);

    const byParam = await client.Runs.search({ experiment_ids: [experimentId], filter: "params.i = '2'" });
    expect(byParam.runs.map((r) => r.info.run_id)).toEqual([runIdByAcc.get(0.77)]);
    expect(byParam.next_page_token).toBeUndefined();

    const malformed = await clientFailure(client.Runs.search({ experiment_ids: [experimentId], filter: 'metrics.acc >> 1' }));
    expect(malformed.status).toBe(400);
    expect(malformed.data).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it('lists run artifacts uploaded through the artifact proxy', async () => {
    const experimentId = await newExperiment('npm-artifacts');
    const run = await newRun(experimentId);
    const run_id = run.info.run_id;
    const empty = (await client.Artifacts.list({ run_id, path: undefined as unknown as string })) as { root_uri: string; files?: unknown };
    expect(empty.root_uri).toBe(run.info.artifact_uri);
    expect(empty.files).toBeUndefined();

    const relative = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const body = 'hello artifacts\n';
    const put = await fetch(`${ctx.server.url}/api/2.0/mlflow-artifacts/artifacts/${relative}/model/notes.txt`, { method: 'PUT', body });
    expect(put.status).toBe(200);

    // The client's typings say `files: FileInfo` (one object); MLflow sends a list.
    const top: unknown = await client.Artifacts.list({ run_id, path: undefined as unknown as string });
    expect(top).toEqual({ root_uri: run.info.artifact_uri, files: [{ path: 'model', is_dir: true }] });
    const inner: unknown = await client.Artifacts.list({ run_id, path: 'model' });
    expect((inner as { files: unknown }).files).toEqual([{ path: 'model/notes.txt', is_dir: false, file_size: Buffer.byteLength(body) }]);
  });
});
