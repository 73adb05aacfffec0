import { z } from 'zod';
import { VIEW_TYPES, RUN_STATUSES } from './enums.js';
import { double, int64, nested, repeated } from './message.js';

/**
 * Request messages of MLflow's tracking service (mlflow/protos/service.proto), as the server
 * validates them. Field names are the proto's; required-ness follows MLflow's handlers.
 */

const id = () => z.union([z.string(), z.number()]).transform((v) => String(v));
const text = () => z.string();
const optionalText = () => z.string().optional();

export const KeyValue = z.object({ key: text(), value: z.string().nullish().transform((v) => v ?? '') });

export const ViewTypeField = z.enum(VIEW_TYPES).or(z.number().int().min(1).max(3).transform((n) => VIEW_TYPES[n - 1]!));

export const CreateExperiment = z.object({
  name: text(),
  artifact_location: optionalText(),
  tags: repeated(nested(KeyValue)).optional(),
});

export const GetExperiment = z.object({ experiment_id: id() });
export const GetExperimentByName = z.object({ experiment_name: text() });
export const DeleteExperiment = z.object({ experiment_id: id() });
export const RestoreExperiment = z.object({ experiment_id: id() });
export const UpdateExperiment = z.object({ experiment_id: id(), new_name: optionalText() });
export const SetExperimentTag = z.object({ experiment_id: id(), key: text(), value: z.string() });
export const DeleteExperimentTag = z.object({ experiment_id: id(), key: text() });

export const SearchExperiments = z.object({
  max_results: int64().optional(),
  page_token: optionalText(),
  filter: optionalText(),
  order_by: repeated(z.string()).optional(),
  view_type: ViewTypeField.optional(),
});

/** MLflow still accepts the deprecated `run_uuid` wherever `run_id` is expected. */
const runRef = {
  run_id: optionalText(),
  run_uuid: optionalText(),
};

export const CreateRun = z.object({
  experiment_id: id().optional(),
  user_id: optionalText(),
  run_name: optionalText(),
  start_time: int64().optional(),
  tags: repeated(nested(KeyValue)).optional(),
});

export const UpdateRun = z.object({
  ...runRef,
  status: z.enum(RUN_STATUSES).optional(),
  end_time: int64().optional(),
  run_name: optionalText(),
});

export const RunIdOnly = z.object({ ...runRef });

export const LogMetric = z.object({
  ...runRef,
  key: text(),
  value: double(),
  timestamp: int64(),
  step: int64().optional(),
  model_id: optionalText(),
  dataset_name: optionalText(),
  dataset_digest: optionalText(),
});

export const LogParam = z.object({ ...runRef, key: text(), value: z.string() });
export const SetTag = z.object({ ...runRef, key: text(), value: z.string() });
export const DeleteTag = z.object({ run_id: text(), key: text() });

export const BatchMetric = z.object({
  key: text(),
  value: double(),
  timestamp: int64(),
  step: int64().optional(),
  model_id: optionalText(),
  dataset_name: optionalText(),
  dataset_digest: optionalText(),
});

export const LogBatch = z.object({
  run_id: text(),
  metrics: z.array(BatchMetric).optional(),
  params: z.array(z.object({ key: text(), value: z.string() })).optional(),
  tags: z.array(z.object({ key: text(), value: z.string() })).optional(),
});

export const DatasetMessage = z.object({
  name: text(),
  digest: text(),
  source_type: text(),
  source: text(),
  schema: optionalText(),
  profile: optionalText(),
});

export const LogInputs = z.object({
  run_id: text(),
  datasets: z.array(z.object({ tags: z.array(KeyValue).optional(), dataset: DatasetMessage })).optional(),
  models: z.array(z.object({ model_id: text() })).optional(),
});

export const LogOutputs = z.object({
  run_id: text(),
  models: z.array(z.object({ model_id: text(), step: int64().optional() })).optional(),
});

export const SearchRuns = z.object({
  experiment_ids: repeated(id()).optional(),
  filter: optionalText(),
  run_view_type: ViewTypeField.optional(),
  max_results: int64().optional(),
  order_by: repeated(z.string()).optional(),
  page_token: optionalText(),
});

export const GetMetricHistory = z.object({
  ...runRef,
  metric_key: text(),
  page_token: optionalText(),
  max_results: int64().optional(),
});

export const GetMetricHistoryBulkInterval = z.object({
  run_ids: repeated(text()),
  metric_key: text(),
  start_step: int64().optional(),
  end_step: int64().optional(),
  max_results: int64().optional(),
});


/** MLflow 2 clients record a logged model's MLmodel (as JSON) in the run's history tag. */
export const LogModel = z.object({ run_id: text(), model_json: text() });
