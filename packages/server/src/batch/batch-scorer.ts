import type { ModelRuntime } from '../runtime/model-runtime.js';
import type { BatchTracking } from './batch-run-log.js';
import type { OutputFormat } from './output-files.js';
import { scoreBatch } from './score-batch.js';
import type { ScoreBatchOptions, ScoreBatchResult } from './score-batch.js';

export interface BatchScoreJob {
  modelUri: string;
  inputPath: string;
  outputPath: string;
  outputFormat?: OutputFormat;
  signal?: AbortSignal;
}

export interface BatchScoreJobSummary {
  rows: number;
  outputPath: string;
  modelName?: string;
  /** The registry version as a number, when it is one. */
  modelVersion?: number;
  scoredRows: number;
  rejectedRows: number;
  rejectsPath?: string;
  runId?: string;
  result: ScoreBatchResult;
}

/**
 * The batch engine as the pipelines' `batch_score` task sees it (`score(request)`), bound to the
 * process's model runtime and, optionally, to where scoring runs are recorded.
 */
export function createBatchScorer(deps: {
  runtime: ModelRuntime;
  tracking?: BatchTracking;
  defaults?: Omit<Partial<ScoreBatchOptions>, 'runtime' | 'modelUri' | 'inputPath' | 'outputPath' | 'tracking' | 'signal'>;
}): { score(job: BatchScoreJob): Promise<BatchScoreJobSummary> } {
  return {
    async score(job) {
      const result = await scoreBatch({
        ...deps.defaults,
        modelUri: job.modelUri,
        inputPath: job.inputPath,
        outputPath: job.outputPath,
        runtime: deps.runtime,
        ...(job.outputFormat ? { outputFormat: job.outputFormat } : {}),
        ...(deps.tracking ? { tracking: deps.tracking } : {}),
        ...(job.signal ? { signal: job.signal } : {}),
      });
      const version = result.modelVersion !== undefined && /^\d+$/.test(result.modelVersion) ? Number(result.modelVersion) : undefined;
      return {
        rows: result.rows,
        outputPath: result.outputPath,
        ...(result.modelName !== undefined ? { modelName: result.modelName } : {}),
        ...(version !== undefined ? { modelVersion: version } : {}),
        scoredRows: result.scoredRows,
        rejectedRows: result.rejectedRows,
        ...(result.rejectsPath ? { rejectsPath: result.rejectsPath } : {}),
        ...(result.runId ? { runId: result.runId } : {}),
        result,
      };
    },
  };
}
