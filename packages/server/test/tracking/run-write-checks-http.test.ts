import { beforeAll, expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';

/**
 * Every logging route checks the run inside its write (see RunStore.logData): a missing run is
 * 404, a deleted one 400, and request validation still comes first.
 */
describeEachServer('run checks of the logging routes', (ctx) => {
  let experimentId = '';
  beforeAll(async () => {
    experimentId = (await ctx.http.ok('/experiments/create', { name: 'run-write-checks' })).experiment_id;
  });
  const newRunId = async (): Promise<string> => (await ctx.http.ok('/runs/create', { experiment_id: experimentId, start_time: 1 })).run.info.run_id;

  const writes: Array<[string, (runId: string) => Record<string, unknown>]> = [
    ['/runs/log-metric', (run_id) => ({ run_id, key: 'm', value: 1, timestamp: 1 })],
    ['/runs/log-batch', (run_id) => ({ run_id, metrics: [{ key: 'm', value: 1, timestamp: 1 }] })],
    ['/runs/log-batch', (run_id) => ({ run_id, params: [{ key: 'p', value: 'v' }], tags: [{ key: 't', value: 'v' }] })],
    ['/runs/log-parameter', (run_id) => ({ run_id, key: 'p', value: 'v' })],
    ['/runs/set-tag', (run_id) => ({ run_id, key: 't', value: 'v' })],
  ];

  it.each(writes)('%s to a run that does not exist is RESOURCE_DOES_NOT_EXIST', async (path, body) => {
    const missing = 'e'.repeat(32);
    const r = await ctx.http.post(path, body(missing));
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run with id=${missing} not found` });
  });

  it.each(writes)('%s to a deleted run is refused and stores nothing; after restore it is stored', async (path, body) => {
    const runId = await newRunId();
    await ctx.http.ok('/runs/delete', { run_id: runId });
    const r = await ctx.http.post(path, body(runId));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `The run ${runId} must be in the 'active' state. Current state is deleted.` });
    await ctx.http.ok('/runs/restore', { run_id: runId });
    const before = (await ctx.http.okGet('/runs/get', { run_id: runId })).run.data;
    expect(before.metrics).toBeUndefined();
    expect(before.params).toBeUndefined();
    expect(before.tags.filter((t: { key: string }) => t.key === 't')).toEqual([]);
    await ctx.http.ok(path, body(runId));
    const after = (await ctx.http.okGet('/runs/get', { run_id: runId })).run.data;
    expect([...(after.metrics ?? []), ...(after.params ?? []), ...after.tags.filter((t: { key: string }) => t.key === 't')].length).toBeGreaterThan(0);
  });

  it('reports a bad request before a missing run', async () => {
    const missing = 'e'.repeat(32);
    const badKey = await ctx.http.post('/runs/log-metric', { run_id: missing, key: '../up', value: 1, timestamp: 1 });
    expect(badKey.status).toBe(400);
    expect(badKey.body.message).toContain("Invalid metric name: '../up'");
    const noRun = await ctx.http.post('/runs/log-metric', { key: 'm', value: 1, timestamp: 1 });
    expect(noRun.status).toBe(400);
    expect(noRun.body.message).toBe("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  });

  it('reports a missing run before a missing logged model', async () => {
    const missing = 'e'.repeat(32);
    const r = await ctx.http.post('/runs/log-metric', { run_id: missing, key: 'm', value: 1, timestamp: 1, model_id: 'm-does-not-exist' });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe(`Run with id=${missing} not found`);
    const runId = await newRunId();
    const noModel = await ctx.http.post('/runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1, model_id: 'm-does-not-exist' });
    expect(noModel.status).toBe(404);
    expect(noModel.body.message).toContain('Logged model with id=m-does-not-exist not found');
  });
});
