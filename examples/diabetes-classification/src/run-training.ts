import { resolve } from 'node:path';
import { datasetDigest, Tracker } from '@modelyard/sdk';
import type { ClientOptions } from '@modelyard/sdk';
import { cleansePima, loadPima } from './cleanse.js';
import { CURVE_METRICS, holdoutCurve } from './curves.js';
import { checkQualityBar, evaluateClassifier, MIN_ROC_AUC } from './evaluate.js';
import type { ClassificationMetrics } from './evaluate.js';
import { writeHoldoutCsv } from './holdout.js';
import { publishModel, REGISTERED_MODEL_NAME } from './publish.js';
import { splitPima } from './split.js';
import { DEFAULT_TRAIN_OPTIONS, trainClassifier, trainParams } from './train.js';
import type { TrainOptions } from './train.js';

export const DEFAULT_DATA_PATH = resolve(import.meta.dirname, '../data/pima_diabetes.csv');
export const DEFAULT_EXPERIMENT = 'diabetes-classification';
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
  /** Also write the test split (features + Outcome) here as CSV, for a pipeline `evaluate` task. */
  holdoutPath?: string;
  testSize?: number;
  /** Seed of the train/holdout split (default DEFAULT_SPLIT_SEED), independent of the model's seed. */
  splitSeed?: number;
  train?: Partial<TrainOptions>;
  registeredModelName?: string;
  /** Used when the environment names no run and no experiment. */
  experimentName?: string;
  minRocAuc?: number;
}

export interface TrainingResult {
  runId: string;
  experimentId: string;
  /** True when the run came from MLFLOW_RUN_ID (a pipeline's run): it is left open for the runner. */
  resumedRun: boolean;
  metrics: ClassificationMetrics;
  /** Steps (tree counts) of the logged holdout curve: val_roc_auc and val_log_loss at each. */
  curveSteps: number;
  trainMs: number;
  rows: { train: number; test: number };
  zerosMarkedMissing: Record<string, number>;
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

  const { raw, frame } = await loadPima(dataPath);
  const cleansed = cleansePima(frame);
  const splitSeed = opts.splitSeed ?? DEFAULT_SPLIT_SEED;
  const split = splitPima(cleansed.frame, { seed: splitSeed, testSize });
  const holdoutPath = opts.holdoutPath ? await writeHoldoutCsv(split.test, opts.holdoutPath) : undefined;

  if (!resumedRun && !env.MLFLOW_EXPERIMENT_ID && !env.MLFLOW_EXPERIMENT_NAME) {
    await tracker.setExperiment(opts.experimentName ?? DEFAULT_EXPERIMENT);
  }
  const run = await tracker.startRun(resumedRun ? {} : { runName: `${trainOpts.model}-${trainOpts.nTrees}` });
  try {
    const started = performance.now();
    const model = trainClassifier(split.train, trainOpts);
    const trainMs = performance.now() - started;
    const metrics = evaluateClassifier(model, split.test);

    await tracker.setTags({ 'modelyard.example': 'diabetes-classification' });
    await tracker.logParams({
      ...trainParams(trainOpts),
      test_size: String(testSize),
      split_seed: String(splitSeed),
      stratify: 'Outcome',
      zero_means_missing: Object.keys(cleansed.zerosMarkedMissing).join(','),
      train_rows: String(split.train.rowCount),
      test_rows: String(split.test.rowCount),
      raw_data_digest: datasetDigest(raw),
    });
    tracker.logMetrics({ ...metrics, train_ms: trainMs });
    // The holdout figures after 1, 2, … n trees, with step = the tree count: the run's charts draw
    // them as curves (did more trees still help?), where the final figures above are one value each.
    const curve = holdoutCurve(model, split.test);
    for (const point of curve) {
      tracker.logMetrics({ [CURVE_METRICS.rocAuc]: point.rocAuc, [CURVE_METRICS.logLoss]: point.logLoss }, { step: point.step });
    }
    await tracker.flush();
    checkQualityBar(metrics, opts.minRocAuc ?? MIN_ROC_AUC);

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
      curveSteps: curve.length,
      trainMs,
      rows: { train: split.train.rowCount, test: split.test.rowCount },
      zerosMarkedMissing: cleansed.zerosMarkedMissing,
      modelUri: published.modelUri,
      registeredModel: { name: published.version.name, version: String(published.version.version) },
      ...(holdoutPath ? { holdoutPath } : {}),
    };
  } catch (e) {
    if (!resumedRun) await tracker.endRun('FAILED').catch(() => undefined);
    throw e;
  }
}
