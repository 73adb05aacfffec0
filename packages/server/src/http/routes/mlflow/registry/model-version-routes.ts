import type { FastifyInstance } from 'fastify';
import {
  CreateModelVersion,
  DeleteModelVersionTag,
  ModelVersionRef,
  SearchModelVersions,
  SetModelVersionTag,
  TransitionModelVersionStage,
  UpdateModelVersion,
} from '@modelyard/contract';
import { mlflowRoute } from '../../../mlflow-route.js';
import type { RegistryServices } from '../../../../services/registry/index.js';
import { compact } from '../json/tracking-json.js';
import { modelVersionToJson } from './registry-json.js';
import { callerOf } from './request-actor.js';

export function registerModelVersionRoutes(app: FastifyInstance, registry: RegistryServices): void {
  const versions = registry.modelVersions;

  mlflowRoute(app, {
    method: 'POST',
    path: '/model-versions/create',
    request: CreateModelVersion,
    handler: async (msg, req) => ({
      model_version: modelVersionToJson(
        await versions.create(
          {
            name: msg.name,
            source: msg.source,
            runId: msg.run_id,
            runLink: msg.run_link,
            modelId: msg.model_id,
            description: msg.description,
            tags: msg.tags ?? [],
          },
          callerOf(req),
        ),
      ),
    }),
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/model-versions/get',
    request: ModelVersionRef,
    handler: async (msg) => ({ model_version: modelVersionToJson(await versions.get(msg.name, msg.version)) }),
  });

  mlflowRoute(app, {
    method: 'PATCH',
    path: '/model-versions/update',
    request: UpdateModelVersion,
    handler: async (msg) => ({ model_version: modelVersionToJson(await versions.update(msg.name, msg.version, msg.description)) }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/model-versions/delete',
    request: ModelVersionRef,
    handler: async (msg, req) => {
      await versions.delete(msg.name, msg.version, callerOf(req));
    },
  });

  for (const method of ['GET', 'POST'] as const) {
    mlflowRoute(app, {
      method,
      path: '/model-versions/search',
      request: SearchModelVersions,
      handler: async (msg) => {
        const page = await versions.search({ filter: msg.filter, orderBy: msg.order_by, maxResults: msg.max_results, pageToken: msg.page_token || undefined });
        return compact({ model_versions: page.versions.map(modelVersionToJson), next_page_token: page.nextPageToken });
      },
    });
  }

  mlflowRoute(app, {
    method: 'GET',
    path: '/model-versions/get-download-uri',
    request: ModelVersionRef,
    handler: async (msg) => ({ artifact_uri: await versions.getDownloadUri(msg.name, msg.version) }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/model-versions/transition-stage',
    request: TransitionModelVersionStage,
    handler: async (msg, req) => ({
      model_version: modelVersionToJson(
        await versions.transitionStage(
          { name: msg.name, version: msg.version, stage: msg.stage, archiveExistingVersions: msg.archive_existing_versions },
          callerOf(req, msg.comment),
        ),
      ),
    }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/model-versions/set-tag',
    request: SetModelVersionTag,
    handler: async (msg, req) => {
      await versions.setTag(msg.name, msg.version, { key: msg.key, value: msg.value ?? '' }, callerOf(req));
    },
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/model-versions/delete-tag',
    request: DeleteModelVersionTag,
    handler: async (msg, req) => {
      await versions.deleteTag(msg.name, msg.version, msg.key, callerOf(req));
    },
  });
}
