import type { Attributes } from '@opentelemetry/api';
import { ATTR } from './attribute-names.js';

/**
 * The custom dimensions the seeds' Application Insights queries filter on
 * (`traces | where customDimensions.mlflow_run_id == …`): underscore names, as the seeds'
 * Python logging handlers wrote them. Log records carry these names directly; spans keep their
 * dotted OpenTelemetry names and get these beside them on the way to Azure Monitor only (the
 * span store and OTLP collectors see the dotted ones alone).
 */
export const DIMENSIONS = {
  runId: 'mlflow_run_id',
  experimentId: 'mlflow_experiment_id',
  jobRunId: 'job_run_id',
  taskKey: 'task_key',
  /** Also the cloud role of the record when no role name is configured (see cloudRoleOf*). */
  jobName: 'job_name',
  jobKey: 'job_key',
} as const;

const FROM_SPAN_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = [
  [ATTR.runId, DIMENSIONS.runId],
  [ATTR.experimentId, DIMENSIONS.experimentId],
  [ATTR.jobRunId, DIMENSIONS.jobRunId],
  [ATTR.taskKey, DIMENSIONS.taskKey],
];

/** The underscore dimensions a span's dotted attributes stand for (empty when it has none). */
export function dimensionsOfSpan(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const [dotted, underscore] of FROM_SPAN_ATTRIBUTES) {
    const v = attributes[dotted];
    if (v !== undefined && attributes[underscore] === undefined) out[underscore] = v;
  }
  return out;
}

/** A span's cloud role: the configured one, else the name of the job it belongs to. */
export function cloudRoleOfSpan(attributes: Attributes, configured: string | undefined): string | undefined {
  if (configured) return configured;
  const name = attributes[ATTR.jobName];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** A log record's cloud role: the configured one, else the name of the job it is about. */
export function cloudRoleOfLog(attributes: Record<string, unknown>, configured: string | undefined): string | undefined {
  if (configured) return configured;
  const name = attributes[DIMENSIONS.jobName];
  return typeof name === 'string' && name !== '' ? name : undefined;
}
