import { randomUUID } from 'node:crypto';
import type { Client } from '../client/client.js';
import type { ModelVersion } from '../entities.js';
import { MlflowApiError } from '../errors.js';
import type { Tracker } from '../fluent/tracker.js';
import { awaitReady } from './await-ready.js';
import { copyModelVersion, registryTargetOf } from './copy-model-version.js';
import { onnxFlavors, utcTimeCreated, writeMlmodel } from './mlmodel.js';
import type { MlModel } from './mlmodel.js';
import type { ModelSignature } from './signature.js';

export interface LogModelOptions {
  /** Folder name of the model (MLflow's `artifact_path` / `name`), default `model`. */
  artifactPath?: string;
  signature?: ModelSignature;
  /** A few input rows, saved as input_example.json (pandas "split" orientation, as MLflow does). */
  inputExample?: Array<Record<string, unknown>>;
  /** Also register the model under this name and wait until the version is READY. */
  registeredModelName?: string;
  /** ONNX opset/IR version string recorded in the flavor (default "1.17.0"). */
  onnxVersion?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface LoggedModelInfo {
  /** `models:/m-<id>` when the server has MLflow 3 logged models, else `runs:/<run_id>/<path>`. */
  modelUri: string;
  artifactUri: string;
  modelId?: string;
  runId: string;
  registeredVersion?: ModelVersion;
}

/**
 * Writes an ONNX model in the MLflow model format into the active run: `MLmodel` (flavors onnx +
 * python_function, signature, model_uuid, run_id, utc_time_created), `model.onnx`, and
 * `input_example.json`. On a server with MLflow 3 logged models it goes through that flow
 * (create PENDING → upload → finalize READY → run output), else under the run's artifacts.
 */
export async function logModel(tracker: Tracker, onnx: Uint8Array, opts: LogModelOptions = {}): Promise<LoggedModelInfo> {
  const run = tracker.activeRun();
  if (!run) throw new Error('logModel needs an active run: call startRun() first');
  const client = tracker.client;
  const artifactPath = opts.artifactPath ?? 'model';
  let modelId: string | undefined;
  let artifactUri: string;
  try {
    const model = await client.loggedModels.create({
      experimentId: run.experimentId,
      name: artifactPath,
      sourceRunId: run.runId,
      modelType: 'onnx',
      ...(opts.params ? { params: opts.params } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
    });
    modelId = model.modelId;
    artifactUri = model.artifactUri;
  } catch (e) {
    // An MLflow 2 server has no logged-models endpoints: fall back to the run's artifacts.
    if (!(e instanceof MlflowApiError) || (e.errorCode !== 'ENDPOINT_NOT_FOUND' && e.errorCode !== 'NOT_IMPLEMENTED')) throw e;
    artifactUri = `${run.artifactUri.replace(/\/+$/, '')}/${artifactPath}`;
  }
  const mlmodel: MlModel = {
    artifactPath,
    flavors: onnxFlavors(opts.onnxVersion ?? '1.17.0'),
    modelUuid: randomUUID().replace(/-/g, ''),
    runId: run.runId,
    ...(modelId ? { modelId } : {}),
    utcTimeCreated: utcTimeCreated(),
    ...(opts.signature ? { signature: opts.signature } : {}),
    ...(opts.inputExample ? { inputExample: { artifactPath: 'input_example.json', type: 'dataframe', format: 'split' } } : {}),
  };
  try {
    await client.artifacts.uploadBytes(artifactUri, 'model.onnx', onnx);
    if (opts.inputExample) await client.artifacts.uploadBytes(artifactUri, 'input_example.json', JSON.stringify(toSplit(opts.inputExample)));
    await client.artifacts.uploadBytes(artifactUri, 'requirements.txt', 'mlflow\nonnx\nonnxruntime\n');
    // MLmodel last: a reader that sees it finds the files it points at.
    await client.artifacts.uploadBytes(artifactUri, 'MLmodel', writeMlmodel(mlmodel));
  } catch (e) {
    if (modelId) await client.loggedModels.finalize(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    throw e;
  }
  if (modelId) {
    await client.loggedModels.finalize(modelId, 'LOGGED_MODEL_READY');
    await client.tracking.logOutputs(run.runId, [{ modelId }]);
  }
  const modelUri = modelId ? `models:/${modelId}` : `runs:/${run.runId}/${artifactPath}`;
  const info: LoggedModelInfo = { modelUri, artifactUri, runId: run.runId, ...(modelId ? { modelId } : {}) };
  if (opts.registeredModelName) {
    info.registeredVersion = await registerModel(client, modelUri, opts.registeredModelName, { runId: run.runId, source: artifactUri, ...(modelId ? { modelId } : {}) });
  }
  return info;
}

/** pandas' "split" orientation, which MLflow uses for input examples and scoring requests. */
function toSplit(rows: Array<Record<string, unknown>>): { columns: string[]; data: unknown[][] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, data: rows.map((r) => columns.map((c) => r[c] ?? null)) };
}

/** `models:/<name>/…` and `models:/<name>@…` name versions already in the registry; `models:/m-…` is a logged model. */
function namesRegistryVersion(uri: string): boolean {
  return /^models:\/+(?!m-[0-9a-f]+\/?$)[^/@]+[/@]/.test(uri);
}

/**
 * Registers a model URI as a new version of `name` (creating the registered model when missing)
 * and waits until the version is READY. With a registry server separate from the tracking server
 * (`registryUri` / MLFLOW_REGISTRY_URI), the registry cannot read the tracking server's artifact
 * store, so the files are copied into the registry's store first, with lineage tags
 * (copy-model-version.ts); MLflow itself does the same when its registry is elsewhere.
 */
export async function registerModel(
  client: Client,
  modelUri: string,
  name: string,
  opts: { runId?: string; modelId?: string; source?: string; timeoutMs?: number; tags?: Record<string, string> } = {},
): Promise<ModelVersion> {
  if (client.registryUri !== client.trackingUri && !namesRegistryVersion(modelUri)) {
    const copied = await copyModelVersion(client, modelUri, registryTargetOf(client), {
      name,
      reuseExisting: false,
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return copied.version;
  }
  try {
    await client.registry.createRegisteredModel(name);
  } catch (e) {
    if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
  }
  const version = await client.registry.createModelVersion({
    name,
    source: opts.source ?? modelUri,
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.modelId ? { modelId: opts.modelId } : {}),
    ...(opts.tags ? { tags: opts.tags } : {}),
  });
  return awaitReady(client.registry, version, opts.timeoutMs);
}
