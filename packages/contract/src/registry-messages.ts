import { z } from 'zod';
import { bool, int64, nested, repeated } from './message.js';

/**
 * Request messages of MLflow's model registry (mlflow/protos/model_registry.proto), as the server
 * validates them. Required-ness follows MLflow's handlers. Versions are strings in the proto;
 * numbers are accepted too (some clients send them).
 */

const version = () => z.union([z.string(), z.number()]).transform((v) => String(v));
const name = () => z.string();

/** RegisteredModelTag / ModelVersionTag: a missing value is ''. */
export const RegistryTag = z.object({ key: z.string(), value: z.string().nullish().transform((v) => v ?? '') });

export const CreateRegisteredModel = z.object({
  name: name(),
  tags: repeated(nested(RegistryTag)).optional(),
  description: z.string().optional(),
});

export const RenameRegisteredModel = z.object({ name: name(), new_name: z.string() });
export const UpdateRegisteredModel = z.object({ name: name(), description: z.string().optional() });
export const DeleteRegisteredModel = z.object({ name: name() });
export const GetRegisteredModel = z.object({ name: name() });

export const SearchRegisteredModels = z.object({
  filter: z.string().optional(),
  max_results: int64().optional(),
  order_by: repeated(z.string()).optional(),
  page_token: z.string().optional(),
});

export const GetLatestVersions = z.object({ name: name(), stages: repeated(z.string()).optional() });

export const SetRegisteredModelTag = z.object({ name: name(), key: z.string(), value: z.string().optional() });
export const DeleteRegisteredModelTag = z.object({ name: name(), key: z.string() });

export const CreateModelVersion = z.object({
  name: name(),
  source: z.string(),
  run_id: z.string().optional(),
  tags: repeated(nested(RegistryTag)).optional(),
  run_link: z.string().optional(),
  description: z.string().optional(),
  model_id: z.string().optional(),
});

export const UpdateModelVersion = z.object({ name: name(), version: version(), description: z.string().optional() });

export const TransitionModelVersionStage = z.object({
  name: name(),
  version: version(),
  stage: z.string(),
  archive_existing_versions: bool().optional(),
  /** Not in MLflow OSS (Databricks has it): recorded in the audit trail. */
  comment: z.string().optional(),
});

export const ModelVersionRef = z.object({ name: name(), version: version() });

export const SearchModelVersions = z.object({
  filter: z.string().optional(),
  max_results: int64().optional(),
  order_by: repeated(z.string()).optional(),
  page_token: z.string().optional(),
});

export const SetModelVersionTag = z.object({ name: name(), version: version(), key: z.string(), value: z.string().optional() });
export const DeleteModelVersionTag = z.object({ name: name(), version: version(), key: z.string() });

export const SetRegisteredModelAlias = z.object({
  name: name(),
  alias: z.string(),
  version: version(),
  /** Not in MLflow: recorded in the audit trail. */
  comment: z.string().optional(),
});
export const DeleteRegisteredModelAlias = z.object({ name: name(), alias: z.string(), comment: z.string().optional() });
export const GetModelVersionByAlias = z.object({ name: name(), alias: z.string() });

/** `GET /api/v1/registry/events`: the audit trail, optionally for one model / version / kinds. */
export const ListRegistryEvents = z.object({
  name: z.string().optional(),
  version: version().optional(),
  kind: repeated(z.string()).optional(),
  max_results: int64().optional(),
  page_token: z.string().optional(),
});

/** Databricks' transition requests (`/transition-requests/...`), as its SDK sends them. */
export const CreateTransitionRequest = z.object({ name: name(), version: version(), stage: z.string(), comment: z.string().optional() });
export const ListTransitionRequests = z.object({ name: name(), version: version() });
export const ApproveTransitionRequest = z.object({
  name: name(),
  version: version(),
  stage: z.string(),
  archive_existing_versions: bool().optional(),
  comment: z.string().optional(),
});
export const RejectTransitionRequest = z.object({ name: name(), version: version(), stage: z.string(), comment: z.string().optional() });
export const DeleteTransitionRequest = z.object({
  name: name(),
  version: version(),
  stage: z.string(),
  creator: z.string(),
  comment: z.string().optional(),
});

/** Databricks' transition-stage variant (`/databricks/model-versions/transition-stage`): takes a comment. */
export const TransitionModelVersionStageDatabricks = TransitionModelVersionStage;

/**
 * MLflow's webhooks (mlflow/protos/webhooks.proto). An event is `{entity, action}` with the
 * proto's enum names; MLflow's Python client's `"model_version.created"` spelling is accepted too.
 */
export const WebhookEventMessage = z.union([z.string(), z.object({ entity: z.string(), action: z.string() })]);

export const CreateWebhook = z.object({
  name: z.string(),
  description: z.string().optional(),
  url: z.string(),
  events: repeated(nested(WebhookEventMessage)),
  secret: z.string().optional(),
  status: z.string().optional(),
});

export const ListWebhooks = z.object({ max_results: int64().optional(), page_token: z.string().optional() });

/** The id travels in the path (`/webhooks/{webhook_id}`); a body copy is accepted and ignored. */
export const WebhookPathOnly = z.object({ webhook_id: z.string().optional() });

export const UpdateWebhook = z.object({
  webhook_id: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  url: z.string().optional(),
  events: repeated(nested(WebhookEventMessage)).optional(),
  secret: z.string().optional(),
  status: z.string().optional(),
});

export const TestWebhook = z.object({ webhook_id: z.string().optional(), event: nested(WebhookEventMessage).optional() });
