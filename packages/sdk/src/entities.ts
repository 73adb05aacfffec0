/** What the SDK returns: MLflow's entities, camelCased; tags and params as plain records. */

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime?: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  runId?: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: {
    /** Latest value of each metric. */
    metrics: Record<string, number>;
    /** The same latest values with the step and time they were logged at, in the server's order. */
    latestMetrics: Metric[];
    params: Record<string, string>;
    tags: Record<string, string>;
  };
  inputs: { datasetInputs: DatasetInput[] };
}

export interface FileInfo {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  status: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  sourceRunId?: string;
  modelType?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
  description?: string;
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  aliases: Record<string, string>;
}

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp?: number;
  lastUpdatedTimestamp?: number;
  currentStage: Stage;
  description?: string;
  /** Who registered the version. */
  userId?: string;
  source: string;
  runId?: string;
  /** Where the run is when it lives on another server (a central registry's copies). */
  runLink?: string;
  modelId?: string;
  status: string;
  statusMessage?: string;
  tags: Record<string, string>;
  aliases: string[];
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
