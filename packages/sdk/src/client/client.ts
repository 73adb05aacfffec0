import { resolveClientOptions } from '../config.js';
import type { ClientOptions } from '../config.js';
import { Transport } from '../transport.js';
import { ArtifactsApi } from './artifacts-api.js';
import { LoggedModelsApi } from './logged-models-api.js';
import { RegistryApi } from './registry-api.js';
import { RegistryGovernanceApi } from './registry-governance-api.js';
import { TrackingApi } from './tracking-api.js';
import { JobsApi } from './jobs-api.js';
import { BundlesApi } from './bundles-api.js';
import { AttemptLogsApi } from './attempt-logs-api.js';
import { ServingApi } from './serving-api.js';
import { TracesApi } from './traces-api.js';

/** Kept as its own name for callers; `registryUri` lives in ClientOptions. */
export type ClientConstructorOptions = ClientOptions;

/**
 * The low-level client: one method per MLflow endpoint, grouped by service. Works against
 * Modelyard and against MLflow's own server (the same wire API).
 */
export class Client {
  readonly tracking: TrackingApi;
  readonly artifacts: ArtifactsApi;
  readonly loggedModels: LoggedModelsApi;
  readonly registry: RegistryApi;
  /** Modelyard's audit trail and transition requests, on the registry server. */
  readonly registryGovernance: RegistryGovernanceApi;
  /** Artifacts of the registry server (model versions' files when it is a different server). */
  readonly registryArtifacts: ArtifactsApi;
  /** Modelyard's own APIs on the tracking server: jobs, serving endpoints, traces. */
  readonly jobs: JobsApi;
  /** Project bundles: upload, deploy, destroy (what `modelyard deploy` calls). */
  readonly bundles: BundlesApi;
  /** Task attempts' output shipped by queue workers (Modelyard only). */
  readonly attemptLogs: AttemptLogsApi;
  readonly serving: ServingApi;
  readonly traces: TracesApi;
  readonly trackingUri: string;
  readonly registryUri: string;

  constructor(opts: ClientConstructorOptions = {}) {
    const tracking = new Transport(resolveClientOptions(opts, 'tracking'));
    const registryOpts = resolveClientOptions(opts, 'registry');
    const registry = registryOpts.baseUrl === tracking.baseUrl ? tracking : new Transport(registryOpts);
    this.tracking = new TrackingApi(tracking);
    // Object-store credentials come from the same environment as the client's settings.
    const artifactOptions = opts.env ? { env: opts.env } : {};
    this.artifacts = new ArtifactsApi(tracking, artifactOptions);
    this.loggedModels = new LoggedModelsApi(tracking);
    this.registry = new RegistryApi(registry);
    this.registryGovernance = new RegistryGovernanceApi(registry);
    this.registryArtifacts = registry === tracking ? this.artifacts : new ArtifactsApi(registry, artifactOptions);
    this.jobs = new JobsApi(tracking);
    this.bundles = new BundlesApi(tracking);
    this.attemptLogs = new AttemptLogsApi(tracking);
    this.serving = new ServingApi(tracking);
    this.traces = new TracesApi(tracking);
    this.trackingUri = tracking.baseUrl;
    this.registryUri = registry.baseUrl;
  }
}
