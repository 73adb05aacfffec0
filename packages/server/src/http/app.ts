import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerRequestLog } from './plugins/request-log.js';
import { registerStaticUi } from './plugins/static-ui.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMlflowRoutes } from './routes/mlflow/index.js';
import { registerRegistryRoutes } from './routes/mlflow/registry/index.js';
import { registerJobRoutes } from './routes/v1/jobs.js';
import { registerServingEndpointRoutes } from './routes/v1/serving-endpoints.js';
import type { Services } from '../services/services.js';
import { registerTracing } from './plugins/tracing.js';
import { registerTraceRoutes } from './routes/v1/traces.js';
import type { HttpTelemetry } from '../telemetry/http-telemetry.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  services: Services;
  /** Request spans and the traces API; without it the app is not traced. */
  telemetry?: HttpTelemetry;
}

/**
 * Builds the HTTP app from its dependencies. Nothing listens here: `main.ts` calls `listen`,
 * tests call `inject` or listen on port 0.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: deps.config.bodyLimitBytes,
    // Python's requests and MLflow's client send `//` in some paths; collapse them like Flask does.
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true, maxParamLength: 1000 },
    genReqId: () => crypto.randomUUID(),
  });
  registerErrorHandling(app, deps.logger);
  registerRequestLog(app, deps.logger);
  if (deps.telemetry) registerTracing(app, deps.telemetry.tracer, deps.telemetry);
  registerHealthRoutes(app);
  registerMlflowRoutes(app, deps.services);
  registerRegistryRoutes(app, deps.services.registry);
  registerJobRoutes(app, deps.services.pipelines);
  registerServingEndpointRoutes(app, deps.services.serving.endpoints);
  if (deps.telemetry) registerTraceRoutes(app, deps.telemetry);
  // Last: the UI's wildcard must not shadow any API route.
  registerStaticUi(app);
  await app.ready();
  return app;
}
