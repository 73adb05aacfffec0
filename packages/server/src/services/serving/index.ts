import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { ModelRuntime } from '../../runtime/model-runtime.js';
import { ServingMetrics } from '../../runtime/scoring/serving-metrics.js';
import { ServingEndpointStore } from '../../stores/serving/serving-endpoint-store.js';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { ModelVersionService } from '../registry/model-version-service.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import type { RunService } from '../tracking/run-service.js';
import { ServerModelSource } from './server-model-source.js';
import { ServingEndpointService } from './serving-endpoint-service.js';

export type { ServingEndpoint } from './serving-endpoint-service.js';
export type { ServingEndpointInput } from './serving-endpoint-input.js';
export type { ServedModelState } from './live-endpoint.js';

/** The model runtime of this server process and the endpoints it serves. */
export interface ServingServices {
  /**
   * The one runtime of the process, resolving URIs straight from the registry and artifact
   * stores: serving endpoints, batch scoring and pipeline `evaluate` tasks share its cache.
   */
  runtime: ModelRuntime;
  endpoints: ServingEndpointService;
}

export interface ServingServicesDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  logger: Logger;
  dataDir: string;
  modelVersions: ModelVersionService;
  runs: RunService;
  loggedModels: LoggedModelService;
  artifacts: ArtifactService;
  now?: () => number;
  pollIntervalMs?: number;
  intraOpNumThreads?: number;
}

export function createServingServices(deps: ServingServicesDeps): ServingServices {
  const source = new ServerModelSource({
    modelVersions: deps.modelVersions,
    runs: deps.runs,
    loggedModels: deps.loggedModels,
    artifacts: deps.artifacts,
    cacheDir: join(deps.dataDir, 'model-cache'),
  });
  const runtime = new ModelRuntime({ source, ...(deps.intraOpNumThreads ? { intraOpNumThreads: deps.intraOpNumThreads } : {}) });
  const endpoints = new ServingEndpointService({
    store: new ServingEndpointStore(deps.db, deps.caps),
    runtime,
    metrics: new ServingMetrics(),
    logger: deps.logger,
    dataDir: deps.dataDir,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
  });
  return { runtime, endpoints };
}
