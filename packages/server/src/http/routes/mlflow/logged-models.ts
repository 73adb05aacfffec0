import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CreateLoggedModel,
  DeleteLoggedModelTag,
  FinalizeLoggedModel,
  GetLoggedModelArtifact,
  ListLoggedModelArtifacts,
  LogLoggedModelParams,
  LoggedModelPathOnly,
  SearchLoggedModels,
  SetLoggedModelTags,
} from '@modelyard/contract';
import type { ArtifactService } from '../../../services/artifacts/artifact-service.js';
import type { LoggedModelService } from '../../../services/tracking/logged-model-service.js';
import { MLFLOW_PREFIXES, mlflowRoute, validate } from '../../mlflow-route.js';
import { sendRangedDownload } from '../mlflow-artifacts/proxy.js';
import { fileInfoToJson } from './artifacts.js';
import { loggedModelToJson } from './json/logged-model-json.js';

/** The `{model_id}` (and `{tag_key}`) of MLflow's logged-model URLs. */
function pathParams(req: FastifyRequest): { modelId: string | undefined; tagKey: string | undefined } {
  const p = (req.params ?? {}) as { model_id?: string; tag_key?: string };
  return { modelId: p.model_id || undefined, tagKey: p.tag_key || undefined };
}

const keyValues = (list: Array<{ key: string; value: string }> | undefined) => (list ?? []).map((kv) => ({ key: kv.key, value: kv.value }));

/** MLflow 3's `/logged-models` endpoints (service.proto, MlflowService). */
export function registerLoggedModelRoutes(app: FastifyInstance, services: { loggedModels: LoggedModelService; artifacts: ArtifactService }): void {
  const models = services.loggedModels;

  mlflowRoute(app, {
    method: 'POST',
    path: '/logged-models',
    request: CreateLoggedModel,
    handler: async (msg) => {
      const model = await models.create({
        experimentId: msg.experiment_id,
        ...(msg.name !== undefined ? { name: msg.name } : {}),
        ...(msg.model_type !== undefined ? { modelType: msg.model_type } : {}),
        ...(msg.source_run_id !== undefined ? { sourceRunId: msg.source_run_id } : {}),
        params: keyValues(msg.params),
        tags: keyValues(msg.tags),
      });
      return { model: loggedModelToJson(model) };
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/logged-models/:model_id',
    request: LoggedModelPathOnly,
    handler: async (_msg, req) => ({ model: loggedModelToJson(await models.get(pathParams(req).modelId)) }),
  });

  mlflowRoute(app, {
    method: 'PATCH',
    path: '/logged-models/:model_id',
    request: FinalizeLoggedModel,
    handler: async (msg, req) => ({ model: loggedModelToJson(await models.finalize(pathParams(req).modelId, msg.status)) }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/logged-models/:model_id',
    request: LoggedModelPathOnly,
    handler: async (_msg, req) => {
      await models.delete(pathParams(req).modelId);
    },
  });

  mlflowRoute(app, {
    method: 'PATCH',
    path: '/logged-models/:model_id/tags',
    request: SetLoggedModelTags,
    handler: async (msg, req) => ({ model: loggedModelToJson(await models.setTags(pathParams(req).modelId, keyValues(msg.tags))) }),
  });

  mlflowRoute(app, {
    method: 'DELETE',
    path: '/logged-models/:model_id/tags/:tag_key',
    request: DeleteLoggedModelTag,
    handler: async (_msg, req) => {
      const { modelId, tagKey } = pathParams(req);
      await models.deleteTag(modelId, tagKey);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/logged-models/:model_id/params',
    request: LogLoggedModelParams,
    handler: async (msg, req) => {
      await models.logParams(pathParams(req).modelId, keyValues(msg.params));
    },
  });

  // `/logged-models/search` is the search (POST) only. Without these, a GET, PATCH or DELETE there
  // would match `/logged-models/:model_id` and answer "Logged model with ID 'search' not found";
  // a wrong method is ENDPOINT_NOT_FOUND naming the right one, as at every other MLflow path.
  for (const prefix of MLFLOW_PREFIXES) {
    app.route({ method: ['GET', 'PATCH', 'DELETE'], url: `${prefix}/logged-models/search`, handler: (_req, reply) => reply.callNotFound() });
  }

  mlflowRoute(app, {
    method: 'POST',
    path: '/logged-models/search',
    request: SearchLoggedModels,
    handler: async (msg) => {
      const page = await models.search({
        experimentIds: msg.experiment_ids ?? [],
        ...(msg.filter !== undefined ? { filter: msg.filter } : {}),
        ...(msg.max_results !== undefined ? { maxResults: msg.max_results } : {}),
        ...(msg.page_token !== undefined ? { pageToken: msg.page_token } : {}),
        ...(msg.order_by !== undefined
          ? {
              orderBy: msg.order_by.map((o) => ({
                fieldName: o.field_name,
                ...(o.ascending !== undefined ? { ascending: o.ascending } : {}),
                ...(o.dataset_name !== undefined ? { datasetName: o.dataset_name } : {}),
                ...(o.dataset_digest !== undefined ? { datasetDigest: o.dataset_digest } : {}),
              })),
            }
          : {}),
        ...(msg.datasets !== undefined
          ? {
              datasets: msg.datasets.map((d) => ({
                datasetName: d.dataset_name,
                ...(d.dataset_digest !== undefined ? { datasetDigest: d.dataset_digest } : {}),
              })),
            }
          : {}),
      });
      const out: Record<string, unknown> = {};
      if (page.models.length > 0) out.models = page.models.map(loggedModelToJson);
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/logged-models/:model_id/artifacts/directories',
    request: ListLoggedModelArtifacts,
    handler: async (msg, req) => {
      const model = await models.get(pathParams(req).modelId);
      // Like MLflow's local and proxied listings: one page with everything, never a next token.
      const files = (await services.artifacts.listAt(model.artifactUri, msg.artifact_directory_path ?? '')).map(fileInfoToJson);
      return files.length > 0 ? { root_uri: model.artifactUri, files } : { root_uri: model.artifactUri };
    },
  });

  // A file download answers with the file's bytes, not a JSON message, so it is registered
  // directly rather than through mlflowRoute (which sends the handler's result as JSON).
  for (const prefix of MLFLOW_PREFIXES) {
    app.get(`${prefix}/logged-models/:model_id/artifacts/files`, async (req, reply) => {
      const msg = validate(GetLoggedModelArtifact, req.query ?? {});
      const model = await models.get(pathParams(req).modelId);
      return sendRangedDownload(req, reply, (range) => services.artifacts.openAt(model.artifactUri, msg.artifact_file_path, range));
    });
  }
}
