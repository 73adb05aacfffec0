import type { FastifyInstance } from 'fastify';
import {
  CreateRegisteredModel,
  DeleteRegisteredModel,
  DeleteRegisteredModelTag,
  GetLatestVersions,
  GetRegisteredModel,
  RenameRegisteredModel,
  SearchRegisteredModels,
  SetRegisteredModelTag,
  UpdateRegisteredModel,
} from '@modelyard/contract';
import { mlflowRoute } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { compact } from '../json/tracking-json.js';
import { modelVersionToJson, registeredModelToJson } from './registry-json.js';
import { callerOf } from './request-actor.js';

export function registerRegisteredModelRoutes(app: FastifyInstance, registry: RegistryServices): void {
  const models = registry.registeredModels;

  mlflowRoute(app, {
    method: 'POST',
    path: '/registered-models/create',
    request: CreateRegisteredModel,
    handler: async (msg, req) => ({
      registered_model: registeredModelToJson(
        await models.create({ name: msg.name, tags: msg.tags ?? [], ...(msg.description !== undefined ? { description: msg.description } : {}) }, callerOf(req)),
      ),
    }),
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/registered-models/get',
    request: GetRegisteredModel,
    handler: async (msg) => ({ registered_model: registeredModelToJson(await models.get(msg.name)) }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/registered-models/rename',
    request: RenameRegisteredModel,
    handler: async (msg, req) => ({ registered_model: registeredModelToJson(await models.rename(msg.name, msg.new_name, callerOf(req))) }),
  });

  mlflowRoute(app, {
    method: 'PATCH',
    path: '/registered-models/update',
    request: UpdateRegisteredModel,
    handler: async (msg) => ({ registered_model: registeredModelToJson(await models.update(msg.name, msg.description)) }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/registered-models/delete',
    request: DeleteRegisteredModel,
    handler: async (msg, req) => {
      await models.delete(msg.name, callerOf(req));
    },
  });

  // MLflow's clients search with GET; POST is accepted too, like the other searches.
  for (const method of ['GET', 'POST'] as const) {
    mlflowRoute(app, {
      method,
      path: '/registered-models/search',
      request: SearchRegisteredModels,
      handler: async (msg) => {
        const page = await models.search({ filter: msg.filter, orderBy: msg.order_by, maxResults: msg.max_results, pageToken: msg.page_token || undefined });
        return compact({ registered_models: page.models.map(registeredModelToJson), next_page_token: page.nextPageToken });
      },
    });
  }

  // MLflow 1.x's list (still what Databricks' SDK calls for listModels): a search without a filter.
  mlflowRoute(app, {
    method: 'GET',
    path: '/registered-models/list',
    request: SearchRegisteredModels.pick({ max_results: true, page_token: true }),
    handler: async (msg) => {
      const page = await models.search({ maxResults: msg.max_results, pageToken: msg.page_token || undefined });
      return compact({ registered_models: page.models.map(registeredModelToJson), next_page_token: page.nextPageToken });
    },
  });

  // Databricks' variant of get (its SDK's getModel): the same model under another key.
  mlflowRoute(app, {
    method: 'GET',
    path: '/databricks/registered-models/get',
    request: GetRegisteredModel,
    handler: async (msg) => ({ registered_model_databricks: registeredModelToJson(await models.get(msg.name)) }),
  });

  for (const method of ['GET', 'POST'] as const) {
    mlflowRoute(app, {
      method,
      path: '/registered-models/get-latest-versions',
      request: GetLatestVersions,
      handler: async (msg) => compact({ model_versions: (await models.getLatestVersions(msg.name, msg.stages)).map(modelVersionToJson) }),
    });
  }

  mlflowRoute(app, {
    method: 'POST',
    path: '/registered-models/set-tag',
    request: SetRegisteredModelTag,
    handler: async (msg) => {
      await models.setTag(msg.name, { key: msg.key, value: msg.value ?? '' });
    },
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/registered-models/delete-tag',
    request: DeleteRegisteredModelTag,
    handler: async (msg) => {
      await models.deleteTag(msg.name, msg.key);
    },
  });
}
