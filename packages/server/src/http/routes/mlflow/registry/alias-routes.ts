import type { FastifyInstance } from 'fastify';
import { DeleteRegisteredModelAlias, GetModelVersionByAlias, SetRegisteredModelAlias } from '@modelyard/contract';
import { mlflowRoute } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { modelVersionToJson } from './registry-json.js';
import { callerOf } from './request-actor.js';

export function registerAliasRoutes(app: FastifyInstance, registry: RegistryServices): void {
  const versions = registry.modelVersions;

  mlflowRoute(app, {
    method: 'POST',
    path: '/registered-models/alias',
    request: SetRegisteredModelAlias,
    handler: async (msg, req) => {
      await versions.setAlias(msg.name, msg.alias, msg.version, callerOf(req, msg.comment));
    },
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/registered-models/alias',
    request: DeleteRegisteredModelAlias,
    handler: async (msg, req) => {
      await versions.deleteAlias(msg.name, msg.alias, callerOf(req, msg.comment));
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/registered-models/alias',
    request: GetModelVersionByAlias,
    handler: async (msg) => ({ model_version: modelVersionToJson(await versions.getByAlias(msg.name, msg.alias)) }),
  });
}
