import { resolveClientOptions } from '../config.js';
import type { ClientOptions } from '../config.js';
import { Transport } from '../transport.js';
import { ArtifactsApi } from './artifacts-api.js';
import { LoggedModelsApi } from './logged-models-api.js';
import { RegistryApi } from './registry-api.js';
import { TrackingApi } from './tracking-api.js';

export interface ClientConstructorOptions extends ClientOptions {
  /** A separate registry server (MLflow's `registry_uri` / `MLFLOW_REGISTRY_URI`); defaults to the tracking server. */
  registryUri?: string;
}

/**
 * The low-level client: one method per MLflow endpoint, grouped by service. Works against
 * Modelyard and against MLflow's own server (the same wire API).
 */
export class Client {
  readonly tracking: TrackingApi;
  readonly artifacts: ArtifactsApi;
  readonly loggedModels: LoggedModelsApi;
  readonly registry: RegistryApi;
  /** Artifacts of the registry server (model versions' files when it is a different server). */
  readonly registryArtifacts: ArtifactsApi;
  readonly trackingUri: string;
  readonly registryUri: string;

  constructor(opts: ClientConstructorOptions = {}) {
    const tracking = new Transport(resolveClientOptions(opts, 'tracking'));
    const registryOpts = resolveClientOptions({ ...opts, ...(opts.registryUri ? { trackingUri: opts.registryUri } : {}) }, opts.registryUri ? 'tracking' : 'registry');
    const registry = registryOpts.baseUrl === tracking.baseUrl ? tracking : new Transport(registryOpts);
    this.tracking = new TrackingApi(tracking);
    this.artifacts = new ArtifactsApi(tracking);
    this.loggedModels = new LoggedModelsApi(tracking);
    this.registry = new RegistryApi(registry);
    this.registryArtifacts = registry === tracking ? this.artifacts : new ArtifactsApi(registry);
    this.trackingUri = tracking.baseUrl;
    this.registryUri = registry.baseUrl;
  }
}
