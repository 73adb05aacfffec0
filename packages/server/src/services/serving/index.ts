import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { FlavorChoice } from '../../runtime/model-flavor.js';
import { ModelRuntime } from '../../runtime/model-runtime.js';
import { RegistryRoutingModelSource } from '../../runtime/registry-routing-model-source.js';
import type { PythonRuntimeOptions } from '../../runtime/python/python-model.js';
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
  /** Which flavor runs a model with both onnx and python_function (default auto: ONNX). */
  flavor?: FlavorChoice;
  /** How python_function models run; built environments go under `<dataDir>/python-envs` unless it says otherwise. */
  python?: PythonRuntimeOptions;
}

export function createServingServices(deps: ServingServicesDeps): ServingServices {
  const cacheDir = join(deps.dataDir, 'model-cache');
  const own = new ServerModelSource({
    modelVersions: deps.modelVersions,
    runs: deps.runs,
    loggedModels: deps.loggedModels,
    artifacts: deps.artifacts,
    cacheDir,
  });
  // Pipelines whose project names a central registry (workspace.registry_uri) load its versions over HTTP.
  const source = new RegistryRoutingModelSource(own, cacheDir);
  const runtime = new ModelRuntime({
    source,
    ...(deps.intraOpNumThreads ? { intraOpNumThreads: deps.intraOpNumThreads } : {}),
    ...(deps.flavor ? { flavor: deps.flavor } : {}),
    python: {
      envCacheDir: join(deps.dataDir, 'python-envs'),
      onEvent: (e) => deps.logger[e.level]({ ...(e.err !== undefined ? { err: e.err } : {}) }, e.message),
      ...deps.python,
    },
  });
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
