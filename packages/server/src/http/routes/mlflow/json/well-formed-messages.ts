import { LogBatch, LogMetric } from '@modelyard/contract';
import type { z } from 'zod';
import { validate } from '../../../mlflow-route.js';

type LogBatchMessage = z.output<typeof LogBatch>;
type BatchMetricMessage = NonNullable<LogBatchMessage['metrics']>[number];
type LogMetricMessage = z.output<typeof LogMetric>;

/**
 * log-batch's metrics as the schema would give them, when every one is plainly well formed (JSON
 * numbers, safe-integer times and steps, string fields); `undefined` otherwise, so the schema
 * validates the message and words the error. The rest of the message (run id, ≤ 100 params and
 * tags) still goes through the schema.
 */
export function parseWellFormedLogBatch(input: unknown): LogBatchMessage | undefined {
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

/**
 * log-metric's message as the schema would give it, when it is plainly well formed (the same
 * checks as each of log-batch's metrics, and string run ids); `undefined` otherwise, so the schema
 * validates it and words the error. A training loop sends thousands a second; the schema's unions
 * and transforms cost more than a tenth of what storing the point does.
 */
export function parseWellFormedLogMetric(input: unknown): LogMetricMessage | undefined {
  const metric = wellFormedMetric(input);
  if (!metric) return undefined;
  const { run_id, run_uuid } = input as Record<string, unknown>;
  if ((run_id !== undefined && typeof run_id !== 'string') || (run_uuid !== undefined && typeof run_uuid !== 'string')) return undefined;
  return { ...(run_id !== undefined ? { run_id } : {}), ...(run_uuid !== undefined ? { run_uuid } : {}), ...metric };
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
