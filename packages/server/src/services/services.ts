import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { DbCaps } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { ExperimentStore } from '../stores/tracking/experiment-store.js';
import { RunStore } from '../stores/tracking/run-store.js';
import { MetricStore } from '../stores/tracking/metric-store.js';
import { LoggedModelStore } from '../stores/tracking/logged-model-store.js';
import { ExperimentService } from './tracking/experiment-service.js';
import type { TrackingStores } from './tracking/tracking-stores.js';
import { RunService } from './tracking/run-service.js';
import { LoggedModelService } from './tracking/logged-model-service.js';
import { ArtifactService } from './artifacts/artifact-service.js';
import { createArtifactRepositories } from '../artifacts/artifact-repositories.js';
import type { ArtifactRepositories } from '../artifacts/artifact-repositories.js';
import { createRegistryServices } from './registry/index.js';
import type { RegistryServices } from './registry/index.js';
import { createJobServices } from './pipelines/create-job-services.js';
import type { JobServices } from './pipelines/create-job-services.js';
import type { TaskExecutor } from './pipelines/task-executor.js';
import { createServingServices } from './serving/index.js';
import type { ServingServices } from './serving/index.js';
import type { JobRunTracing } from '../telemetry/job-run-tracing.js';
import { BundleService } from './bundles/bundle-service.js';
import { BundleDeployer } from './bundles/bundle-deployer.js';
import { DeploymentStateStore } from './bundles/deployment-state.js';

/** Everything the HTTP layer, the CLI and the workers call. */
export interface Services {
  experiments: ExperimentService;
  runs: RunService;
  loggedModels: LoggedModelService;
  artifacts: ArtifactService;
  registry: RegistryServices;
  pipelines: JobServices;
  serving: ServingServices;
  /** Project bundles (`modelyard deploy`): stored, served to workers, unpacked to run tasks. */
  bundles: BundleService;
  /** Deploys and destroys a bundle's jobs, registered models and serving endpoints. */
  bundleDeployer: BundleDeployer;
}

export interface ServiceDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  config: Config;
  logger: Logger;
  /** Injected so tests can pin time. */
  now?: () => number;
  /**
   * Runs job task attempts (worker/createTaskExecutor); without it this process runs no tasks. A
   * function receives the services built before the pipelines (registry, tracking…), which the
   * in-process task types call.
   */
  taskExecutor?: TaskExecutor | ((services: Omit<Services, 'pipelines' | 'bundleDeployer'>) => TaskExecutor);
  /** The URL task processes log to (MLFLOW_TRACKING_URI), known once the server listens. */
  trackingUri?: () => string | undefined;
  /** Traces job runs (telemetry/JobRunTracer, made by the composition root). */
  tracing?: JobRunTracing;
  /** The artifact stores, when the composition root made (and checked) them; else made from the config. */
  artifactRepositories?: ArtifactRepositories;
}

/** The tracking stores over one database. */
export function createTrackingStores(db: Kysely<Database>, caps: DbCaps): TrackingStores {
  const metrics = new MetricStore(db, caps);
  return {
    experiments: new ExperimentStore(db, caps),
    runs: new RunStore(db, caps, metrics),
    metrics,
    loggedModels: new LoggedModelStore(db, caps),
  };
}

/** Wires stores into services. Called once by the composition root (and by test helpers). */
export async function createServices(deps: ServiceDeps): Promise<Services> {
  const now = deps.now ?? Date.now;
  const stores = createTrackingStores(deps.db, deps.caps);
  const trackingDeps = { stores, config: deps.config, now };
  const artifactRepositories = deps.artifactRepositories ?? createArtifactRepositories(deps.config);
  const experiments = new ExperimentService({ ...trackingDeps, locations: artifactRepositories.policy });
  await experiments.ensureDefaultExperiment();
  const runs = new RunService(trackingDeps);
  const loggedModels = new LoggedModelService(trackingDeps);
  const artifacts = new ArtifactService({
    repos: artifactRepositories,
    config: deps.config,
    runArtifactUri: async (runId) => (await runs.getInfo(runId)).artifactUri,
  });
  const registry = createRegistryServices({
    db: deps.db,
    caps: deps.caps,
    config: deps.config,
    now,
    getRunArtifactUri: async (runId) => (await runs.getInfo(runId)).artifactUri,
    getLoggedModel: (modelId) => loggedModels.get(modelId),
    webhooks: { onError: (err) => deps.logger.warn({ err }, 'webhook delivery failed') },
  });
  const serving = createServingServices({
    db: deps.db,
    caps: deps.caps,
    logger: deps.logger,
    dataDir: deps.config.dataDir,
    modelVersions: registry.modelVersions,
    runs,
    loggedModels,
    artifacts,
    now,
    flavor: deps.config.modelFlavor,
    python: {
      envManager: deps.config.pythonEnvManager,
      ...(deps.config.pythonExecutable ? { python: deps.config.pythonExecutable } : {}),
      ...(deps.config.pythonWorkers > 0 ? { workers: deps.config.pythonWorkers } : {}),
      requestTimeoutMs: deps.config.pythonTimeoutMs,
      idleStopMs: deps.config.pythonIdleStopMs,
    },
  });
  const bundles = new BundleService({
    destination: artifactRepositories.proxied,
    uploadDir: join(deps.config.dataDir, 'bundle-uploads'),
    cacheDir: join(deps.config.dataDir, 'bundle-cache'),
    maxBytes: deps.config.maxBundleBytes,
  });
  const built = { experiments, runs, loggedModels, artifacts, registry, serving, bundles };
  const taskExecutor = typeof deps.taskExecutor === 'function' ? deps.taskExecutor(built) : deps.taskExecutor;
  const pipelines = createJobServices({
    db: deps.db,
    caps: deps.caps,
    experiments,
    runs,
    logger: deps.logger,
    dataDir: deps.config.dataDir,
    trackingUri: deps.trackingUri ?? (() => undefined),
    now,
    ...(taskExecutor ? { executor: taskExecutor } : {}),
    ...(deps.tracing ? { runner: { tracing: deps.tracing } } : {}),
  });
  const bundleDeployer = new BundleDeployer({
    bundles,
    pipelines,
    registeredModels: registry.registeredModels,
    endpoints: serving.endpoints,
    states: new DeploymentStateStore(artifactRepositories.proxied),
    now,
  });
  return { ...built, pipelines, bundleDeployer };
}
