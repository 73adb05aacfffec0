import type { FastifyInstance } from 'fastify';
import type { LogWriteStats } from '../../telemetry/log-output.js';
import { MODELYARD_VERSION, MLFLOW_COMPAT_VERSION } from '../../version.js';

/** `logOutput`: server-info then reports how many log lines were lost (a full disk under the log file). */
export function registerHealthRoutes(app: FastifyInstance, logOutput?: LogWriteStats): void {
  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  // MLflow's /version answers the bare version string; clients compare it to pick features.
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(MLFLOW_COMPAT_VERSION));
  for (const prefix of ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow']) {
    app.get(`${prefix}/server-info`, async () => ({
      store_type: 'SqlStore',
      workspaces_enabled: false,
      server: 'modelyard',
      modelyard_version: MODELYARD_VERSION,
      ...(logOutput ? { log_lines_dropped: logOutput.droppedLines } : {}),
    }));
  }
}
