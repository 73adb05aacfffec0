import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { projectPath } from './evaluate-task.js';
import type { TaskHandler } from './in-process-executor.js';

export interface BatchScoreRequest {
  modelUri: string;
  /** Absolute paths (the task's are relative to the project folder). */
  inputPath: string;
  outputPath: string;
  outputFormat: 'csv' | 'jsonl';
  signal?: AbortSignal;
}

export interface BatchScoreSummary {
  rows: number;
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
export function batchScoreTask(deps: { batch: BatchScorer }): TaskHandler {
  return async ({ request, log, signal }) => {
    if (request.task.type !== 'batch_score') throw new Error(`the batch_score handler got a '${request.task.type}' task`);
    const spec = request.task.batchScore;
    const inputPath = projectPath(request.projectDir, spec.inputPath);
    const outputPath = projectPath(request.projectDir, spec.outputPath);
    await mkdir(dirname(outputPath), { recursive: true });
    const summary = await deps.batch.score({ modelUri: spec.modelUri, inputPath, outputPath, outputFormat: spec.outputFormat, signal });
    const model = summary.modelName !== undefined ? `${summary.modelName} v${summary.modelVersion}` : spec.modelUri;
    const message = `scored ${summary.rows} rows of ${inputPath} with ${model} → ${summary.outputPath}`;
    await log(message);
    const result: BatchScoreResult = { kind: 'batch_score', modelUri: spec.modelUri, inputPath, ...summary };
    return { message, result };
  };
}
