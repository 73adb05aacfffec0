/**
 * MLflow's REST JSON as the server sends it (service.proto's JSON mapping): snake_case, unset
 * fields and empty lists left out, int64 as numbers, non-finite doubles as "NaN"/"Infinity".
 * These are the shapes the future `@modelyard/sdk` Client returns too, so screens keep them.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: 'active' | 'deleted';
  last_update_time?: number;
  creation_time?: number;
  tags?: KeyValue[];
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status?: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: 'active' | 'deleted';
}

/** A metric value as JSON carries it: a number, or one of protobuf's non-finite spellings. */
export type JsonDouble = number | 'NaN' | 'Infinity' | '-Infinity';

export interface Metric {
  key: string;
  value: JsonDouble;
  timestamp?: number;
  step?: number;
  run_id?: string;
}

export interface Dataset {
  name?: string;
  digest?: string;
  source_type?: string;
  source?: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset?: Dataset;
}

export interface Run {
  info: RunInfo;
  data?: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: Array<{ model_id?: string }> };
  outputs?: { model_outputs?: Array<{ model_id?: string; step?: number }> };
}

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export function jsonDouble(v: JsonDouble): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}
