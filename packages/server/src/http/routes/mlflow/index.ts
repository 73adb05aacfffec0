import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/services.js';
import { registerExperimentRoutes } from './experiments.js';
import { registerRunRoutes } from './runs.js';
import { registerMetricRoutes } from './metrics.js';
import { registerLoggedModelRoutes } from './logged-models.js';
import { registerArtifactListRoutes } from './artifacts.js';
import { registerArtifactProxyRoutes } from '../mlflow-artifacts/proxy.js';

export function registerMlflowRoutes(app: FastifyInstance, services: Services): void {
  registerExperimentRoutes(app, services);
  registerRunRoutes(app, services);
  registerMetricRoutes(app, services);
  registerLoggedModelRoutes(app, services);
  registerArtifactListRoutes(app, services);
  registerArtifactProxyRoutes(app, services);
}
