import type { FastifyInstance } from 'fastify';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { registerRegisteredModelRoutes } from './registered-model-routes.js';
import { registerModelVersionRoutes } from './model-version-routes.js';
import { registerAliasRoutes } from './alias-routes.js';
import { registerRegistryEventRoutes } from './registry-events-route.js';
import { registerTransitionRequestRoutes } from './transition-request-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';

/**
 * Every MLflow model-registry and webhook endpoint (both prefixes), Databricks' transition
 * requests, and Modelyard's audit-trail and webhook-delivery endpoints.
 */
export function registerRegistryRoutes(app: FastifyInstance, registry: RegistryServices): void {
  registerRegisteredModelRoutes(app, registry);
  registerModelVersionRoutes(app, registry);
  registerAliasRoutes(app, registry);
  registerTransitionRequestRoutes(app, registry);
  registerWebhookRoutes(app, registry);
  registerRegistryEventRoutes(app, registry);
}
