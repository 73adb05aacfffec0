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
import { runTraining } from './run-training.js';

describe('runTraining end to end against a real server', () => {
  let server: TestServer;
  let client: Client;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ trackingUri: server.url, env: {} });
    dir = mkdtempSync(join(tmpdir(), 'diabetes-classification-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a FINISHED run with params, metrics and a registered version, and writes the holdout', async () => {
    const result = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, holdoutPath: join(dir, 'holdout.csv') });
    expect(result.resumedRun).toBe(false);
    expect(result.metrics.roc_auc).toBeGreaterThanOrEqual(0.8);
    expect(result.registeredModel).toEqual({ name: 'diabetes-classifier', version: '1' });

    const run = await client.tracking.getRun(result.runId);
    expect(run.info.status).toBe('FINISHED');
    expect((await client.tracking.getExperiment(run.info.experimentId)).name).toBe('diabetes-classification');
    expect(run.data.metrics.roc_auc).toBeCloseTo(result.metrics.roc_auc, 12);
    expect(run.data.metrics).toHaveProperty('log_loss');
    // The holdout curve over the number of trees: a line on the run page, ending at the final figures.
    const curve = await client.tracking.getMetricHistory(result.runId, 'val_roc_auc');
    expect(curve.map((m) => m.step)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(result.curveSteps).toBe(100);
    expect(curve.at(-1)!.value).toBeCloseTo(result.metrics.roc_auc, 12);
    expect((await client.tracking.getMetricHistory(result.runId, 'val_log_loss')).at(-1)!.value).toBeCloseTo(result.metrics.log_loss, 12);
    expect(run.data.params).toMatchObject({ model: 'random-forest', n_trees: '100', seed: '42', test_size: '0.2', split_seed: '42', train_rows: '614', test_rows: '154' });
    const version = await client.registry.getModelVersion('diabetes-classifier', '1');
    expect(version.runId).toBe(result.runId);

    const holdout = parseCsv(readFileSync(result.holdoutPath!, 'utf8'));
    expect(holdout.rowCount).toBe(154);
    expect(holdout.columnNames).toEqual([...FEATURES, 'Outcome']);
    // Raw rows: the impossible zeros stay, for the model's own imputer.
    expect(holdout.numbers('Insulin').some((v) => v === 0)).toBe(true);
    expect(holdout.numbers('Insulin').some(Number.isNaN)).toBe(false);
  });

  it('logs into the run named by MLFLOW_RUN_ID and leaves it open for the pipeline runner', async () => {
    const experimentId = await client.tracking.createExperiment('pipeline-job');
    const jobRun = await client.tracking.createRun({ experimentId, runName: 'job-run' });
    const result = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_RUN_ID: jobRun.info.runId } });
    expect(result).toMatchObject({ runId: jobRun.info.runId, experimentId, resumedRun: true });
    const run = await client.tracking.getRun(jobRun.info.runId);
    expect(run.info.status).toBe('RUNNING');
    expect(run.data.metrics.roc_auc).toBeCloseTo(result.metrics.roc_auc, 12);
    expect(run.inputs.datasetInputs).toHaveLength(2);
    expect(result.registeredModel.version).toBe('2');
    expect((await client.registry.getModelVersion('diabetes-classifier', '2')).runId).toBe(jobRun.info.runId);
  });

  it('fails the run and registers nothing when the model misses the bar', async () => {
    const failed = await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, minRocAuc: 0.999, train: { nTrees: 5 } }).catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(/ROC AUC 0\.\d{4} on the holdout is below the bar of 0\.999/);
    const experiment = await client.tracking.getExperimentByName('diabetes-classification');
    const runs = await client.tracking.searchRuns([experiment.experimentId], { orderBy: ['attributes.start_time DESC'] });
    const last = runs.items[0]!;
    expect(last.info.status).toBe('FAILED');
    expect(last.data.params.n_trees).toBe('5');
    expect(last.data.metrics.roc_auc).toBeLessThan(0.999);
    const versions = await client.registry.searchModelVersions({ filter: "name = 'diabetes-classifier'" });
    expect(versions.items.map((v) => v.version).sort()).toEqual(['1', '2']);
  });

  it('keeps the holdout rows when only the model seed changes', async () => {
    const holdoutWith = async (seed: number) => {
      const path = join(dir, `holdout-seed-${seed}.csv`);
      await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, holdoutPath: path, train: { seed, nTrees: 10 } });
      return readFileSync(path, 'utf8');
    };
    expect(await holdoutWith(7)).toBe(await holdoutWith(8));
    const moved = join(dir, 'holdout-split-7.csv');
    await runTraining({ env: { MLFLOW_TRACKING_URI: server.url }, holdoutPath: moved, splitSeed: 7, train: { nTrees: 10 } });
    expect(readFileSync(moved, 'utf8')).not.toBe(await holdoutWith(7));
  });
});

describe('parseCli', () => {
  it('takes arguments over the environment and validates them', () => {
    const parsed = parseCli(['--model', 'gradient-boosting', '--trees', '50', '--holdout-out', 'a.csv'], { HOLDOUT_CSV: 'b.csv', REGISTERED_MODEL_NAME: 'pima' });
    expect(parsed).not.toBe('help');
    const { options } = parsed as Exclude<typeof parsed, 'help'>;
    expect(options).toMatchObject({ holdoutPath: 'a.csv', registeredModelName: 'pima', train: { model: 'gradient-boosting', nTrees: 50 } });
    expect((parseCli([], { HOLDOUT_CSV: 'b.csv' }) as { options: { holdoutPath?: string } }).options.holdoutPath).toBe('b.csv');
    expect(() => parseCli(['--model', 'svm'], {})).toThrow('--model must be one of random-forest, gradient-boosting');
    expect(() => parseCli(['--trees', 'many'], {})).toThrow("--trees must be a number, got 'many'");
    expect((parseCli(['--split-seed', '7'], {}) as { options: { splitSeed?: number } }).options.splitSeed).toBe(7);
    expect(parseCli(['--help'], {})).toBe('help');
  });
});
