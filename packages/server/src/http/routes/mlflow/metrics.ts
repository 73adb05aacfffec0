import type { FastifyInstance } from 'fastify';
import { GetMetricHistory, GetMetricHistoryBulkInterval } from '@modelyard/contract';
import { mlflowRoute } from '../../mlflow-route.js';
import type { Services } from '../../../services/services.js';
import { compact, metricToJson } from './json/tracking-json.js';

export function registerMetricRoutes(app: FastifyInstance, services: Services): void {
  const runs = services.runs;

  mlflowRoute(app, {
    method: 'GET',
    path: '/metrics/get-history',
    request: GetMetricHistory,
    handler: async (msg) => {
      const page = await runs.metricHistory(msg.run_id ?? msg.run_uuid, msg.metric_key, msg.max_results, msg.page_token || undefined);
      return compact({ metrics: page.metrics.map(metricToJson), next_page_token: page.nextPageToken });
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/metrics/get-history-bulk-interval',
    request: GetMetricHistoryBulkInterval,
    handler: async (msg) => {
      const metrics = await runs.metricHistoryBulkInterval({
        runIds: msg.run_ids,
        key: msg.metric_key,
        ...(msg.start_step !== undefined ? { startStep: msg.start_step } : {}),
        ...(msg.end_step !== undefined ? { endStep: msg.end_step } : {}),
        ...(msg.max_results !== undefined ? { maxResults: msg.max_results } : {}),
      });
      return compact({ metrics: metrics.map(metricToJson) });
    },
  });
}
