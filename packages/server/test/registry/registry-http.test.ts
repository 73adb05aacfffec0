import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { buildRegistryTestApp, createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describeEachDialect('model registry over MLflow REST (inject)', (ctx) => {
  let f: RegistryFixture;
  let app: FastifyInstance;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps);
    app = await buildRegistryTestApp(f);
  });
  afterAll(async () => {
    await app.close();
    f.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: Json, headers: Record<string, string> = {}, prefix = '/api/2.0/mlflow') => {
    const res =
      method === 'GET'
        ? await app.inject({ method, url: prefix + path, query: body as Record<string, string | string[]>, headers })
        : await app.inject({ method, url: prefix + path, payload: body ?? {}, headers });
    return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Json) };
  };
  const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: Json, headers?: Record<string, string>) => {
    const r = await call(method, path, body, headers);
    if (r.status !== 200) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body!;
  };

  it('creates and reads registered models in MLflow JSON, on both prefixes', async () => {
    const created = await ok('POST', '/registered-models/create', { name: 'h-model', description: 'd', tags: [{ key: 'team', value: 'ml' }] });
    expect(created.registered_model).toEqual({
      name: 'h-model',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      description: 'd',
      tags: [{ key: 'team', value: 'ml' }],
    });
    const viaAjax = await call('GET', '/registered-models/get', { name: 'h-model' }, {}, '/ajax-api/2.0/mlflow');
    expect(viaAjax.status).toBe(200);
    expect(viaAjax.body!.registered_model.name).toBe('h-model');

    const dup = await call('POST', '/registered-models/create', { name: 'h-model' });
    expect(dup).toEqual({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Registered Model (name=h-model) already exists.' } });
    const missing = await call('GET', '/registered-models/get', { name: 'nope' });
    expect(missing).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=nope not found' } });
    const noName = await call('POST', '/registered-models/create', {});
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") });

    const renamed = await ok('POST', '/registered-models/rename', { name: 'h-model', new_name: 'h-model-2' });
    expect(renamed.registered_model.name).toBe('h-model-2');
    const updated = await ok('PATCH', '/registered-models/update', { name: 'h-model-2', description: 'new' });
    expect(updated.registered_model.description).toBe('new');
    await ok('POST', '/registered-models/set-tag', { name: 'h-model-2', key: 'stage', value: 'beta' });
    await ok('DELETE', '/registered-models/delete-tag', { name: 'h-model-2', key: 'team' });
    expect((await ok('GET', '/registered-models/get', { name: 'h-model-2' })).registered_model.tags).toEqual([{ key: 'stage', value: 'beta' }]);
    const searched = await ok('GET', '/registered-models/search', { filter: "name LIKE 'h-model%'", max_results: '10' });
    expect(searched.registered_models.map((m: Json) => m.name)).toEqual(['h-model-2']);
    expect(searched.next_page_token).toBeUndefined();
    expect(await ok('GET', '/registered-models/search', { filter: "name = 'zzz'" })).toEqual({});
    // DELETE with the message in the query string, as some clients send it.
    const del = await app.inject({ method: 'DELETE', url: '/api/2.0/mlflow/registered-models/delete?name=h-model-2' });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({});
    expect((await call('GET', '/registered-models/get', { name: 'h-model-2' })).status).toBe(404);
  });

  it('registers a run model, transitions it, and answers latest versions and download URIs', async () => {
    const { run } = await ok('POST', '/runs/create', { experiment_id: '0' });
    const runId = run.info.run_id as string;
    await ok('POST', '/registered-models/create', { name: 'h-flow' });
    const v1 = await ok('POST', '/model-versions/create', { name: 'h-flow', source: `runs:/${runId}/model`, run_id: runId, tags: [{ key: 'k', value: 'v' }] }, { 'x-modelyard-user': 'trainer' });
    expect(v1.model_version).toEqual({
      name: 'h-flow',
      version: '1',
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: 'trainer',
      current_stage: 'None',
      source: `runs:/${runId}/model`,
      run_id: runId,
      status: 'READY',
      tags: [{ key: 'k', value: 'v' }],
    });
    const uri = await ok('GET', '/model-versions/get-download-uri', { name: 'h-flow', version: '1' });
    expect(uri).toEqual({ artifact_uri: `${run.info.artifact_uri}/model` });

    await ok('POST', '/model-versions/create', { name: 'h-flow', source: 's3://bucket/model' });
    const staged = await ok('POST', '/model-versions/transition-stage', { name: 'h-flow', version: '1', stage: 'staging', archive_existing_versions: false });
    expect(staged.model_version).toMatchObject({ version: '1', current_stage: 'Staging' });
    const prod = await ok(
      'POST',
      '/model-versions/transition-stage',
      { name: 'h-flow', version: '2', stage: 'Production', archive_existing_versions: true, comment: 'ship it' },
      { authorization: `Basic ${Buffer.from('reviewer:secret').toString('base64')}` },
    );
    expect(prod.model_version.current_stage).toBe('Production');

    // GET with repeated `stages` keys, and POST with a JSON list.
    const latestGet = await app.inject({ method: 'GET', url: '/api/2.0/mlflow/registered-models/get-latest-versions?name=h-flow&stages=Production&stages=Staging' });
    expect(latestGet.json().model_versions.map((v: Json) => `${v.version}:${v.current_stage}`)).toEqual(['1:Staging', '2:Production']);
    const latestPost = await ok('POST', '/registered-models/get-latest-versions', { name: 'h-flow', stages: ['None'] });
    expect(latestPost).toEqual({});
    const model = await ok('GET', '/registered-models/get', { name: 'h-flow' });
    expect(model.registered_model.latest_versions.map((v: Json) => v.version)).toEqual(['1', '2']);

    const bad = await call('POST', '/model-versions/transition-stage', { name: 'h-flow', version: '1', stage: 'Prod' });
    expect(bad).toEqual({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.' },
    });
    const missing = await call('GET', '/model-versions/get', { name: 'h-flow', version: '7' });
    expect(missing).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Model Version (name=h-flow, version=7) not found' } });
    const notInt = await call('GET', '/model-versions/get', { name: 'h-flow', version: 'x' });
    expect(notInt).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Parameter 'version' must be an integer, got 'x'." } });

    const events = await app.inject({ method: 'GET', url: '/api/v1/registry/events?name=h-flow&kind=stage_transition' });
    expect(events.statusCode).toBe(200);
    expect(events.json().events.map((e: Json) => [e.version, e.from, e.to, e.actor, e.comment ?? null])).toEqual([
      ['1', 'None', 'Staging', 'anonymous', null],
      ['2', 'None', 'Production', 'reviewer', 'ship it'],
    ]);
    const badKind = await app.inject({ method: 'GET', url: '/api/v1/registry/events?kind=bogus' });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('updates, tags, searches and deletes model versions', async () => {
    await ok('POST', '/registered-models/create', { name: 'h-mv' });
    await ok('POST', '/model-versions/create', { name: 'h-mv', source: 's3://b/1', description: 'one' });
    await ok('POST', '/model-versions/create', { name: 'h-mv', source: 's3://b/2' });
    expect((await ok('PATCH', '/model-versions/update', { name: 'h-mv', version: '1', description: 'uno' })).model_version.description).toBe('uno');
    await ok('POST', '/model-versions/set-tag', { name: 'h-mv', version: '2', key: 'quality', value: 'gold' });
    const byTag = await ok('GET', '/model-versions/search', { filter: "tags.quality = 'gold'" });
    expect(byTag.model_versions.map((v: Json) => `${v.name}/${v.version}`)).toEqual(['h-mv/2']);
    const paged = await ok('GET', '/model-versions/search', { filter: "name = 'h-mv'", max_results: '1', order_by: ['version_number ASC'] });
    expect(paged.model_versions.map((v: Json) => v.version)).toEqual(['1']);
    expect(typeof paged.next_page_token).toBe('string');
    const next = await ok('GET', '/model-versions/search', { filter: "name = 'h-mv'", max_results: '1', order_by: ['version_number ASC'], page_token: paged.next_page_token });
    expect(next.model_versions.map((v: Json) => v.version)).toEqual(['2']);
    await ok('DELETE', '/model-versions/delete-tag', { name: 'h-mv', version: '2', key: 'quality' });
    expect((await ok('GET', '/model-versions/get', { name: 'h-mv', version: '2' })).model_version.tags).toBeUndefined();
    await ok('DELETE', '/model-versions/delete', { name: 'h-mv', version: '1' });
    expect((await call('GET', '/model-versions/get', { name: 'h-mv', version: '1' })).status).toBe(404);
    const badFilter = await call('GET', '/model-versions/search', { filter: "bogus = 'x'" });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body!.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('sets, reads and deletes aliases; a missing alias is INVALID_PARAMETER_VALUE 400 as in MLflow', async () => {
    await ok('POST', '/registered-models/create', { name: 'h-alias' });
    await ok('POST', '/model-versions/create', { name: 'h-alias', source: 's3://b/1' });
    await ok('POST', '/registered-models/alias', { name: 'h-alias', alias: 'champion', version: '1' }, { 'x-modelyard-user': 'ops' });
    const got = await ok('GET', '/registered-models/alias', { name: 'h-alias', alias: 'champion' });
    expect(got.model_version).toMatchObject({ name: 'h-alias', version: '1', aliases: ['champion'] });
    expect((await ok('GET', '/registered-models/get', { name: 'h-alias' })).registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    const reserved = await call('POST', '/registered-models/alias', { name: 'h-alias', alias: 'latest', version: '1' });
    expect(reserved).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: "'latest' alias name (case insensitive) is reserved." } });
    const del = await app.inject({ method: 'DELETE', url: '/api/2.0/mlflow/registered-models/alias?name=h-alias&alias=champion' });
    expect(del.statusCode).toBe(200);
    const missing = await call('GET', '/registered-models/alias', { name: 'h-alias', alias: 'champion' });
    expect(missing).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' } });
    const history = await app.inject({ method: 'GET', url: '/api/v1/registry/events?name=h-alias&kind=alias_set&kind=alias_deleted' });
    expect(history.json().events.map((e: Json) => [e.kind, e.alias, e.from ?? null, e.to ?? null, e.actor])).toEqual([
      ['alias_set', 'champion', null, '1', 'ops'],
      ['alias_deleted', 'champion', '1', null, 'anonymous'],
    ]);
  });
});
