import { resolve } from 'node:path';
import { datasetDigest, Tracker } from '@modelyard/sdk';
import type { ClientOptions } from '@modelyard/sdk';
import { cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { alphaCurve, CURVE_METRICS } from './curves.js';
import { checkQualityBar, evaluateRegressor, MIN_R2 } from './evaluate.js';
import type { RegressionMetrics } from './evaluate.js';
import { writeHoldoutCsv } from './holdout.js';
import { publishModel } from './publish.js';
import { splitDiabetes } from './split.js';
import { DEFAULT_TRAIN_OPTIONS, trainParams, trainRegressor } from './train.js';
import type { TrainOptions } from './train.js';

export const DEFAULT_DATA_PATH = resolve(import.meta.dirname, '../data/sklearn_diabetes_raw.csv');
/** Rows without a target, for batch scoring the registered model. */
export const BATCH_INPUT_PATH = resolve(import.meta.dirname, '../data/sklearn_diabetes_batch_input.csv');
export const DEFAULT_EXPERIMENT = 'diabetes-regression';
export const DEFAULT_TEST_SIZE = 0.2;
/**
 * The train/holdout split's seed, apart from the model's: the holdout must stay the same rows when
 * a run changes `--seed`, or a gate would score the champion on rows it was trained on.
 */
export const DEFAULT_SPLIT_SEED = 42;

export interface TrainingOptions {
  /** Server and credentials; the environment (`env`) fills what is not given, as in MLflow. */
  client?: Omit<ClientOptions, 'env'>;
  /** MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_NAME/ID… (default `process.env`). */
  env?: Record<string, string | undefined>;
  dataPath?: string;
  /** Also write the test split (raw features + Y) here as CSV, for a pipeline `evaluate` task. */
  holdoutPath?: string;
  testSize?: number;
  /** Seed of the train/holdout split (default DEFAULT_SPLIT_SEED), independent of the model's seed. */
  splitSeed?: number;
  train?: Partial<TrainOptions>;
  registeredModelName?: string;
  /** Used when the environment names no run and no experiment. */
  experimentName?: string;
  minR2?: number;
}

export interface TrainingResult {
  runId: string;
  experimentId: string;
  /** True when the run came from MLFLOW_RUN_ID (a pipeline's run): it is left open for the runner. */
  resumedRun: boolean;
  metrics: RegressionMetrics;
  /** The validation curve over the alpha grid that was logged (val_rmse, train_rmse per step). */
  alphaCurve: { steps: number; bestAlpha: number };
  trainMs: number;
  rows: { train: number; test: number };
  missingCells: Record<string, number>;
  modelUri: string;
  registeredModel: { name: string; version: string };
  holdoutPath?: string;
}

/**
 * The whole example: load → cleanse → split → train → evaluate → log → (quality bar) → publish.
 * With MLFLOW_RUN_ID set (a pipeline `command` task) everything is logged into that run and the
 * run is not ended: the job runner owns its status. Otherwise a run is created in the experiment
 * and ended FINISHED, or FAILED when anything throws (including a missed quality bar).
 */
export async function runTraining(opts: TrainingOptions = {}): Promise<TrainingResult> {
  const env = opts.env ?? process.env;
  const tracker = new Tracker({ ...opts.client, env });
  const resumedRun = Boolean(env.MLFLOW_RUN_ID);
  const trainOpts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...opts.train };
  const testSize = opts.testSize ?? DEFAULT_TEST_SIZE;
  const dataPath = resolve(opts.dataPath ?? DEFAULT_DATA_PATH);

  const { raw, frame } = await loadDiabetes(dataPath);
  const cleansed = cleanseDiabetes(frame);
  const splitSeed = opts.splitSeed ?? DEFAULT_SPLIT_SEED;
  const split = splitDiabetes(cleansed.frame, { seed: splitSeed, testSize });
  const holdoutPath = opts.holdoutPath ? await writeHoldoutCsv(split.test, opts.holdoutPath) : undefined;

  if (!resumedRun && !env.MLFLOW_EXPERIMENT_ID && !env.MLFLOW_EXPERIMENT_NAME) {
    await tracker.setExperiment(opts.experimentName ?? DEFAULT_EXPERIMENT);
  }
  const run = await tracker.startRun(resumedRun ? {} : { runName: `ridge-alpha-${trainOpts.alpha}` });
  try {
    const started = performance.now();
    const model = trainRegressor(split.train, trainOpts);
    const trainMs = performance.now() - started;
    const metrics = evaluateRegressor(model, split.test);
    const curve = alphaCurve(split.train, { seed: trainOpts.seed });

    await tracker.setTags({ 'modelyard.example': 'diabetes-regression' });
    await tracker.logParams({
      ...trainParams(trainOpts),
      test_size: String(testSize),
      split_seed: String(splitSeed),
      missing_cells: String(Object.values(cleansed.missingCells).reduce((a, b) => a + b, 0)),
      train_rows: String(split.train.rowCount),
      test_rows: String(split.test.rowCount),
      raw_data_digest: datasetDigest(raw),
      alpha_grid: curve.points.map((p) => p.alpha).join(','),
    });
    tracker.logMetrics({ ...metrics, train_ms: trainMs, [CURVE_METRICS.bestAlpha]: curve.bestAlpha });
    // RMSE against the regularisation strength, step i = alpha_grid[i] (alpha_at_step says which):
    // the run's charts draw the validation curve that shows where alpha over- or underfits.
    for (const p of curve.points) {
      tracker.logMetrics({ [CURVE_METRICS.valRmse]: p.valRmse, [CURVE_METRICS.trainRmse]: p.trainRmse, [CURVE_METRICS.alpha]: p.alpha }, { step: p.step });
    }
    await tracker.flush();
    checkQualityBar(metrics, opts.minR2 ?? MIN_R2);

    const published = await publishModel(tracker, {
      model,
      train: split.train,
      test: split.test,
      dataSource: dataPath,
      ...(opts.registeredModelName ? { registeredModelName: opts.registeredModelName } : {}),
    });
    if (!resumedRun) await tracker.endRun('FINISHED');
    return {
      runId: run.runId,
      experimentId: run.experimentId,
      resumedRun,
      metrics,
      alphaCurve: { steps: curve.points.length, bestAlpha: curve.bestAlpha },
      trainMs,
      rows: { train: split.train.rowCount, test: split.test.rowCount },
      missingCells: cleansed.missingCells,
      modelUri: published.modelUri,
      registeredModel: { name: published.version.name, version: String(published.version.version) },
      ...(holdoutPath ? { holdoutPath } : {}),
    };
  } catch (e) {
    if (!resumedRun) await tracker.endRun('FAILED').catch(() => undefined);
    throw e;
  }
}
