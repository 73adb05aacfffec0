import type { Kysely } from 'kysely';
import type { Config } from '../../config/config.js';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { RegisteredModelStore } from '../../stores/registry/registered-model-store.js';
import { ModelVersionStore } from '../../stores/registry/model-version-store.js';
import { ModelAliasStore } from '../../stores/registry/model-alias-store.js';
import { RegistryEventStore } from '../../stores/registry/registry-event-store.js';
import { TransitionRequestStore } from '../../stores/registry/transition-request-store.js';
import { WebhookStore } from '../../stores/registry/webhook-store.js';
import type { ChangeListener } from '../../stores/registry/registry-write.js';
import { RegisteredModelService } from './registered-model-service.js';
import { ModelVersionService } from './model-version-service.js';
import { RegistryEventService } from './registry-event-service.js';
import { TransitionRequestService } from './transition-request-service.js';
import { WebhookService } from './webhook-service.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookTargetPolicy } from './webhook-target.js';
import type { LoggedModelRef, TrackingLookups } from './registry-deps.js';

export type { LoggedModelRef, TrackingLookups } from './registry-deps.js';

/** Everything the registry routes and CLI call. */
export interface RegistryServices {
  registeredModels: RegisteredModelService;
  modelVersions: ModelVersionService;
  events: RegistryEventService;
  transitionRequests: TransitionRequestService;
  webhooks: WebhookService;
  /**
   * Sends queued webhook deliveries. Not started here (nothing runs on construction): the
   * composition root calls `start()` after listening and `stop()` on shutdown.
   */
  webhookDispatcher: WebhookDispatcher;
}

export interface WebhookDeliveryOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  pollIntervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface RegistryServicesDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  config: Config;
  now?: (() => number) | undefined;
  getRunArtifactUri(runId: string): Promise<string>;
  getLoggedModel(modelId: string): Promise<LoggedModelRef>;
  /** Also runs inside each registry write transaction, once per change, after the webhook outbox. */
  onChange?: ChangeListener | undefined;
  webhooks?: WebhookDeliveryOptions | undefined;
}

/** Wires the registry stores into its services. Called by the composition root and by tests. */
export function createRegistryServices(deps: RegistryServicesDeps): RegistryServices {
  const now = deps.now ?? Date.now;
  const webhookStore = new WebhookStore(deps.db, deps.caps);
  const targets = new WebhookTargetPolicy(deps.config.webhookAllowHosts ?? []);
  const dispatcher = new WebhookDispatcher({ store: webhookStore, now, targets, ...deps.webhooks });
  const stores = {
    models: new RegisteredModelStore(deps.db, deps.caps),
    versions: new ModelVersionStore(deps.db, deps.caps),
    aliases: new ModelAliasStore(deps.db, deps.caps),
    events: new RegistryEventStore(deps.db),
    requests: new TransitionRequestStore(deps.db, deps.caps),
  };
  const tracking: TrackingLookups = {
    getRunArtifactUri: (runId) => deps.getRunArtifactUri(runId),
    getLoggedModel: (modelId) => deps.getLoggedModel(modelId),
  };
  const extra = deps.onChange;
  const onChange: ChangeListener = async (tx, change) => {
    await webhookStore.enqueue(tx, change, now());
    if (extra) await extra(tx, change);
  };
  const serviceDeps = { stores, tracking, now, onChange, afterCommit: () => dispatcher.kick() };
  return {
    registeredModels: new RegisteredModelService(serviceDeps),
    modelVersions: new ModelVersionService(serviceDeps),
    events: new RegistryEventService(serviceDeps),
    transitionRequests: new TransitionRequestService(serviceDeps),
    webhooks: new WebhookService({ store: webhookStore, now, timeoutMs: deps.webhooks?.timeoutMs ?? 10_000, targets }),
    webhookDispatcher: dispatcher,
  };
}
