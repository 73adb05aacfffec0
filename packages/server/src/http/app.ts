import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { answerMalformedRequest } from './plugins/client-errors.js';
import { connectionServerOptions, guardConnections } from './connection-guard.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerRequestInputChecks } from './plugins/request-input.js';
import { registerRequestLog } from './plugins/request-log.js';
import { registerStaticUi } from './plugins/static-ui.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMlflowRoutes } from './routes/mlflow/index.js';
import { registerRegistryRoutes } from './routes/mlflow/registry/index.js';
import { registerJobRoutes } from './routes/v1/jobs.js';
import { registerBundleRoutes } from './routes/v1/bundles.js';
import { registerAttemptLogRoutes } from './routes/v1/attempt-logs.js';
import { registerJobsApiRoutes } from './routes/databricks/jobs-api-routes.js';
import { registerWorkspaceRoutes } from './routes/databricks/workspace-routes.js';
import { registerServingEndpointRoutes } from './routes/v1/serving-endpoints.js';
import type { Services } from '../services/services.js';
import { registerTracing } from './plugins/tracing.js';
import { registerTraceRoutes } from './routes/v1/traces.js';
import type { HttpTelemetry } from '../telemetry/http-telemetry.js';
import type { LogWriteStats } from '../telemetry/log-output.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  services: Services;
  /** Request spans and the traces API; without it the app is not traced. */
  telemetry?: HttpTelemetry;
  /** The log output's counts, reported by server-info; absent when the caller made its own logger. */
  logOutput?: LogWriteStats;
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
    // Requests too malformed for routing (bad Content-Length, unknown method) get MLflow's error JSON too.
    clientErrorHandler: answerMalformedRequest,
    ...connectionServerOptions(deps.config),
  });
  const guard = guardConnections(app.server, deps.config);
  deps.logger.debug({ max_connections: guard.maxConnections }, 'connection cap');
  registerErrorHandling(app, deps.logger);
  // Before any route or scope is registered: scopes copy the JSON parser when they are created.
  registerRequestInputChecks(app);
  registerRequestLog(app, deps.logger);
  if (deps.telemetry) registerTracing(app, deps.telemetry.tracer, deps.telemetry);
  registerHealthRoutes(app, deps.logOutput);
  registerMlflowRoutes(app, deps.services);
  registerRegistryRoutes(app, deps.services.registry);
  registerJobRoutes(app, deps.services.pipelines);
  registerBundleRoutes(app, deps.services);
  registerAttemptLogRoutes(app, deps.services.pipelines.attemptLogs);
  registerJobsApiRoutes(app, deps.services.pipelines);
  registerWorkspaceRoutes(app, deps.services.pipelines.jobsApi.workspace);
  registerServingEndpointRoutes(app, deps.services.serving.endpoints);
  if (deps.telemetry) registerTraceRoutes(app, deps.telemetry);
  // Last: the UI's wildcard must not shadow any API route.
  registerStaticUi(app);
  await app.ready();
  return app;
}
