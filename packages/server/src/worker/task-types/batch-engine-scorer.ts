import { Client } from '@modelyard/sdk';
import type { ModelRuntime } from '../../runtime/model-runtime.js';
import type { BatchScoreRequest, BatchScoreSummary, BatchScorer } from './batch-score-task.js';

/** The batch engine (batch/score-batch.ts) on the process's shared model runtime. */
export class BatchEngineScorer implements BatchScorer {
  constructor(private readonly runtime: ModelRuntime) {}

  async score(request: BatchScoreRequest): Promise<BatchScoreSummary> {
    const m = request.mlflow;
    // Loaded by the first batch_score task, not when the server starts: the batch engine pulls in
    // DuckDB (@duckdb/node-api, a native module of ~35 MiB resident) that a server which never
    // scores does not need. Node caches the module after the first load.
    const { scoreBatch } = await loadBatchEngine();
    const result = await scoreBatch({
      modelUri: request.modelUri,
      ...(request.registryUri ? { registryUri: request.registryUri } : {}),
      inputPath: request.inputPath,
      outputPath: request.outputPath,
      outputFormat: request.outputFormat,
      runtime: this.runtime,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(m
        ? {
            tracking: {
              client: new Client({ trackingUri: m.trackingUri, env: {} }),
              ...(m.experimentId ? { experimentId: m.experimentId } : {}),
              runName: m.runName,
              tags: m.tags,
            },
          }
        : {}),
    });
    return {
      rows: result.scoredRows,
      outputPath: result.outputPath,
      ...(result.rejectedRows > 0 ? { rejectedRows: result.rejectedRows } : {}),
      ...(result.rejectsPath ? { rejectsPath: result.rejectsPath } : {}),
      ...(result.runId ? { runId: result.runId } : {}),
      ...(result.modelName !== undefined ? { modelName: result.modelName } : {}),
      ...(result.modelVersion !== undefined ? { modelVersion: Number(result.modelVersion) } : {}),
    };
  }
}

async function loadBatchEngine(): Promise<typeof import('../../batch/score-batch.js')> {
  try {
    return await import('../../batch/score-batch.js');
  } catch (e) {
    throw new Error(`cannot load the batch scoring engine (DuckDB, @duckdb/node-api): ${(e as Error).message}`);
  }
}
