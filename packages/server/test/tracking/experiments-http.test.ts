import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

describeEachServer('experiments over MLflow REST', (ctx) => {
  it('has the Default experiment with id 0 and a proxied artifact location', async () => {
    const body = await ctx.http.okGet('/experiments/get', { experiment_id: '0' });
    expect(body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
  });

  it('creates, gets by id and name, and answers the MLflow errors for duplicates and unknowns', async () => {
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'ml' }] });
    expect(experiment_id).toMatch(/^\d+$/);
    const byId = await ctx.http.okGet('/experiments/get', { experiment_id });
    expect(byId.experiment).toMatchObject({
      experiment_id,
      name: 'exp-a',
      artifact_location: `mlflow-artifacts:/${experiment_id}`,
      lifecycle_stage: 'active',
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(typeof byId.experiment.creation_time).toBe('number');
    const byName = await ctx.http.okGet('/experiments/get-by-name', { experiment_name: 'exp-a' });
    expect(byName.experiment.experiment_id).toBe(experiment_id);

    const dup = await ctx.http.post('/experiments/create', { name: 'exp-a' });
    expect(dup.status).toBe(400);
    expect(dup.body).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: "Experiment 'exp-a' already exists." });

    const missing = await ctx.http.get('/experiments/get', { experiment_id: '987654' });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const missingName = await ctx.http.get('/experiments/get-by-name', { experiment_name: 'nope' });
    expect(missingName.status).toBe(404);
    expect(missingName.body.message).toContain("'nope'");

    const noName = await ctx.http.post('/experiments/create', {});
    expect(noName.status).toBe(400);
    expect(noName.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(noName.body.message).toContain("'name'");
  });

  it('keeps an explicit artifact location inside the artifact roots, or in an object store', async () => {
    const inside = pathToFileURL(join(ctx.server.artifactsDir, 'somewhere')).href;
    for (const [name, location] of [['exp-loc', inside], ['exp-loc-s3', 's3://bucket/somewhere']] as const) {
      const { experiment_id } = await ctx.http.ok('/experiments/create', { name, artifact_location: location });
      const body = await ctx.http.okGet('/experiments/get', { experiment_id });
      expect(body.experiment.artifact_location).toBe(location);
    }
    const outside = await ctx.http.post('/experiments/create', { name: 'exp-loc-outside', artifact_location: 'file:///tmp/somewhere' });
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('--allowed-artifact-roots') });
  });

  it('renames, deletes, restores and refuses to rename a deleted experiment', async () => {
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'exp-life' });
    await ctx.http.ok('/experiments/update', { experiment_id, new_name: 'exp-life-2' });
    expect((await ctx.http.okGet('/experiments/get', { experiment_id })).experiment.name).toBe('exp-life-2');

    const { run } = await ctx.http.ok('/runs/create', { experiment_id, start_time: 1 });
    await ctx.http.ok('/experiments/delete', { experiment_id });
    expect((await ctx.http.okGet('/experiments/get', { experiment_id })).experiment.lifecycle_stage).toBe('deleted');
    // Runs go with their experiment, as in MLflow.
    expect((await ctx.http.okGet('/runs/get', { run_id: run.info.run_id })).run.info.lifecycle_stage).toBe('deleted');

    const rename = await ctx.http.post('/experiments/update', { experiment_id, new_name: 'x' });
    expect(rename.status).toBe(400);
    expect(rename.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const newRun = await ctx.http.post('/runs/create', { experiment_id });
    expect(newRun.status).toBe(400);
    expect(newRun.body.message).toContain("must be in the 'active' state");

    await ctx.http.ok('/experiments/restore', { experiment_id });
    expect((await ctx.http.okGet('/experiments/get', { experiment_id })).experiment.lifecycle_stage).toBe('active');
    expect((await ctx.http.okGet('/runs/get', { run_id: run.info.run_id })).run.info.lifecycle_stage).toBe('active');
  });

  it('sets and deletes experiment tags', async () => {
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'exp-tags' });
    await ctx.http.ok('/experiments/set-experiment-tag', { experiment_id, key: 'a', value: '1' });
    await ctx.http.ok('/experiments/set-experiment-tag', { experiment_id, key: 'a', value: '2' });
    await ctx.http.ok('/experiments/set-experiment-tag', { experiment_id, key: 'b', value: 'x' });
    let exp = (await ctx.http.okGet('/experiments/get', { experiment_id })).experiment;
    expect(exp.tags).toEqual([{ key: 'a', value: '2' }, { key: 'b', value: 'x' }]);
    await ctx.http.ok('/experiments/delete-experiment-tag', { experiment_id, key: 'a' });
    exp = (await ctx.http.okGet('/experiments/get', { experiment_id })).experiment;
    expect(exp.tags).toEqual([{ key: 'b', value: 'x' }]);
    const again = await ctx.http.post('/experiments/delete-experiment-tag', { experiment_id, key: 'a' });
    expect(again.status).toBe(404);
  });

  it('searches by name and tag, orders and pages, over both GET and POST and both prefixes', async () => {
    for (const [i, team] of [['1', 'red'], ['2', 'blue'], ['3', 'red']] as const) {
      await ctx.http.ok('/experiments/create', { name: `search-${i}`, tags: [{ key: 'team', value: team }] });
    }
    const red = await ctx.http.ok('/experiments/search', { filter: "name LIKE 'search-%' AND tags.team = 'red'", order_by: ['name DESC'], max_results: 10 });
    expect(red.experiments.map((e: { name: string }) => e.name)).toEqual(['search-3', 'search-1']);

    const page1 = await ctx.http.okGet('/experiments/search', { filter: "name LIKE 'search-%'", order_by: 'name ASC', max_results: 2 });
    expect(page1.experiments.map((e: { name: string }) => e.name)).toEqual(['search-1', 'search-2']);
    expect(page1.next_page_token).toBeTruthy();
    const page2 = await ctx.http.okGet('/experiments/search', { filter: "name LIKE 'search-%'", order_by: 'name ASC', max_results: 2, page_token: page1.next_page_token });
    expect(page2.experiments.map((e: { name: string }) => e.name)).toEqual(['search-3']);
    expect(page2.next_page_token).toBeUndefined();

    const ajax = await fetch(`${ctx.server.url}/ajax-api/2.0/mlflow/experiments/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filter: "name = 'search-2'", max_results: 5 }),
    });
    expect(ajax.status).toBe(200);
    expect(((await ajax.json()) as { experiments: Array<{ name: string }> }).experiments.map((e) => e.name)).toEqual(['search-2']);

    const bad = await ctx.http.post('/experiments/search', { filter: 'name ~ 3' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('answers unknown routes with ENDPOINT_NOT_FOUND', async () => {
    const r = await ctx.http.post('/experiments/not-a-route', {});
    expect(r.status).toBe(404);
    expect(r.body.error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});
