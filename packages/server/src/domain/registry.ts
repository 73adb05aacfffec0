import { excerpt } from '@modelyard/contract';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import type { Tag } from './tracking.js';

/**
 * Model registry entities as the services see them (camelCase; the HTTP edge maps them to
 * MLflow's JSON). Versions are numbers inside and strings on MLflow's wire.
 */

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** The stages `archive_existing_versions` may be used with (MLflow's "active" stages). */
export const ACTIVE_STAGES: readonly ModelStage[] = ['Staging', 'Production'];

/** MLflow keeps a deleted version's row (so its number is never reused) in this pseudo-stage. */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

export interface RegisteredModelAlias {
  alias: string;
  version: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string | null;
  currentStage: ModelStage;
  description: string | null;
  source: string;
  /** Where the files are: `source` resolved (`runs:/…` → the run's artifact URI + path). */
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  modelId: string | null;
  tags: Tag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  /** The newest version in each stage (MLflow's `latest_versions`). */
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: RegisteredModelAlias[];
}

export const REGISTRY_EVENT_KINDS = [
  'model_created',
  'model_renamed',
  'model_deleted',
  'version_created',
  'version_deleted',
  'stage_transition',
  'alias_set',
  'alias_deleted',
  'transition_requested',
  'transition_approved',
  'transition_rejected',
  'transition_cancelled',
] as const;
export type RegistryEventKind = (typeof REGISTRY_EVENT_KINDS)[number];

/** One audit-trail entry: what changed on which model (and version), from what to what, by whom. */
export interface RegistryEvent {
  eventId: number;
  name: string;
  version: number | null;
  kind: RegistryEventKind;
  alias: string | null;
  fromValue: string | null;
  toValue: string | null;
  actor: string;
  comment: string | null;
  timestamp: number;
}

/** Who asks for a change, and why: recorded with every audited change. */
export interface ChangeContext {
  actor: string;
  comment?: string | undefined;
}

export const ANONYMOUS_ACTOR = 'anonymous';

const CANONICAL_STAGES = new Map<string, ModelStage>(MODEL_STAGES.map((s) => [s.toLowerCase(), s]));

/** MLflow accepts stages in any case and stores them capitalised. */
export function canonicalStage(stage: string): ModelStage {
  const found = CANONICAL_STAGES.get(stage.toLowerCase());
  if (!found) {
    throw new InvalidParameterError(`Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`);
  }
  return found;
}

export function isModelStage(s: string): s is ModelStage {
  return (MODEL_STAGES as readonly string[]).includes(s);
}

export function registeredModelNotFound(name: string): NotFoundError {
  return new NotFoundError(`Registered Model with name=${excerpt(name)} not found`);
}

export function modelVersionNotFound(name: string, version: number | string): NotFoundError {
  return new NotFoundError(`Model Version (name=${excerpt(name)}, version=${excerpt(String(version))}) not found`);
}

/**
 * A registry change as MLflow's webhooks describe it (`entity`, `action`, `data`): stores report
 * each one inside the transaction that makes it, so a webhook outbox row commits with the change.
 */
export interface RegistryChange {
  entity: 'registered_model' | 'model_version' | 'model_version_tag' | 'model_version_alias' | 'transition_request';
  action: 'created' | 'updated' | 'deleted' | 'set' | 'transitioned';
  data: Record<string, unknown>;
}

export const TRANSITION_REQUEST_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'CANCELLED'] as const;
export type TransitionRequestStatus = (typeof TRANSITION_REQUEST_STATUSES)[number];

/** A request to move a version to a stage, pending until approved, rejected or withdrawn. */
export interface TransitionRequest {
  requestId: number;
  name: string;
  version: number;
  toStage: ModelStage;
  status: TransitionRequestStatus;
  requestedBy: string;
  comment: string | null;
  creationTimestamp: number;
  resolvedBy: string | null;
  resolvedComment: string | null;
  resolvedTimestamp: number | null;
}
