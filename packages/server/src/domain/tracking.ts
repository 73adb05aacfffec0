import type { LoggedModelStatus, RunStatus, LifecycleStage } from '@modelyard/contract';

/** Tracking entities as the services see them (camelCase; the HTTP edge maps to MLflow's JSON). */

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Tag[];
}

export interface Metric {
  key: string;
  /** NaN and ±Infinity are kept as such; the JSON edge spells them as MLflow does. */
  value: number;
  timestamp: number;
  step: number;
  /** Set on history reads that span several runs (get-history-bulk-interval). */
  runId?: string;
  /** MLflow 3: metrics can be attributed to a logged model and a dataset. */
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface Param {
  key: string;
  value: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface DatasetInput {
  dataset: {
    name: string;
    digest: string;
    sourceType: string;
    source: string;
    schema?: string;
    profile?: string;
  };
  tags: Tag[];
}

export interface ModelIo {
  modelId: string;
  step?: number;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: Param[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: ModelIo[] };
  outputs: { modelOutputs: ModelIo[] };
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  status: LoggedModelStatus;
  statusMessage?: string;
  lifecycleStage: LifecycleStage;
  modelType?: string;
  sourceRunId?: string;
  tags: Tag[];
  params: Param[];
  metrics: Metric[];
}

/** MLflow's system tags that carry run attributes. */
export const SYSTEM_TAGS = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  parentRunId: 'mlflow.parentRunId',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  loggedModels: 'mlflow.log-model.history',
} as const;
