import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@modelyard/learn';
import { Client } from '@modelyard/sdk';
import { startTestServer } from '../../../packages/server/test/helpers/server.js';
import type { TestServer } from '../../../packages/server/test/helpers/server.js';
import { parseCli } from './cli.js';
import { FEATURES } from './cleanse.js';
import { ALPHA_GRID } from './curves.js';
import { runTraining } from './run-training.js';

describe('runTraining end to end against a real server', () => {
  let server: TestServer;
  let client: Client;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ trackingUri: server.url, env: {} });
    dir = mkdtempSync(join(tmpdir(), 'diabetes-regression-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a FINISHED run with params, metrics and a registered version, and writes the raw holdout', async () => {
    const result = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, holdoutPath: join(dir, 'out/holdout.csv') });
    expect(result.resumedRun).toBe(false);
    expect(result.metrics.r2).toBeGreaterThanOrEqual(0.3);
    expect(result.registeredModel).toEqual({ name: 'diabetes-regressor', version: '1' });
    expect(Object.values(result.missingCells).reduce((a, b) => a + b, 0)).toBe(97);

    const run = await client.tracking.getRun(result.runId);
    expect(run.info.status).toBe('FINISHED');
    expect((await client.tracking.getExperiment(run.info.experimentId)).name).toBe('diabetes-regression');
    for (const key of ['mse', 'rmse', 'mae', 'r2'] as const) expect(run.data.metrics[key]).toBeCloseTo(result.metrics[key], 9);
    expect(run.data.params).toMatchObject({ model: 'ridge', alpha: '1', missing_cells: '97', train_rows: '354', test_rows: '88' });
    // The validation curve over the alpha grid: one point per alpha, step i = alpha_grid[i].
    const grid = run.data.params.alpha_grid!.split(',').map(Number);
    expect(grid).toEqual(ALPHA_GRID);
    const valRmse = await client.tracking.getMetricHistory(result.runId, 'val_rmse');
    expect(valRmse.map((m) => m.step)).toEqual(grid.map((_, i) => i));
    const alphas = await client.tracking.getMetricHistory(result.runId, 'alpha_at_step');
    expect(alphas.map((m) => [m.step, m.value])).toEqual(grid.map((a, i) => [i, a]));
    expect(result.alphaCurve.steps).toBe(grid.length);
    expect(run.data.metrics.val_best_alpha).toBe(result.alphaCurve.bestAlpha);

    // Raw rows: the evaluate task feeds them to the model as they are.
    const holdout = parseCsv(readFileSync(result.holdoutPath!, 'utf8'));
    expect(holdout.rowCount).toBe(88);
    expect(holdout.columnNames).toEqual([...FEATURES, 'Y']);
    expect(holdout.strings('SEX').every((s) => s === 'Male' || s === 'Female')).toBe(true);
  });

  it('logs into the run named by MLFLOW_RUN_ID and leaves it open for the pipeline runner', async () => {
    const experimentId = await client.tracking.createExperiment('pipeline-job');
    const jobRun = await client.tracking.createRun({ experimentId, runName: 'job-run' });
    const result = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_RUN_ID: jobRun.info.runId }, train: { alpha: 0.5 } });
    expect(result).toMatchObject({ runId: jobRun.info.runId, experimentId, resumedRun: true });
    const run = await client.tracking.getRun(jobRun.info.runId);
    expect(run.info.status).toBe('RUNNING');
    expect(run.data.params.alpha).toBe('0.5');
    expect((await client.registry.getModelVersion('diabetes-regressor', result.registeredModel.version)).runId).toBe(jobRun.info.runId);
  });

  it('fails the run and registers nothing when the model misses the bar', async () => {
    // A huge penalty flattens ridge to the mean: R² ≈ 0.
    const failed = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, train: { alpha: 1e6 } }).catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(/R² -?0\.\d{4} on the holdout is below the bar of 0\.3/);
    const experiment = await client.tracking.getExperimentByName('diabetes-regression');
    const runs = await client.tracking.searchRuns([experiment.experimentId], { orderBy: ['attributes.start_time DESC'] });
    expect(runs.items[0]!.info.status).toBe('FAILED');
    expect(runs.items[0]!.data.params.alpha).toBe('1000000');
    const versions = await client.registry.searchModelVersions({ filter: "name = 'diabetes-regressor'" });
    expect(versions.items).toHaveLength(2);
  });
});

describe('parseCli', () => {
  it('takes arguments over the environment and validates them', () => {
    const parsed = parseCli(['--alpha', '0.25', '--seed', '7'], { HOLDOUT_CSV: 'h.csv', TRAINING_DATA: 'd.csv' });
    expect(parsed).toMatchObject({ json: false, options: { holdoutPath: 'h.csv', dataPath: 'd.csv', train: { alpha: 0.25, seed: 7 } } });
    expect(() => parseCli(['--alpha', 'x'], {})).toThrow("--alpha must be a number, got 'x'");
    expect(() => parseCli(['--trees', '3'], {})).toThrow();
  });
});
