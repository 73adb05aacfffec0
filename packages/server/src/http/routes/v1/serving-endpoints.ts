import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServingEndpoint, ServingEndpointInput } from '../../../services/serving/index.js';
import type { ServingEndpointService } from '../../../services/serving/serving-endpoint-service.js';
import { DEFAULT_SCORING_BODY_LIMIT, prepareScoringScope } from '../../../serving/scoring-routes.js';
import { InvalidParameterError } from '../../../errors.js';
import { validate } from '../../mlflow-route.js';

/**
 * `/api/v1/serving-endpoints`: endpoints managed by the server, shaped after Databricks' serving
 * endpoints API (`config.served_models`, `config.traffic_config.routes`), and their scoring route
 * speaking MLflow's protocol. snake_case JSON; unset fields are omitted.
 */
const PREFIX = '/api/v1/serving-endpoints';

const ServedModel = z.object({ name: z.string(), model_uri: z.string() }).strict();
const Route = z.object({ served_model_name: z.string(), traffic_percentage: z.number() }).strict();
const EndpointConfig = z
  .object({
    served_models: z.array(ServedModel),
    traffic_config: z.object({ routes: z.array(Route) }).strict().optional(),
    inference_log: z.object({ enabled: z.boolean() }).strict().optional(),
  })
  .strict();
const CreateEndpoint = z.object({ name: z.string(), description: z.string().optional(), config: EndpointConfig }).strict();
const UpdateEndpoint = z.object({ name: z.string().optional(), description: z.string().optional(), config: EndpointConfig }).strict();

function toInput(name: string, description: string | undefined, config: z.output<typeof EndpointConfig>): ServingEndpointInput {
  return {
    name,
    ...(description !== undefined ? { description } : {}),
    servedModels: config.served_models.map((m) => ({ name: m.name, modelUri: m.model_uri })),
    ...(config.traffic_config ? { traffic: config.traffic_config.routes.map((r) => ({ servedModelName: r.served_model_name, percentage: r.traffic_percentage })) } : {}),
    ...(config.inference_log ? { inferenceLog: config.inference_log.enabled } : {}),
  };
}

export function servingEndpointToJson(e: ServingEndpoint): Record<string, unknown> {
  return {
    name: e.name,
    ...(e.description !== undefined ? { description: e.description } : {}),
    creation_timestamp: e.creationTime,
    last_updated_timestamp: e.lastUpdatedTime,
    state: { ready: e.ready ? 'READY' : 'NOT_READY' },
    config: {
      served_models: e.servedModelStates.map((s) => ({
        name: s.name,
        model_uri: s.modelUri,
        // Output only: a request cannot name a registry (the server would fetch from any address it was given).
        ...(s.registryUri !== undefined ? { registry_uri: s.registryUri } : {}),
        ...(s.loadedModelName !== undefined ? { model_name: s.loadedModelName } : {}),
        ...(s.loadedModelVersion !== undefined ? { model_version: s.loadedModelVersion } : {}),
        state: { deployment: s.status, ...(s.message !== undefined ? { deployment_state_message: s.message } : {}) },
      })),
      traffic_config: { routes: e.config.traffic.map((r) => ({ served_model_name: r.servedModelName, traffic_percentage: r.percentage })) },
      inference_log: { enabled: e.config.inferenceLog },
    },
  };
}

export function registerServingEndpointRoutes(app: FastifyInstance, endpoints: ServingEndpointService, opts: { bodyLimit?: number } = {}): void {
  app.post(PREFIX, async (req) => {
    const body = validate(CreateEndpoint, req.body ?? {});
    return servingEndpointToJson(await endpoints.create(toInput(body.name, body.description, body.config)));
  });
  app.get(PREFIX, async () => {
    const list = await endpoints.list();
    return list.length > 0 ? { endpoints: list.map(servingEndpointToJson) } : {};
  });
  app.get<{ Params: { name: string } }>(`${PREFIX}/:name`, async (req) => servingEndpointToJson(await endpoints.get(req.params.name)));
  app.put<{ Params: { name: string } }>(`${PREFIX}/:name`, async (req) => {
    const body = validate(UpdateEndpoint, req.body ?? {});
    if (body.name !== undefined && body.name !== req.params.name) {
      throw new InvalidParameterError(`'name' in the body (${body.name}) differs from the endpoint in the path (${req.params.name}); endpoints cannot be renamed`);
    }
    return servingEndpointToJson(await endpoints.update(toInput(req.params.name, body.description, body.config)));
  });
  app.delete<{ Params: { name: string } }>(`${PREFIX}/:name`, async (req) => {
    await endpoints.delete(req.params.name);
    return {};
  });
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await endpoints.metrics.render();
    return reply.type(contentType).send(body);
  });

  void app.register(async (scope) => {
    prepareScoringScope(scope, opts.bodyLimit ?? DEFAULT_SCORING_BODY_LIMIT);
    scope.post<{ Params: { name: string } }>(`${PREFIX}/:name/invocations`, async (req, reply) => {
      const result = await endpoints.invoke(req.params.name, req.headers['content-type'], typeof req.body === 'string' ? req.body : '');
      return reply.status(result.status).headers(result.headers).send(result.body);
    });
    scope.post<{ Params: { name: string; served: string } }>(`${PREFIX}/:name/served-models/:served/invocations`, async (req, reply) => {
      const result = await endpoints.invoke(req.params.name, req.headers['content-type'], typeof req.body === 'string' ? req.body : '', req.params.served);
      return reply.status(result.status).headers(result.headers).send(result.body);
    });
  });
}
