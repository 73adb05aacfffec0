import type { FastifyInstance } from 'fastify';
import {
  CreateExperiment,
  DeleteExperiment,
  DeleteExperimentTag,
  GetExperiment,
  GetExperimentByName,
  RestoreExperiment,
  SearchExperiments,
  SetExperimentTag,
  UpdateExperiment,
} from '@modelyard/contract';
import { mlflowRoute } from '../../mlflow-route.js';
import type { Services } from '../../../services/services.js';
import { compact, experimentToJson } from './json/tracking-json.js';

export function registerExperimentRoutes(app: FastifyInstance, services: Services): void {
  const experiments = services.experiments;

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/create',
    request: CreateExperiment,
    handler: async (msg) => ({
      experiment_id: await experiments.create({
        name: msg.name,
        ...(msg.artifact_location !== undefined ? { artifactLocation: msg.artifact_location } : {}),
        tags: msg.tags ?? [],
      }),
    }),
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/experiments/get',
    request: GetExperiment,
    handler: async (msg) => ({ experiment: experimentToJson(await experiments.get(msg.experiment_id)) }),
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/experiments/get-by-name',
    request: GetExperimentByName,
    handler: async (msg) => ({ experiment: experimentToJson(await experiments.getByName(msg.experiment_name)) }),
  });

  for (const method of ['POST', 'GET'] as const) {
    mlflowRoute(app, {
      method,
      path: '/experiments/search',
      request: SearchExperiments,
      handler: async (msg) => {
        const page = await experiments.search({
          ...(msg.filter !== undefined ? { filter: msg.filter } : {}),
          ...(msg.order_by !== undefined ? { orderBy: msg.order_by } : {}),
          ...(msg.view_type !== undefined ? { viewType: msg.view_type } : {}),
          ...(msg.max_results !== undefined ? { maxResults: msg.max_results } : {}),
          ...(msg.page_token ? { pageToken: msg.page_token } : {}),
        });
        return compact({ experiments: page.experiments.map(experimentToJson), next_page_token: page.nextPageToken });
      },
    });
  }

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/update',
    request: UpdateExperiment,
    handler: async (msg) => {
      await experiments.rename(msg.experiment_id, msg.new_name);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/delete',
    request: DeleteExperiment,
    handler: async (msg) => {
      await experiments.delete(msg.experiment_id);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/restore',
    request: RestoreExperiment,
    handler: async (msg) => {
      await experiments.restore(msg.experiment_id);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/set-experiment-tag',
    request: SetExperimentTag,
    handler: async (msg) => {
      await experiments.setTag(msg.experiment_id, { key: msg.key, value: msg.value });
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/experiments/delete-experiment-tag',
    request: DeleteExperimentTag,
    handler: async (msg) => {
      await experiments.deleteTag(msg.experiment_id, msg.key);
    },
  });
}
