import type { FastifyInstance } from 'fastify';
import {
  CreateRun,
  DeleteTag,
  LogBatch,
  LogInputs,
  LogMetric,
  LogModel,
  LogOutputs,
  LogParam,
  RunIdOnly,
  SearchRuns,
  SetTag,
  UpdateRun,
} from '@modelyard/contract';
import { mlflowRoute } from '../../mlflow-route.js';
import type { Services } from '../../../services/services.js';
import { compact, runInfoToJson, runToJson } from './json/tracking-json.js';
import { metricFromMessage } from './json/tracking-messages.js';
import { parseWellFormedLogBatch, parseWellFormedLogMetric } from './json/well-formed-messages.js';

export function registerRunRoutes(app: FastifyInstance, services: Services): void {
  const runs = services.runs;

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/create',
    request: CreateRun,
    handler: async (msg) => {
      const run = await runs.create({
        ...(msg.experiment_id !== undefined ? { experimentId: msg.experiment_id } : {}),
        ...(msg.user_id !== undefined ? { userId: msg.user_id } : {}),
        ...(msg.run_name !== undefined ? { runName: msg.run_name } : {}),
        ...(msg.start_time !== undefined ? { startTime: msg.start_time } : {}),
        tags: msg.tags ?? [],
      });
      return { run: runToJson(run) };
    },
  });

  mlflowRoute(app, {
    method: 'GET',
    path: '/runs/get',
    request: RunIdOnly,
    handler: async (msg) => ({ run: runToJson(await runs.getRun(msg.run_id ?? msg.run_uuid)) }),
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/update',
    request: UpdateRun,
    handler: async (msg) => {
      const info = await runs.update(msg.run_id ?? msg.run_uuid, {
        ...(msg.status !== undefined ? { status: msg.status } : {}),
        ...(msg.end_time !== undefined ? { endTime: msg.end_time } : {}),
        ...(msg.run_name !== undefined ? { runName: msg.run_name } : {}),
      });
      return { run_info: runInfoToJson(info) };
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/delete',
    request: RunIdOnly,
    handler: async (msg) => {
      await runs.delete(msg.run_id ?? msg.run_uuid);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/restore',
    request: RunIdOnly,
    handler: async (msg) => {
      await runs.restore(msg.run_id ?? msg.run_uuid);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/log-metric',
    request: LogMetric,
    fastParse: parseWellFormedLogMetric,
    handler: async (msg) => {
      await runs.logMetric(msg.run_id ?? msg.run_uuid, metricFromMessage(msg));
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/log-parameter',
    request: LogParam,
    handler: async (msg) => {
      await runs.logParam(msg.run_id ?? msg.run_uuid, { key: msg.key, value: msg.value });
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/set-tag',
    request: SetTag,
    handler: async (msg) => {
      await runs.setTag(msg.run_id ?? msg.run_uuid, { key: msg.key, value: msg.value });
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/delete-tag',
    request: DeleteTag,
    handler: async (msg) => {
      await runs.deleteTag(msg.run_id, msg.key);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/log-batch',
    request: LogBatch,
    fastParse: parseWellFormedLogBatch,
    handler: async (msg) => {
      await runs.logBatch(msg.run_id, {
        metrics: (msg.metrics ?? []).map(metricFromMessage),
        params: msg.params ?? [],
        tags: msg.tags ?? [],
      });
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/log-model',
    request: LogModel,
    handler: async (msg) => {
      await runs.recordLoggedModel(msg.run_id, msg.model_json);
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/log-inputs',
    request: LogInputs,
    handler: async (msg) => {
      const datasets = (msg.datasets ?? []).map((d) => ({
        tags: d.tags ?? [],
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          sourceType: d.dataset.source_type,
          source: d.dataset.source,
          ...(d.dataset.schema !== undefined ? { schema: d.dataset.schema } : {}),
          ...(d.dataset.profile !== undefined ? { profile: d.dataset.profile } : {}),
        },
      }));
      await runs.logInputs(msg.run_id, datasets, (msg.models ?? []).map((m) => ({ modelId: m.model_id })));
    },
  });

  mlflowRoute(app, {
    method: 'POST',
    path: '/runs/outputs',
    request: LogOutputs,
    handler: async (msg) => {
      await runs.logOutputs(
        msg.run_id,
        (msg.models ?? []).map((m) => ({ modelId: m.model_id, ...(m.step !== undefined ? { step: m.step } : {}) })),
      );
    },
  });

  for (const method of ['POST', 'GET'] as const) {
    mlflowRoute(app, {
      method,
      path: '/runs/search',
      request: SearchRuns,
      handler: async (msg) => {
        const page = await runs.search({
          experimentIds: msg.experiment_ids ?? [],
          ...(msg.filter !== undefined ? { filter: msg.filter } : {}),
          ...(msg.order_by !== undefined ? { orderBy: msg.order_by } : {}),
          ...(msg.run_view_type !== undefined ? { viewType: msg.run_view_type } : {}),
          ...(msg.max_results !== undefined ? { maxResults: msg.max_results } : {}),
          ...(msg.page_token ? { pageToken: msg.page_token } : {}),
        });
        return compact({ runs: page.runs.map(runToJson), next_page_token: page.nextPageToken });
      },
    });
  }
}
