import type { ChangeContext } from '../../domain/registry.js';
import type { RegisteredModelStore } from '../../stores/registry/registered-model-store.js';
import type { ModelVersionStore } from '../../stores/registry/model-version-store.js';
import type { ModelAliasStore } from '../../stores/registry/model-alias-store.js';
import type { RegistryEventStore } from '../../stores/registry/registry-event-store.js';
import type { TransitionRequestStore } from '../../stores/registry/transition-request-store.js';
import type { ChangeListener, WriteContext } from '../../stores/registry/registry-write.js';

/** What a logged model (MLflow 3) must tell the registry to register it. */
export interface LoggedModelRef {
  artifactUri: string;
  sourceRunId?: string | null | undefined;
}

/**
 * Lookups in the tracking side, injected (not imported) so the registry can also run against a
 * tracking server elsewhere. Both throw RESOURCE_DOES_NOT_EXIST for an unknown id.
 */
export interface TrackingLookups {
  getRunArtifactUri(runId: string): Promise<string>;
  getLoggedModel(modelId: string): Promise<LoggedModelRef>;
}

export interface RegistryStores {
  models: RegisteredModelStore;
  versions: ModelVersionStore;
  aliases: ModelAliasStore;
  events: RegistryEventStore;
  requests: TransitionRequestStore;
}

export interface RegistryServiceDeps {
  stores: RegistryStores;
  tracking: TrackingLookups;
  now: () => number;
  /** Called inside each writing transaction for each change (the webhook outbox hooks in here). */
  onChange?: ChangeListener | undefined;
  /** Called after a write that reported changes has committed (wakes the webhook dispatcher). */
  afterCommit?: (() => void) | undefined;
}

export function writeContext(deps: RegistryServiceDeps, caller: ChangeContext): WriteContext {
  return { now: deps.now(), actor: caller.actor, comment: caller.comment, onChange: deps.onChange, afterCommit: deps.afterCommit };
}
