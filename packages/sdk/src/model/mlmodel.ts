import YAML from 'yaml';
import { signatureFromMlmodel, signatureToMlmodel } from './signature.js';
import type { ModelSignature } from './signature.js';

/** The parts of an MLflow `MLmodel` file Modelyard writes and reads. */
export interface MlModel {
  artifactPath: string;
  flavors: Record<string, Record<string, unknown>>;
  modelUuid: string;
  runId?: string;
  modelId?: string;
  utcTimeCreated: string;
  signature?: ModelSignature;
  /** Path of the input example inside the model folder, when one was saved. */
  inputExample?: { artifactPath: string; type: string; format: string };
  mlflowVersion?: string;
}

/** MLflow's ONNX flavor plus python_function pointing at mlflow.onnx, so Python MLflow loads it too. */
export function onnxFlavors(onnxVersion: string, data = 'model.onnx'): MlModel['flavors'] {
  return {
    onnx: { code: null, data, onnx_version: onnxVersion, providers: ['CPUExecutionProvider'] },
    python_function: { data, env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' }, loader_module: 'mlflow.onnx', python_version: '3.11' },
  };
}

export function writeMlmodel(m: MlModel): string {
  const doc: Record<string, unknown> = {
    artifact_path: m.artifactPath,
    flavors: m.flavors,
    ...(m.modelId ? { model_id: m.modelId } : {}),
    model_uuid: m.modelUuid,
    ...(m.mlflowVersion ? { mlflow_version: m.mlflowVersion } : {}),
    ...(m.runId ? { run_id: m.runId } : {}),
    ...(m.inputExample ? { saved_input_example_info: { artifact_path: m.inputExample.artifactPath, type: m.inputExample.type, pandas_orient: m.inputExample.format } } : {}),
    ...(m.signature ? { signature: signatureToMlmodel(m.signature) } : {}),
    utc_time_created: m.utcTimeCreated,
  };
  return YAML.stringify(doc);
}

export function readMlmodel(text: string): MlModel {
  const doc = YAML.parse(text) as Record<string, any> | null;
  if (!doc || typeof doc !== 'object' || typeof doc.flavors !== 'object') {
    throw new Error('not an MLmodel file: it has no `flavors` mapping');
  }
  const example = doc.saved_input_example_info;
  const signature = signatureFromMlmodel(doc.signature);
  return {
    artifactPath: doc.artifact_path ?? '',
    flavors: doc.flavors,
    modelUuid: doc.model_uuid ?? '',
    ...(doc.run_id ? { runId: doc.run_id } : {}),
    ...(doc.model_id ? { modelId: doc.model_id } : {}),
    utcTimeCreated: String(doc.utc_time_created ?? ''),
    ...(signature ? { signature } : {}),
    ...(example ? { inputExample: { artifactPath: example.artifact_path, type: example.type, format: example.pandas_orient ?? 'split' } } : {}),
    ...(doc.mlflow_version ? { mlflowVersion: doc.mlflow_version } : {}),
  };
}

/** MLflow's timestamp format for utc_time_created: `2026-11-22 10:00:00.123456`. */
export function utcTimeCreated(d = new Date()): string {
  return d.toISOString().replace('T', ' ').replace('Z', '000');
}
