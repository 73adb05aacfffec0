import type { Kysely } from 'kysely';
import type { Config } from '../../config/config.js';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { RegisteredModelStore } from '../../stores/registry/registered-model-store.js';
import { ModelVersionStore } from '../../stores/registry/model-version-store.js';
import { ModelAliasStore } from '../../stores/registry/model-alias-store.js';
import { RegistryEventStore } from '../../stores/registry/registry-event-store.js';
import type { ChangeListener } from '../../stores/registry/registry-write.js';
import { RegisteredModelService } from './registered-model-service.js';
import { ModelVersionService } from './model-version-service.js';
import { RegistryEventService } from './registry-event-service.js';
import type { LoggedModelRef, TrackingLookups } from './registry-deps.js';

export type { LoggedModelRef, TrackingLookups } from './registry-deps.js';

/** Everything the registry routes and CLI call. */
export interface RegistryServices {
  registeredModels: RegisteredModelService;
  modelVersions: ModelVersionService;
  events: RegistryEventService;
}

export interface RegistryServicesDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  config: Config;
  now?: (() => number) | undefined;
  getRunArtifactUri(runId: string): Promise<string>;
  getLoggedModel(modelId: string): Promise<LoggedModelRef>;
  /** Runs inside each registry write transaction, once per change (webhook outbox). */
  onChange?: ChangeListener | undefined;
}

/** Wires the registry stores into its services. Called by the composition root and by tests. */
export function createRegistryServices(deps: RegistryServicesDeps): RegistryServices {
  const stores = {
    models: new RegisteredModelStore(deps.db, deps.caps),
    versions: new ModelVersionStore(deps.db, deps.caps),
    aliases: new ModelAliasStore(deps.db, deps.caps),
    events: new RegistryEventStore(deps.db),
  };
  const tracking: TrackingLookups = {
    getRunArtifactUri: (runId) => deps.getRunArtifactUri(runId),
    getLoggedModel: (modelId) => deps.getLoggedModel(modelId),
  };
  const serviceDeps = { stores, tracking, now: deps.now ?? Date.now, onChange: deps.onChange };
  return {
    registeredModels: new RegisteredModelService(serviceDeps),
    modelVersions: new ModelVersionService(serviceDeps),
    events: new RegistryEventService(serviceDeps),
  };
}
