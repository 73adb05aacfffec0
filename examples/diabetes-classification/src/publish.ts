import { toOnnx } from '@modelyard/learn';
import type { DataFrame, Pipeline } from '@modelyard/learn';
import { logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import type { DatasetToLog, ModelVersion, Tracker } from '@modelyard/sdk';
import { TARGET } from './cleanse.js';
import { formatCsv } from './holdout.js';

export const REGISTERED_MODEL_NAME = 'diabetes-classifier';

export interface PublishInput {
  model: Pipeline;
  train: DataFrame;
  test: DataFrame;
  /** Where the data came from (recorded as the datasets' source). */
  dataSource: string;
  registeredModelName?: string;
  tags?: Record<string, string>;
}

export interface PublishedModel {
  runId: string;
  /** `models:/m-…` on a server with MLflow 3 logged models, else `runs:/<run>/model`. */
  modelUri: string;
  artifactUri: string;
  version: ModelVersion;
  onnxBytes: number;
}

/** A split as an MLflow dataset input: digest over its CSV text, MLflow's colspec schema, row counts. */
export function datasetInput(name: string, frame: DataFrame, source: string): DatasetToLog {
  const colspec = frame.columnNames.map((c) => ({ type: frame.column(c).type === 'number' ? 'double' : 'string', name: c, required: true }));
  return {
    name,
    source,
    content: formatCsv(frame),
    schema: JSON.stringify({ mlflow_colspec: colspec }),
    profile: JSON.stringify({ num_rows: frame.rowCount, num_elements: frame.rowCount * frame.columnNames.length }),
  };
}

/**
 * Records a trained model in the tracker's active run — the train and test datasets, the model
 * (ONNX in the MLflow model format, with signature and input example) — and registers it as a new
 * version of the registered model (created when missing).
 */
export async function publishModel(tracker: Tracker, input: PublishInput): Promise<PublishedModel> {
  const run = tracker.activeRun();
  if (!run) throw new Error('publishModel needs an active run: call tracker.startRun() first');
  if (input.tags) await tracker.setTags(input.tags);
  await tracker.logInput(datasetInput('pima-diabetes-train', input.train, input.dataSource), 'training');
  await tracker.logInput(datasetInput('pima-diabetes-test', input.test, input.dataSource), 'evaluation');

  const onnx = toOnnx(input.model, { name: input.registeredModelName ?? REGISTERED_MODEL_NAME });
  const logged = await logModelWith(tracker, onnx, {
    artifactPath: 'model',
    signature: signatureFromSchemas(input.model.inputSchema(), input.model.outputSchema()),
    // Raw rows as in the CSV: the model itself treats the impossible zeros as missing.
    inputExample: input.train.drop([TARGET]).head(5).toRecords(),
    registeredModelName: input.registeredModelName ?? REGISTERED_MODEL_NAME,
  });
  if (!logged.registeredVersion) throw new Error(`model ${logged.modelUri} was logged but not registered`);
  return {
    runId: run.runId,
    modelUri: logged.modelUri,
    artifactUri: logged.artifactUri,
    version: logged.registeredVersion,
    onnxBytes: onnx.length,
  };
}
