import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isObjectStoreUri } from '@modelyard/sdk';
import { ATTR } from '../../telemetry/attribute-names.js';
import { modelUriAttributes } from '../../telemetry/model-uri-attributes.js';
import { projectPath } from './evaluate-task.js';
import type { TaskHandler } from './in-process-executor.js';

export interface BatchScoreRequest {
  modelUri: string;
  /** The central registry `modelUri` resolves in (the project's workspace.registry_uri), when not this server's. */
  registryUri?: string;
  /** Absolute paths (the task's are relative to the project folder) or s3://, wasbs://, abfss:// URIs. */
  inputPath: string;
  outputPath: string;
  outputFormat: 'csv' | 'jsonl';
  signal?: AbortSignal;
  /** Record the scoring job as an MLflow run (a child of the job run's run), through this tracking server. */
  mlflow?: { trackingUri: string; experimentId?: string; runName: string; tags: Record<string, string> };
}

export interface BatchScoreSummary {
  /** Rows written with a prediction. */
  rows: number;
  /** Rows that failed validation (in the rejects file). */
  rejectedRows?: number;
  rejectsPath?: string;
  /** The scoring job's MLflow run. */
  runId?: string;
  outputPath: string;
  /** The registered version scored with, when the URI named one. */
  modelName?: string;
  modelVersion?: number;
}

/** Batch scoring as the batch engine offers it (batch/score-batch.ts); tasks only see this. */
export interface BatchScorer {
  score(request: BatchScoreRequest): Promise<BatchScoreSummary>;
}

export interface BatchScoreResult extends BatchScoreSummary {
  kind: 'batch_score';
  modelUri: string;
  inputPath: string;
}

/** Scores a file with the batch engine in this process (one ONNX path for batch and serving). */
export function batchScoreTask(deps: { batch: BatchScorer; registryUri?: string }): TaskHandler {
  return async ({ request, log, signal, actor, step }) => {
    if (request.task.type !== 'batch_score') throw new Error(`the batch_score handler got a '${request.task.type}' task`);
    const spec = request.task.batchScore;
    const inputPath = projectPath(request.projectDir, spec.inputPath);
    const outputPath = projectPath(request.projectDir, spec.outputPath);
    // An object-store output is uploaded by the batch engine: no local folder is named after it.
    if (!isObjectStoreUri(outputPath)) await mkdir(dirname(outputPath), { recursive: true });
    const env = request.env;
    const stepAttributes = { ...modelUriAttributes(spec.modelUri), [ATTR.inputPath]: inputPath, [ATTR.outputPath]: outputPath };
    const summary = await step(`batch_score ${spec.modelUri}`, stepAttributes, async (span) => {
      const scored = await deps.batch.score({
        modelUri: spec.modelUri,
        ...(deps.registryUri ? { registryUri: deps.registryUri } : {}),
        inputPath,
        outputPath,
        outputFormat: spec.outputFormat,
        signal,
        ...(env.MLFLOW_TRACKING_URI
          ? {
              mlflow: {
                trackingUri: env.MLFLOW_TRACKING_URI,
                ...(env.MLFLOW_EXPERIMENT_ID ? { experimentId: env.MLFLOW_EXPERIMENT_ID } : {}),
                runName: request.taskKey,
                tags: {
                  'modelyard.job_run_id': String(request.jobRunId),
                  'modelyard.task_key': request.taskKey,
                  'mlflow.user': actor,
                  ...(env.MLFLOW_RUN_ID ? { 'mlflow.parentRunId': env.MLFLOW_RUN_ID } : {}),
                },
              },
            }
          : {}),
      });
      span.setAttributes({
        [ATTR.rows]: scored.rows,
        [ATTR.outputPath]: scored.outputPath,
        [ATTR.rejectedRows]: scored.rejectedRows,
        ...(scored.modelName !== undefined ? { [ATTR.modelName]: scored.modelName } : {}),
        ...(scored.modelVersion !== undefined ? { [ATTR.modelVersion]: String(scored.modelVersion) } : {}),
      });
      return scored;
    });
    const model = summary.modelName !== undefined ? `${summary.modelName} v${summary.modelVersion}` : spec.modelUri;
    const rejected = summary.rejectedRows ? `; ${summary.rejectedRows} rejected → ${summary.rejectsPath ?? 'the rejects file'}` : '';
    const message = `scored ${summary.rows} rows of ${inputPath} with ${model} → ${summary.outputPath}${rejected}`;
    await log(message);
    const result: BatchScoreResult = { kind: 'batch_score', modelUri: spec.modelUri, inputPath, ...summary };
    return { message, result };
  };
}
