import type { ClientConstructorOptions } from '../client/client.js';
import type { ModelVersion, RunStatus } from '../entities.js';
import { loadModel as loadModelWith } from '../model/load-model.js';
import type { LoadedModel } from '../model/load-model.js';
import { logModel as logModelWith, registerModel as registerModelWith } from '../model/log-model.js';
import type { LogModelOptions, LoggedModelInfo } from '../model/log-model.js';
import { Tracker } from './tracker.js';
import type { ActiveRun, DatasetToLog, StartRunOptions } from './tracker.js';

/**
 * MLflow-style module functions over one default Tracker, created on first use from the
 * environment (MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME/ID, MLFLOW_RUN_ID, credentials).
 */
let current: Tracker | undefined;

export function tracker(): Tracker {
  return (current ??= new Tracker());
}

/** Points the fluent API at a server (or other options) explicitly; ends nothing. */
export function configure(opts: ClientConstructorOptions): Tracker {
  current = new Tracker(opts);
  return current;
}

export const setExperiment = (name: string): Promise<string> => tracker().setExperiment(name);
export const startRun = (opts?: StartRunOptions): Promise<ActiveRun> => tracker().startRun(opts);
export const endRun = (status?: RunStatus): Promise<void> => tracker().endRun(status);
export const withRun = <T>(opts: StartRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> => tracker().withRun(opts, fn);
export const activeRun = (): ActiveRun | undefined => tracker().activeRun();
export const logParam = (key: string, value: string | number | boolean): Promise<void> => tracker().logParam(key, value);
export const logParams = (params: Record<string, string | number | boolean>): Promise<void> => tracker().logParams(params);
export const logMetric = (key: string, value: number, opts?: { step?: number; timestamp?: number }): void => tracker().logMetric(key, value, opts);
export const logMetrics = (metrics: Record<string, number>, opts?: { step?: number; timestamp?: number }): void => tracker().logMetrics(metrics, opts);
export const setTag = (key: string, value: string): Promise<void> => tracker().setTag(key, value);
export const setTags = (tags: Record<string, string>): Promise<void> => tracker().setTags(tags);
export const logInput = (dataset: DatasetToLog, context?: string) => tracker().logInput(dataset, context);
export const logArtifact = (localFile: string, artifactPath?: string): Promise<void> => tracker().logArtifact(localFile, artifactPath);
export const logArtifacts = (localDir: string, artifactPath?: string): Promise<void> => tracker().logArtifacts(localDir, artifactPath);
export const logText = (text: string, artifactFile: string): Promise<void> => tracker().logText(text, artifactFile);
export const downloadArtifacts = (runId: string, artifactPath: string, destDir: string): Promise<string> => tracker().downloadArtifacts(runId, artifactPath, destDir);
export const logModel = (onnx: Uint8Array, opts?: LogModelOptions): Promise<LoggedModelInfo> => logModelWith(tracker(), onnx, opts);
export const registerModel = (modelUri: string, name: string): Promise<ModelVersion> => registerModelWith(tracker().client, modelUri, name);
export const loadModel = (uri: string): Promise<LoadedModel> => loadModelWith(tracker().client, uri);
