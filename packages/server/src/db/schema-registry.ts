import type { Generated } from 'kysely';

/**
 * Kysely table types of the model registry (migration 003). Times are epoch milliseconds.
 * Versions are integers in the database and strings on MLflow's wire.
 */
export interface RegisteredModelsTable {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  /** None / Staging / Production / Archived, or Deleted_Internal for a deleted version (as MLflow). */
  current_stage: string;
  source: string;
  storage_location: string | null;
  run_id: string | null;
  run_link: string | null;
  /** PENDING_REGISTRATION / FAILED_REGISTRATION / READY */
  status: string;
  status_message: string | null;
  model_id: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}

/** The audit trail: one row per stage transition, alias move and lifecycle change. */
export interface RegistryEventsTable {
  event_id: Generated<number>;
  name: string;
  version: number | null;
  kind: string;
  /** The alias an alias_set / alias_deleted event moved. */
  alias: string | null;
  from_value: string | null;
  to_value: string | null;
  actor: string;
  comment: string | null;
  timestamp: number;
}

/** Databricks-style stage transition requests (pending until approved, rejected or withdrawn). */
export interface TransitionRequestsTable {
  request_id: Generated<number>;
  name: string;
  version: number;
  to_stage: string;
  /** PENDING / APPROVED / REJECTED / CANCELLED */
  status: string;
  requested_by: string;
  comment: string | null;
  creation_time: number;
  resolved_by: string | null;
  resolved_comment: string | null;
  resolved_time: number | null;
}

export interface WebhooksTable {
  webhook_id: string;
  name: string;
  description: string | null;
  url: string;
  /** 'mlflow' or 'databricks': which payload and signature scheme deliveries use. */
  api: Generated<string>;
  /** Registry-wide when null. */
  model_name: string | null;
  /** ACTIVE / DISABLED / TEST_MODE */
  status: string;
  secret: string | null;
  creation_time: number;
  last_updated_time: number;
}

/** The (entity, action) pairs a webhook subscribes to, e.g. (model_version, created). */
export interface WebhookEventsTable {
  webhook_id: string;
  entity: string;
  action: string;
}

/**
 * The webhook outbox: written in the transaction of the registry change it reports, sent after
 * commit, retried with backoff until delivered or out of attempts.
 */
export interface WebhookDeliveriesTable {
  delivery_id: string;
  webhook_id: string;
  entity: string;
  action: string;
  payload: string;
  /** PENDING / DELIVERED / FAILED */
  status: string;
  attempts: number;
  creation_time: number;
  next_attempt_time: number;
  last_attempt_time: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

export interface RegistryTables {
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  registry_events: RegistryEventsTable;
  transition_requests: TransitionRequestsTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
