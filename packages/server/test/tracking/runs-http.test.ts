import { beforeAll, expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

describeEachServer('runs over MLflow REST', (ctx) => {
  let experimentId = '';
  beforeAll(async () => {
    experimentId = (await ctx.http.ok('/experiments/create', { name: 'runs-suite' })).experiment_id;
  });

  const newRun = async (body: Record<string, unknown> = {}) =>
    (await ctx.http.ok('/runs/create', { experiment_id: experimentId, start_time: 1000, ...body })).run;

  it('creates a run with name, user, start time and tags, and gets it back', async () => {
    const run = await newRun({ run_name: 'first', user_id: 'ana', tags: [{ key: 't', value: 'v' }] });
    expect(run.info).toMatchObject({
      run_name: 'first',
      experiment_id: experimentId,
      user_id: 'ana',
      status: 'RUNNING',
      start_time: 1000,
      lifecycle_stage: 'active',
    });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.info.run_id}/artifacts`);
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 't', value: 'v' }, { key: 'mlflow.runName', value: 'first' }]));
    const got = (await ctx.http.okGet('/runs/get', { run_id: run.info.run_id })).run;
    expect(got.info).toEqual(run.info);
  });

  it('generates a run name when none is given and refuses a conflicting runName tag', async () => {
    const run = await newRun();
    expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const conflict = await ctx.http.post('/runs/create', { experiment_id: experimentId, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] });
    expect(conflict.status).toBe(400);
    expect(conflict.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('refuses a run in a missing or deleted experiment and stores nothing', async () => {
    for (const experiment_id of ['987654', 'not-a-number']) {
      const missing = await ctx.http.post('/runs/create', { experiment_id, run_name: 'orphan' });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No Experiment with id=${experiment_id} exists` });
    }
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'runs-suite-deleted' });
    await ctx.http.ok('/experiments/delete', { experiment_id });
    const deleted = await ctx.http.post('/runs/create', { experiment_id, run_name: 'late' });
    expect(deleted.status).toBe(400);
    expect(deleted.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `The experiment ${experiment_id} must be in the 'active' state. Current state is deleted.`,
    });
    const stored = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id], run_view_type: 'ALL' });
    expect(stored.runs ?? []).toEqual([]);
  });

  it('updates status, end time and name', async () => {
    const run = await newRun({ run_name: 'before' });
    const { run_info } = await ctx.http.ok('/runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: 5000, run_name: 'after' });
    expect(run_info).toMatchObject({ status: 'FINISHED', end_time: 5000, run_name: 'after' });
    const got = (await ctx.http.okGet('/runs/get', { run_id: run.info.run_id })).run;
    expect(got.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'after' });
    const bad = await ctx.http.post('/runs/update', { run_id: run.info.run_id, status: 'DONE' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("'status'");
  });

  it('logs metrics, params and tags one by one and in a batch', async () => {
    const run = await newRun();
    const run_id = run.info.run_id;
    await ctx.http.ok('/runs/log-metric', { run_id, key: 'loss', value: 0.5, timestamp: 10, step: 1 });
    await ctx.http.ok('/runs/log-metric', { run_id, key: 'loss', value: 0.25, timestamp: 20, step: 2 });
    await ctx.http.ok('/runs/log-metric', { run_id, key: 'odd', value: 'NaN', timestamp: 20 });
    await ctx.http.ok('/runs/log-parameter', { run_id, key: 'alpha', value: '0.1' });
    await ctx.http.ok('/runs/set-tag', { run_id, key: 'stage', value: 'dev' });
    await ctx.http.ok('/runs/log-batch', {
      run_id,
      metrics: [
        { key: 'acc', value: 0.9, timestamp: 30, step: 0 },
        { key: 'acc', value: 0.95, timestamp: 31, step: 1 },
      ],
      params: [{ key: 'depth', value: '6' }, { key: 'alpha', value: '0.1' }],
      tags: [{ key: 'stage', value: 'prod' }],
    });
    const got = (await ctx.http.okGet('/runs/get', { run_id })).run;
    expect(got.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 0.25, timestamp: 20, step: 2 },
        { key: 'acc', value: 0.95, timestamp: 31, step: 1 },
        { key: 'odd', value: 'NaN', timestamp: 20, step: 0 },
      ]),
    );
    expect(got.data.params).toEqual([{ key: 'alpha', value: '0.1' }, { key: 'depth', value: '6' }]);
    expect(got.data.tags).toContainEqual({ key: 'stage', value: 'prod' });

    await ctx.http.ok('/runs/delete-tag', { run_id, key: 'stage' });
    const after = (await ctx.http.okGet('/runs/get', { run_id })).run;
    expect(after.data.tags.find((t: { key: string }) => t.key === 'stage')).toBeUndefined();
  });

  it('refuses to change a param and keeps everything logged before', async () => {
    const run_id = (await newRun()).info.run_id;
    await ctx.http.ok('/runs/log-parameter', { run_id, key: 'lr', value: '0.1' });
    const changed = await ctx.http.post('/runs/log-parameter', { run_id, key: 'lr', value: '0.2' });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.body.message).toContain("Changing param values is not allowed. Param with key='lr'");
    // A batch with a conflicting param is refused whole: its metric is not stored either.
    const batch = await ctx.http.post('/runs/log-batch', {
      run_id,
      metrics: [{ key: 'm', value: 1, timestamp: 1 }],
      params: [{ key: 'lr', value: '0.3' }],
    });
    expect(batch.status).toBe(400);
    const got = (await ctx.http.okGet('/runs/get', { run_id })).run;
    expect(got.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(got.data.metrics).toBeUndefined();
  });

  it("enforces MLflow's log-batch limits and name rules", async () => {
    const run_id = (await newRun()).info.run_id;
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
    const tooMany = await ctx.http.post('/runs/log-batch', { run_id, metrics });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 1000 metrics');
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect((await ctx.http.post('/runs/log-batch', { run_id, params })).body.message).toContain('at most 100 params');
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    expect((await ctx.http.post('/runs/log-batch', { run_id, tags })).body.message).toContain('at most 100 tags');
    const longValue = await ctx.http.post('/runs/log-parameter', { run_id, key: 'big', value: 'x'.repeat(6001) });
    expect(longValue.status).toBe(400);
    expect(longValue.body.message).toContain('6000');
    expect((await ctx.http.post('/runs/log-parameter', { run_id, key: 'ok', value: 'x'.repeat(6000) })).status).toBe(200);
    const badKey = await ctx.http.post('/runs/log-metric', { run_id, key: '../escape', value: 1, timestamp: 1 });
    expect(badKey.status).toBe(400);
    expect(badKey.body.message).toContain('Invalid metric name');
    const noTimestamp = await ctx.http.post('/runs/log-metric', { run_id, key: 'm', value: 1 });
    expect(noTimestamp.status).toBe(400);
    expect(noTimestamp.body.message).toContain("'timestamp'");
    // exactly 1000 metrics is fine
    const exact = metrics.slice(0, 1000);
    expect((await ctx.http.post('/runs/log-batch', { run_id, metrics: exact })).status).toBe(200);
  });

  it('deletes and restores a run; a deleted run refuses writes', async () => {
    const run_id = (await newRun()).info.run_id;
    await ctx.http.ok('/runs/delete', { run_id });
    expect((await ctx.http.okGet('/runs/get', { run_id })).run.info.lifecycle_stage).toBe('deleted');
    const write = await ctx.http.post('/runs/log-metric', { run_id, key: 'm', value: 1, timestamp: 1 });
    expect(write.status).toBe(400);
    expect(write.body.message).toContain("must be in the 'active' state");
    await ctx.http.ok('/runs/restore', { run_id });
    expect((await ctx.http.okGet('/runs/get', { run_id })).run.info.lifecycle_stage).toBe('active');
    const missing = await ctx.http.get('/runs/get', { run_id: 'f'.repeat(32) });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('logs dataset inputs with digest, source, schema and context tag, and model outputs', async () => {
    const run_id = (await newRun()).info.run_id;
    const dataset = { name: 'pima', digest: 'abc123', source_type: 'local', source: '{"uri":"data/pima.csv"}', schema: '{"mlflow_colspec":[]}' };
    await ctx.http.ok('/runs/log-inputs', { run_id, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }] });
    await ctx.http.ok('/runs/log-inputs', { run_id, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }] });
    await ctx.http.ok('/runs/outputs', { run_id, models: [{ model_id: 'm-0123', step: 3 }] });
    const got = (await ctx.http.okGet('/runs/get', { run_id })).run;
    expect(got.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);
    expect(got.outputs.model_outputs).toEqual([{ model_id: 'm-0123', step: 3 }]);
    const found = await ctx.http.ok('/runs/search', { experiment_ids: [experimentId], filter: "datasets.context = 'training'" });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run_id]);
  });

  it('records MLflow 2 log-model calls in the history tag', async () => {
    const run_id = (await newRun()).info.run_id;
    await ctx.http.ok('/runs/log-model', { run_id, model_json: JSON.stringify({ artifact_path: 'model', flavors: { onnx: {} } }) });
    await ctx.http.ok('/runs/log-model', { run_id, model_json: JSON.stringify({ artifact_path: 'model2', flavors: {} }) });
    const got = (await ctx.http.okGet('/runs/get', { run_id })).run;
    const history = JSON.parse(got.data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history').value);
    expect(history.map((h: { artifact_path: string }) => h.artifact_path)).toEqual(['model', 'model2']);
    expect((await ctx.http.post('/runs/log-model', { run_id, model_json: '{nope' })).status).toBe(400);
  });

  it('searches runs by metric, param, tag and attribute with order and pages', async () => {
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'runs-search' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = (await ctx.http.ok('/runs/create', { experiment_id, start_time: 100 + i, run_name: `r${i}` })).run;
      ids.push(run.info.run_id);
      await ctx.http.ok('/runs/log-batch', {
        run_id: run.info.run_id,
        metrics: [{ key: 'auc', value: 0.5 + i / 10, timestamp: 1 }],
        params: [{ key: 'model', value: i % 2 ? 'rf' : 'gbt' }],
        tags: [{ key: 'parity', value: i % 2 ? 'odd' : 'even' }],
      });
    }
    const top = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id], filter: 'metrics.auc > 0.65', order_by: ['metrics.auc DESC'], max_results: 2 });
    expect(top.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['r4', 'r3']);
    const next = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id], filter: 'metrics.auc > 0.65', order_by: ['metrics.auc DESC'], max_results: 2, page_token: top.next_page_token });
    expect(next.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['r2']);
    const rf = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id], filter: "params.model = 'rf' and tags.parity = 'odd'" });
    expect(rf.runs.map((r: { info: { run_name: string } }) => r.info.run_name).sort()).toEqual(['r1', 'r3']);
    const byName = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id], filter: "attributes.run_name = 'r0'" });
    expect(byName.runs).toHaveLength(1);
    const defaultOrder = await ctx.http.ok('/runs/search', { experiment_ids: [experiment_id] });
    expect(defaultOrder.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    const bad = await ctx.http.post('/runs/search', { experiment_ids: [experiment_id], filter: 'metrics.auc >> 1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
