import { z } from 'zod';
import { LOGGED_MODEL_STATUSES } from './enums.js';
import { bool, int64, nested, repeated } from './message.js';

/**
 * Request messages of MLflow 3's logged-model endpoints (service.proto: CreateLoggedModel,
 * FinalizeLoggedModel, SetLoggedModelTags, SearchLoggedModels, LogLoggedModelParamsRequest,
 * ListLoggedModelArtifacts). The model id travels in the URL path (`/logged-models/{model_id}`),
 * so the messages here describe only what arrives in the body or the query string.
 */

const id = () => z.union([z.string(), z.number()]).transform((v) => String(v));

/** LoggedModelTag / LoggedModelParameter: both fields are optional in the proto; a missing value is ''. */
export const LoggedModelKeyValue = z.object({
  key: z.string(),
  value: z.string().nullish().transform((v) => v ?? ''),
});

/** Protobuf's JSON mapping accepts an enum by name or by number. */
export const LoggedModelStatusField = z
  .enum(LOGGED_MODEL_STATUSES)
  .or(z.number().int().min(0).max(LOGGED_MODEL_STATUSES.length - 1).transform((n) => LOGGED_MODEL_STATUSES[n]!));

export const CreateLoggedModel = z.object({
  experiment_id: id(),
  name: z.string().optional(),
  model_type: z.string().optional(),
  source_run_id: z.string().optional(),
  params: repeated(nested(LoggedModelKeyValue)).optional(),
  tags: repeated(nested(LoggedModelKeyValue)).optional(),
});

export const FinalizeLoggedModel = z.object({
  // Also sent in the body by MLflow's client; the path's id is the one that counts.
  model_id: z.string().optional(),
  status: LoggedModelStatusField,
});

/** GET and DELETE of `/logged-models/{model_id}` carry nothing but the (path) id. */
export const LoggedModelPathOnly = z.object({ model_id: z.string().optional() });

export const SetLoggedModelTags = z.object({
  model_id: z.string().optional(),
  tags: repeated(nested(LoggedModelKeyValue)).optional(),
});

export const DeleteLoggedModelTag = z.object({
  model_id: z.string().optional(),
  tag_key: z.string().optional(),
});

export const LogLoggedModelParams = z.object({
  model_id: z.string().optional(),
  params: repeated(nested(LoggedModelKeyValue)).optional(),
});

export const SearchLoggedModelsDataset = z.object({
  dataset_name: z.string(),
  dataset_digest: z.string().optional(),
});

export const SearchLoggedModelsOrderBy = z.object({
  field_name: z.string(),
  ascending: bool().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});

export const SearchLoggedModels = z.object({
  experiment_ids: repeated(id()).optional(),
  filter: z.string().optional(),
  datasets: repeated(nested(SearchLoggedModelsDataset)).optional(),
  max_results: int64().optional(),
  order_by: repeated(nested(SearchLoggedModelsOrderBy)).optional(),
  page_token: z.string().optional(),
});

export const ListLoggedModelArtifacts = z.object({
  artifact_directory_path: z.string().optional(),
  page_token: z.string().optional(),
});

/** `GET /logged-models/{model_id}/artifacts/files`: the MLflow UI's download of one file. */
export const GetLoggedModelArtifact = z.object({
  artifact_file_path: z.string(),
});
