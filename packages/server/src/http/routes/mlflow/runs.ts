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
import type { z } from 'zod';
import { mlflowRoute, validate } from '../../mlflow-route.js';
import type { Services } from '../../../services/services.js';
import { compact, runInfoToJson, runToJson } from './json/tracking-json.js';
import { metricFromMessage } from './json/tracking-messages.js';

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

type LogBatchMessage = z.output<typeof LogBatch>;
type BatchMetricMessage = NonNullable<LogBatchMessage['metrics']>[number];

/**
 * log-batch's metrics as the schema would give them, when every one is plainly well formed (JSON
 * numbers, safe-integer times and steps, string fields); `undefined` otherwise, so the schema
 * validates the message and words the error. The rest of the message (run id, ≤ 100 params and
 * tags) still goes through the schema.
 */
function parseWellFormedLogBatch(input: unknown): LogBatchMessage | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { metrics, ...rest } = input as Record<string, unknown>;
  if (metrics !== undefined && !Array.isArray(metrics)) return undefined;
  let out: BatchMetricMessage[] | undefined;
  if (metrics !== undefined) {
    out = new Array<BatchMetricMessage>(metrics.length);
    for (let i = 0; i < metrics.length; i++) {
      const m = wellFormedMetric(metrics[i]);
      if (!m) return undefined;
      out[i] = m;
    }
  }
  let envelope: LogBatchMessage;
  try {
    envelope = validate(LogBatch, rest);
  } catch {
    return undefined;
  }
  return out ? { ...envelope, metrics: out } : envelope;
}

function wellFormedMetric(v: unknown): BatchMetricMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  const { key, value, timestamp, step, model_id, dataset_name, dataset_digest } = m;
  if (typeof key !== 'string' || typeof value !== 'number' || !Number.isFinite(value) || !Number.isSafeInteger(timestamp)) return undefined;
  if (step !== undefined && !Number.isSafeInteger(step)) return undefined;
  if (model_id === undefined && dataset_name === undefined && dataset_digest === undefined) {
    return step === undefined ? { key, value, timestamp: timestamp as number } : { key, value, timestamp: timestamp as number, step: step as number };
  }
  if ((model_id !== undefined && typeof model_id !== 'string') || (dataset_name !== undefined && typeof dataset_name !== 'string') || (dataset_digest !== undefined && typeof dataset_digest !== 'string')) {
    return undefined;
  }
  return {
    key,
    value,
    timestamp: timestamp as number,
    ...(step !== undefined ? { step: step as number } : {}),
    ...(model_id !== undefined ? { model_id } : {}),
    ...(dataset_name !== undefined ? { dataset_name } : {}),
    ...(dataset_digest !== undefined ? { dataset_digest } : {}),
  };
}
