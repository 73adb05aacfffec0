import { isNotFound } from '@modelyard/sdk';
import type { Client, RunStatus } from '@modelyard/sdk';

/** Where a scoring job records itself: an MLflow run through the SDK client. */
export interface BatchTracking {
  client: Client;
  /** Experiment by name (created when missing); default `batch-scoring`. Ignored when `experimentId` is set. */
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  tags?: Record<string, string>;
}

export const DEFAULT_BATCH_EXPERIMENT = 'batch-scoring';
/** Artifact paths of a scoring run. */
export const OUTPUT_SAMPLE_ARTIFACT = 'batch_scoring/output_sample.csv';
export const REJECTS_SAMPLE_ARTIFACT = 'batch_scoring/rejects_sample.csv';

/** One scoring job's MLflow run: created first, so a job that fails is recorded as FAILED too. */
export class BatchRunLog {
  private constructor(
    private readonly client: Client,
    readonly runId: string,
    readonly experimentId: string,
    private readonly artifactUri: string,
  ) {}

  static async start(t: BatchTracking, defaultRunName: string): Promise<BatchRunLog> {
    const experimentId = t.experimentId ?? (await experimentIdFor(t.client, t.experimentName ?? DEFAULT_BATCH_EXPERIMENT));
    const run = await t.client.tracking.createRun({
      experimentId,
      runName: t.runName ?? defaultRunName,
      tags: { 'modelyard.job_type': 'batch_score', ...t.tags },
    });
    return new BatchRunLog(t.client, run.info.runId, experimentId, run.info.artifactUri);
  }

  async params(params: Record<string, string | number | undefined>): Promise<void> {
    const defined = Object.fromEntries(Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== ''));
    if (Object.keys(defined).length > 0) await this.client.tracking.logBatch(this.runId, { params: defined });
  }

  async metrics(metrics: Record<string, number>): Promise<void> {
    const timestamp = Date.now();
    await this.client.tracking.logBatch(this.runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp })) });
  }

  async tags(tags: Record<string, string>): Promise<void> {
    await this.client.tracking.logBatch(this.runId, { tags });
  }

  async artifact(path: string, data: Uint8Array | string): Promise<void> {
    await this.client.artifacts.uploadBytes(this.artifactUri, path, data);
  }

  async end(status: RunStatus): Promise<void> {
    await this.client.tracking.updateRun(this.runId, { status, endTime: Date.now() });
  }
}

async function experimentIdFor(client: Client, name: string): Promise<string> {
  try {
    return (await client.tracking.getExperimentByName(name)).experimentId;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    return await client.tracking.createExperiment(name);
  } catch (e) {
    // Another job created it between our two calls.
    return (await client.tracking.getExperimentByName(name).catch(() => Promise.reject(e))).experimentId;
  }
}
