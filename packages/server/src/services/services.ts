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
import { RunService } from './tracking/run-service.js';
import { LoggedModelService } from './tracking/logged-model-service.js';
import { ArtifactService } from './artifacts/artifact-service.js';
import { createArtifactRepositories } from '../artifacts/artifact-repositories.js';

/** Everything the HTTP layer, the CLI and the workers call. */
export interface Services {
  experiments: ExperimentService;
  runs: RunService;
  loggedModels: LoggedModelService;
  artifacts: ArtifactService;
}

export interface ServiceDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  config: Config;
  logger: Logger;
  /** Injected so tests can pin time. */
  now?: () => number;
}

/** Wires stores into services. Called once by the composition root (and by test helpers). */
export async function createServices(deps: ServiceDeps): Promise<Services> {
  const now = deps.now ?? Date.now;
  const metrics = new MetricStore(deps.db, deps.caps);
  const stores = {
    experiments: new ExperimentStore(deps.db, deps.caps),
    runs: new RunStore(deps.db, deps.caps, metrics),
    metrics,
    loggedModels: new LoggedModelStore(deps.db, deps.caps),
  };
  const trackingDeps = { stores, config: deps.config, now };
  const experiments = new ExperimentService(trackingDeps);
  await experiments.ensureDefaultExperiment();
  const runs = new RunService(trackingDeps, experiments);
  const loggedModels = new LoggedModelService(trackingDeps);
  const artifacts = new ArtifactService({
    repos: createArtifactRepositories(deps.config),
    config: deps.config,
    runArtifactUri: async (runId) => (await runs.getInfo(runId)).artifactUri,
  });
  return { experiments, runs, loggedModels, artifacts };
}
