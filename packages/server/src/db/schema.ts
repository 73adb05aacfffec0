import type { Generated } from 'kysely';
import type { RegistryTables } from './schema-registry.js';
import type { JobTables } from './schema-jobs.js';
import type { ServingTables } from './schema-serving.js';
import type { TelemetryTables } from './schema-telemetry.js';

/**
 * Kysely table types. One schema serves SQLite and PostgreSQL; booleans are stored as 0/1
 * integers so both dialects read them back the same way. Times are epoch milliseconds (int64).
 */
export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string;
  creation_time: number | null;
  last_update_time: number | null;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string | null;
}

export interface RunsTable {
  run_uuid: string;
  name: string | null;
  experiment_id: number;
  user_id: string | null;
  status: string;
  start_time: number | null;
  end_time: number | null;
  deleted_time: number | null;
  source_type: string | null;
  source_name: string | null;
  entry_point_name: string | null;
  source_version: string | null;
  lifecycle_stage: string;
  artifact_uri: string | null;
}

/**
 * The newest point of each (run, key) series. Its integer `series_id` is what the (much larger)
 * metric_points table stores instead of repeating the 32-character run id and the key in every
 * point: at 10M points per experiment that is hundreds of MB saved and a tighter clustered index.
 */
export interface LatestMetricsTable {
  series_id: Generated<number>;
  run_uuid: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
}

export interface MetricPointsTable {
  series_id: number;
  step: number;
  timestamp: number;
  is_nan: number;
  value: number;
}

export interface ParamsTable {
  run_uuid: string;
  key: string;
  value: string;
}

export interface TagsTable {
  run_uuid: string;
  key: string;
  value: string | null;
}

export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

/**
 * Edges between entities, MLflow's `inputs` table: DATASET→RUN (log-inputs), RUN→MODEL and
 * MODEL→RUN (MLflow 3 model inputs/outputs, with the step at which they were logged).
 */
export interface InputsTable {
  input_uuid: string;
  source_type: string;
  source_id: string;
  destination_type: string;
  destination_id: string;
  step: number;
}

export interface InputTagsTable {
  input_uuid: string;
  name: string;
  value: string;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  status_message: string | null;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
}

export interface LoggedModelTagsTable {
  model_id: string;
  tag_key: string;
  tag_value: string;
}

export interface LoggedModelParamsTable {
  model_id: string;
  param_key: string;
  param_value: string;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  metric_name: string;
  metric_timestamp_ms: number;
  metric_step: number;
  metric_value: number;
  is_nan: number;
  experiment_id: number;
  run_id: string;
  dataset_uuid: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface Database extends RegistryTables, JobTables, ServingTables, TelemetryTables {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  latest_metrics: LatestMetricsTable;
  metric_points: MetricPointsTable;
  params: ParamsTable;
  tags: TagsTable;
  datasets: DatasetsTable;
  inputs: InputsTable;
  input_tags: InputTagsTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: LoggedModelTagsTable;
  logged_model_params: LoggedModelParamsTable;
  logged_model_metrics: LoggedModelMetricsTable;
}
