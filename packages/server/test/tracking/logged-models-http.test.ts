import { beforeAll, expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

describeEachServer('logged models over MLflow REST', (ctx) => {
  let experimentId = '';
  let runId = '';
  beforeAll(async () => {
    experimentId = (await ctx.http.ok('/experiments/create', { name: 'logged-models-suite' })).experiment_id;
    runId = (await ctx.http.ok('/runs/create', { experiment_id: experimentId })).run.info.run_id;
  });

  const create = async (body: Record<string, unknown> = {}) => (await ctx.http.ok('/logged-models', { experiment_id: experimentId, ...body })).model;
  const get = (modelId: string) => ctx.http.get(`/logged-models/${modelId}`);
  const patch = (path: string, body: unknown) => ctx.http.send('PATCH', path, JSON.stringify(body));
  const del = (path: string) => ctx.http.send('DELETE', path);

  it('walks a model through create, tags, params, metrics, finalize, get, delete', async () => {
    const model = await create({
      name: 'diabetes-ridge',
      model_type: 'Regressor',
      source_run_id: runId,
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'team', value: 'ml' }],
    });
    const id: string = model.info.model_id;
    expect(id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info).toMatchObject({
      experiment_id: experimentId,
      name: 'diabetes-ridge',
      artifact_uri: `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`,
      status: 'LOGGED_MODEL_PENDING',
      model_type: 'Regressor',
      source_run_id: runId,
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(model.info.creation_timestamp_ms).toBeTypeOf('number');
    expect(model.info.last_updated_timestamp_ms).toBe(model.info.creation_timestamp_ms);
    expect(model.data).toEqual({ params: [{ key: 'alpha', value: '0.5' }] });

    const tagged = await patch(`/logged-models/${id}/tags`, { tags: [{ key: 'team', value: 'platform' }, { key: 'stage', value: 'dev' }] });
    expect(tagged.status).toBe(200);
    expect(tagged.body.model.info.tags).toEqual([
      { key: 'stage', value: 'dev' },
      { key: 'team', value: 'platform' },
    ]);
    expect((await del(`/logged-models/${id}/tags/stage`)).status).toBe(200);
    const missingTag = await del(`/logged-models/${id}/tags/stage`);
    expect(missingTag.status).toBe(404);
    expect(missingTag.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    expect(await ctx.http.ok(`/logged-models/${id}/params`, { params: [{ key: 'solver', value: 'cholesky' }, { key: 'alpha', value: '0.5' }] })).toEqual({});
    const changed = await ctx.http.post(`/logged-models/${id}/params`, { params: [{ key: 'alpha', value: '0.7' }] });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.body.message).toContain('alpha');

    // A run attributes a metric to the model (MLflow 3 log-metric with model_id and dataset).
    await ctx.http.ok('/runs/log-metric', { run_id: runId, key: 'rmse', value: 52.5, timestamp: 77, step: 3, model_id: id, dataset_name: 'holdout', dataset_digest: 'abc' });

    const finalized = await patch(`/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' });
    expect(finalized.status).toBe(200);
    expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY');

    const got = await get(id);
    expect(got.status).toBe(200);
    expect(got.body.model.info).toMatchObject({ model_id: id, status: 'LOGGED_MODEL_READY', tags: [{ key: 'team', value: 'platform' }] });
    expect(got.body.model.info.last_updated_timestamp_ms).toBeGreaterThanOrEqual(model.info.creation_timestamp_ms);
    expect(got.body.model.data.params).toEqual([
      { key: 'alpha', value: '0.5' },
      { key: 'solver', value: 'cholesky' },
    ]);
    expect(got.body.model.data.metrics).toEqual([
      { key: 'rmse', value: 52.5, timestamp: 77, step: 3, run_id: runId, model_id: id, dataset_name: 'holdout', dataset_digest: 'abc' },
    ]);

    expect((await del(`/logged-models/${id}`)).status).toBe(200);
    const gone = await get(id);
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(gone.body.message).toContain(id);
    expect((await del(`/logged-models/${id}`)).status).toBe(404);
    expect((await patch(`/logged-models/${id}/tags`, { tags: [{ key: 'a', value: 'b' }] })).status).toBe(404);
  });

  it('generates a name when none is given, and serves the ajax-api prefix too', async () => {
    const model = await create();
    expect(model.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(model.data).toEqual({});
    expect(model.info.tags).toBeUndefined();
    const res = await ctx.server.app.inject({ method: 'GET', url: `/ajax-api/2.0/mlflow/logged-models/${model.info.model_id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().model.info.model_id).toBe(model.info.model_id);
  });

  it('finalizes as UPLOAD_FAILED, and accepts the status by enum number', async () => {
    const a = await create();
    const failed = await patch(`/logged-models/${a.info.model_id}`, { status: 'LOGGED_MODEL_UPLOAD_FAILED' });
    expect(failed.body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    const b = await create();
    const ready = await patch(`/logged-models/${b.info.model_id}`, { status: 2 });
    expect(ready.body.model.info.status).toBe('LOGGED_MODEL_READY');
  });

  it('searches with filter, order and pagination, leaving deleted models out', async () => {
    const exp = (await ctx.http.ok('/experiments/create', { name: 'logged-models-search' })).experiment_id;
    const ids: string[] = [];
    for (const [i, alpha] of ['0.1', '0.2', '0.1', '0.3', '0.1'].entries()) {
      const m = (await ctx.http.ok('/logged-models', { experiment_id: exp, name: `cand-${i}`, params: [{ key: 'alpha', value: alpha }] })).model;
      ids.push(m.info.model_id);
    }
    await patch(`/logged-models/${ids[0]}`, { status: 'LOGGED_MODEL_READY' });
    await patch(`/logged-models/${ids[2]}`, { status: 'LOGGED_MODEL_READY' });
    await del(`/logged-models/${ids[4]}`);

    const byName = (await ctx.http.ok('/logged-models/search', { experiment_ids: [exp], order_by: [{ field_name: 'name', ascending: true }] })).models;
    expect(byName.map((m: { info: { name: string } }) => m.info.name)).toEqual(['cand-0', 'cand-1', 'cand-2', 'cand-3']);

    const filtered = await ctx.http.ok('/logged-models/search', {
      experiment_ids: [exp],
      filter: "params.alpha = '0.1' AND status = 'LOGGED_MODEL_READY'",
      order_by: [{ field_name: 'name', ascending: false }],
    });
    expect(filtered.models.map((m: { info: { model_id: string } }) => m.info.model_id)).toEqual([ids[2], ids[0]]);
    expect(filtered.next_page_token).toBeUndefined();

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.http.ok('/logged-models/search', {
        experiment_ids: [exp],
        order_by: [{ field_name: 'name' }],
        max_results: 3,
        ...(token ? { page_token: token } : {}),
      });
      seen.push(...page.models.map((m: { info: { name: string } }) => m.info.name));
      token = page.next_page_token;
      pages += 1;
    } while (token && pages < 5);
    expect(pages).toBe(2);
    expect(seen).toEqual(['cand-0', 'cand-1', 'cand-2', 'cand-3']);

    const none = await ctx.http.ok('/logged-models/search', { experiment_ids: [exp], filter: "name = 'nope'" });
    expect(none).toEqual({});
  });

  it('lists and downloads the files uploaded to a model artifact folder', async () => {
    const model = await create({ name: 'with-files' });
    const id = model.info.model_id;
    const base = `${ctx.server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${id}/artifacts`;
    for (const [path, body] of [
      ['MLmodel', 'flavors:\n  onnx: {}\n'],
      ['data/model.onnx', 'onnx-bytes'],
    ] as const) {
      const put = await fetch(`${base}/${path}`, { method: 'PUT', body });
      expect(put.status).toBe(200);
    }
    const root = await ctx.http.okGet(`/logged-models/${id}/artifacts/directories`);
    expect(root.root_uri).toBe(model.info.artifact_uri);
    expect(root.files).toEqual(
      expect.arrayContaining([
        { path: 'MLmodel', is_dir: false, file_size: 20 },
        { path: 'data', is_dir: true },
      ]),
    );
    const sub = await ctx.http.okGet(`/logged-models/${id}/artifacts/directories`, { artifact_directory_path: 'data' });
    expect(sub.files).toEqual([{ path: 'data/model.onnx', is_dir: false, file_size: 10 }]);

    const file = await fetch(`${ctx.server.url}/api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=MLmodel`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('flavors:\n  onnx: {}\n');
    const escape = await ctx.http.get(`/logged-models/${id}/artifacts/directories`, { artifact_directory_path: '../../..' });
    expect(escape.status).toBe(400);
  });

  it('rejects bad input with MLflow error codes', async () => {
    const noExperiment = await ctx.http.post('/logged-models', { experiment_id: '987654' });
    expect(noExperiment.status).toBe(404);
    expect(noExperiment.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(noExperiment.body.message).toContain('987654');

    const missingExperiment = await ctx.http.post('/logged-models', { name: 'x' });
    expect(missingExperiment.status).toBe(400);
    expect(missingExperiment.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(missingExperiment.body.message).toContain("'experiment_id'");

    const badName = await ctx.http.post('/logged-models', { experiment_id: experimentId, name: 'a/b' });
    expect(badName.status).toBe(400);
    expect(badName.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const badRun = await ctx.http.post('/logged-models', { experiment_id: experimentId, source_run_id: 'f'.repeat(32) });
    expect(badRun.status).toBe(404);
    expect(badRun.body.message).toContain('source_run_id');

    const model = await create();
    const id = model.info.model_id;
    const badStatus = await patch(`/logged-models/${id}`, { status: 'DONE' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(badStatus.body.message).toContain("'status'");
    const pending = await patch(`/logged-models/${id}`, { status: 'LOGGED_MODEL_PENDING' });
    expect(pending.status).toBe(400);
    expect(pending.body.message).toContain('LOGGED_MODEL_READY');
    const noStatus = await patch(`/logged-models/${id}`, {});
    expect(noStatus.status).toBe(400);
    expect(noStatus.body.message).toContain("'status'");

    const unknown = await get('m-0123456789abcdef0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const unknownFinalize = await patch('/logged-models/m-nope', { status: 'LOGGED_MODEL_READY' });
    expect(unknownFinalize.status).toBe(404);

    const badTagKey = await patch(`/logged-models/${id}/tags`, { tags: [{ key: 'bad\u0000key', value: 'v' }] });
    expect(badTagKey.status).toBe(400);
    expect(badTagKey.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const badToken = await ctx.http.post('/logged-models/search', { experiment_ids: [experimentId], page_token: 'not a token!' });
    expect(badToken.status).toBe(400);
    expect(badToken.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('answers a URL without a model id as MLflow (Flask) does: no such endpoint', async () => {
    // `<model_id>` never matches an empty path segment in MLflow's routes either.
    for (const [method, path] of [
      ['GET', '/logged-models/'],
      ['PATCH', '/logged-models/'],
      ['DELETE', '/logged-models/'],
      ['DELETE', '/logged-models/m-x/tags/'],
    ] as const) {
      const res = await ctx.http.send(method, path, method === 'PATCH' ? JSON.stringify({ status: 'LOGGED_MODEL_READY' }) : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    }
    const model = await create();
    const noFile = await ctx.http.get(`/logged-models/${model.info.model_id}/artifacts/files`);
    expect(noFile.status).toBe(400);
    expect(noFile.body.message).toContain("'artifact_file_path'");
  });
});
