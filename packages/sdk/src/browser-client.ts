import { RegistryApi } from './client/registry-api.js';
import { LoggedModelsApi } from './client/logged-models-api.js';
import { RegistryGovernanceApi } from './client/registry-governance-api.js';
import { TrackingApi } from './client/tracking-api.js';
import { JobsApi } from './client/jobs-api.js';
import { ServingApi } from './client/serving-api.js';
import { TracesApi } from './client/traces-api.js';
import { BrowserArtifactsApi } from './browser-artifacts-api.js';
import { resolveBrowserClientOptions } from './browser-client-options.js';
import type { BrowserClientOptions } from './browser-client-options.js';
import { Transport } from './transport.js';

/**
 * The low-level client for code that runs in a browser (the web UI): the same tracking, registry,
 * governance, logged-model, jobs, serving and traces APIs as the Node `Client`, with artifacts read over HTTP into
 * memory. Nothing it reaches imports a Node built-in or onnxruntime.
 */
export class BrowserClient {
  readonly tracking: TrackingApi;
  readonly artifacts: BrowserArtifactsApi;
  readonly loggedModels: LoggedModelsApi;
  readonly registry: RegistryApi;
  readonly registryGovernance: RegistryGovernanceApi;
  /** Artifacts of the registry server (model versions' files when it is a different server). */
  readonly registryArtifacts: BrowserArtifactsApi;
  /** Modelyard's own APIs on the tracking server: jobs, serving endpoints, traces. */
  readonly jobs: JobsApi;
  readonly serving: ServingApi;
  readonly traces: TracesApi;
  readonly trackingUri: string;
  readonly registryUri: string;

  constructor(opts: BrowserClientOptions = {}) {
    const tracking = new Transport(resolveBrowserClientOptions(opts, 'tracking'));
    const registryOpts = resolveBrowserClientOptions(opts, 'registry');
    const registry = registryOpts.baseUrl === tracking.baseUrl ? tracking : new Transport(registryOpts);
    this.tracking = new TrackingApi(tracking);
    this.artifacts = new BrowserArtifactsApi(tracking);
    this.loggedModels = new LoggedModelsApi(tracking);
    this.registry = new RegistryApi(registry);
    this.registryGovernance = new RegistryGovernanceApi(registry);
    this.registryArtifacts = registry === tracking ? this.artifacts : new BrowserArtifactsApi(registry);
    this.jobs = new JobsApi(tracking);
    this.serving = new ServingApi(tracking);
    this.traces = new TracesApi(tracking);
    this.trackingUri = tracking.baseUrl;
    this.registryUri = registry.baseUrl;
  }
}
