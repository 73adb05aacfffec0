import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_CONNECTION_LIMITS } from '../config/connection-limits.js';
import type { ConnectionLimitSettings } from '../config/connection-limits.js';
import { connectionServerOptions, guardConnections } from '../http/connection-guard.js';
import type { ModelSlot } from '../runtime/model-slot.js';
import { MLFLOW_COMPAT_VERSION } from '../version.js';
import type { JsonlInferenceLog } from '../runtime/scoring/inference-log.js';
import { DEFAULT_SCORING_BODY_LIMIT, answerInvocation, prepareScoringScope } from './scoring-routes.js';
import type { ServingMetrics } from '../runtime/scoring/serving-metrics.js';

export interface ScoringAppDeps {
  /** The model `/invocations` answers with; swapping it is atomic per request. */
  slot: ModelSlot;
  /** How the served model is called in headers, metrics and logs (the model URI by default). */
  servedModel: string;
  metrics?: ServingMetrics;
  inferenceLog?: JsonlInferenceLog;
  logger?: Logger;
  bodyLimit?: number;
  /** Timeouts and connection cap; the defaults of config/connection-limits.ts without. */
  connectionLimits?: ConnectionLimitSettings;
}

/**
 * The standalone scoring server of `modelyard serve`, speaking MLflow's scoring protocol so
 * `mlflow models serve` clients work unchanged: `POST /invocations`, `GET /ping`, `/health`,
 * `/version`, plus Prometheus `/metrics`. Nothing listens here; the caller does.
 */
export async function buildScoringApp(deps: ScoringAppDeps): Promise<FastifyInstance> {
  const limits = deps.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }, ...connectionServerOptions(limits) });
  guardConnections(app.server, limits);
  const bodyLimit = deps.bodyLimit ?? DEFAULT_SCORING_BODY_LIMIT;
  // MLflow answers health checks with a newline body and 200 once the model is loaded.
  const health = async (_req: unknown, reply: FastifyReply) =>
    reply.status(deps.slot.current ? 200 : 503).type('application/json').send('\n');
  app.get('/ping', health);
  app.get('/health', health);
  app.get('/version', async (_req, reply) => reply.type('application/json').send(MLFLOW_COMPAT_VERSION));
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', async (_req, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    });
  }
  await app.register(async (scope) => {
    prepareScoringScope(scope, bodyLimit);
    scope.post('/invocations', (req, reply) =>
      answerInvocation(req, reply, {
        endpoint: 'invocations',
        servedModel: deps.servedModel,
        borrowed: deps.slot.borrow(),
        metrics: deps.metrics,
        inferenceLog: deps.inferenceLog,
        onInternalError: (err) => deps.logger?.error({ err }, 'scoring failed'),
      }),
    );
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No route for ${req.method} ${req.url.split('?')[0]}; the scoring server answers POST /invocations, GET /ping, /health, /version, /metrics` }),
  );
  await app.ready();
  return app;
}
