import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { Client } from '../client/client.js';
import type { ClientConstructorOptions } from '../client/client.js';
import type { MetricInput } from '../client/tracking-api.js';
import type { Dataset, Run, RunStatus } from '../entities.js';
import { isNotFound } from '../errors.js';
import { datasetDigest } from './dataset-digest.js';
import { MetricBuffer } from './metric-buffer.js';

export interface StartRunOptions {
  runName?: string;
  /** Resume this run instead of creating one (MLFLOW_RUN_ID does the same). */
  runId?: string;
  /** Make the new run a child of the active one (tag mlflow.parentRunId). */
  nested?: boolean;
  experimentId?: string;
  tags?: Record<string, string>;
  description?: string;
}

export interface ActiveRun {
  runId: string;
  experimentId: string;
  artifactUri: string;
}

export interface DatasetToLog {
  name: string;
  /** Where the data came from, e.g. a file path or table name. */
  source: string;
  sourceType?: string;
  /** Given, or computed from `content`. */
  digest?: string;
  content?: string | Uint8Array | ReadonlyArray<unknown>;
  /** MLflow's dataset schema JSON (`{"mlflow_colspec": [...]}`) */
  schema?: string;
  profile?: string;
}

/**
 * The fluent API's state: the current experiment and a stack of active runs, with one metric
 * buffer per run. A process normally uses the default tracker (see fluent/index.ts); tests and
 * tools can make their own.
 */
export class Tracker {
  readonly client: Client;
  private experimentId: string | undefined;
  private readonly stack: Array<{ run: ActiveRun; metrics: MetricBuffer }> = [];
  private readonly env: Record<string, string | undefined>;

  constructor(opts: ClientConstructorOptions = {}) {
    this.env = opts.env ?? process.env;
    this.client = new Client(opts);
  }

  /** Uses the experiment with this name, creating it when missing; returns its id. */
  async setExperiment(name: string): Promise<string> {
    try {
      const exp = await this.client.tracking.getExperimentByName(name);
      if (exp.lifecycleStage === 'deleted') throw new Error(`experiment '${name}' is deleted; restore it or pick another name`);
      this.experimentId = exp.experimentId;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.experimentId = await this.client.tracking.createExperiment(name);
    }
    return this.experimentId;
  }

  private async currentExperimentId(): Promise<string> {
    if (this.experimentId) return this.experimentId;
    if (this.env.MLFLOW_EXPERIMENT_ID) return (this.experimentId = this.env.MLFLOW_EXPERIMENT_ID);
    if (this.env.MLFLOW_EXPERIMENT_NAME) return this.setExperiment(this.env.MLFLOW_EXPERIMENT_NAME);
    return '0';
  }

  activeRun(): ActiveRun | undefined {
    return this.stack[this.stack.length - 1]?.run;
  }

  private requireRun(): { run: ActiveRun; metrics: MetricBuffer } {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw new Error('no active run: call startRun() first');
    return top;
  }

  async startRun(opts: StartRunOptions = {}): Promise<ActiveRun> {
    if (this.stack.length > 0 && !opts.nested && !opts.runId) {
      throw new Error(`run ${this.stack[this.stack.length - 1]!.run.runId} is already active; end it first or pass { nested: true }`);
    }
    const resumeId = opts.runId ?? (this.stack.length === 0 ? this.env.MLFLOW_RUN_ID : undefined);
    let run: Run;
    if (resumeId) {
      run = await this.client.tracking.getRun(resumeId);
      if (run.info.status !== 'RUNNING') await this.client.tracking.updateRun(resumeId, { status: 'RUNNING' });
      if (opts.tags) await this.client.tracking.logBatch(resumeId, { tags: opts.tags });
    } else {
      const parent = opts.nested ? this.activeRun() : undefined;
      const tags: Record<string, string> = {
        'mlflow.user': safeUser(),
        'mlflow.source.name': process.argv[1] ? basename(process.argv[1]) : 'node',
        'mlflow.source.type': 'LOCAL',
        ...(parent ? { 'mlflow.parentRunId': parent.runId } : {}),
        ...(opts.description ? { 'mlflow.note.content': opts.description } : {}),
        ...(opts.tags ?? {}),
      };
      run = await this.client.tracking.createRun({
        experimentId: opts.experimentId ?? (await this.currentExperimentId()),
        ...(opts.runName ? { runName: opts.runName } : {}),
        tags,
        userId: tags['mlflow.user']!,
      });
    }
    const active = { runId: run.info.runId, experimentId: run.info.experimentId, artifactUri: run.info.artifactUri };
    this.stack.push({ run: active, metrics: new MetricBuffer(this.client.tracking, active.runId) });
    return active;
  }

  /** Flushes buffered metrics and ends the active run. */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    const top = this.stack.pop();
    if (!top) return;
    try {
      await top.metrics.flush();
    } finally {
      await this.client.tracking.updateRun(top.run.runId, { status, endTime: Date.now() });
    }
  }

  /** Runs `fn` inside a run: FINISHED when it returns, FAILED (and rethrown) when it throws. */
  async withRun<T>(opts: StartRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> {
    const run = await this.startRun(opts);
    let result: T;
    try {
      result = await fn(run);
    } catch (e) {
      await this.endRun('FAILED');
      throw e;
    }
    await this.endRun('FINISHED');
    return result;
  }

  async logParam(key: string, value: string | number | boolean): Promise<void> {
    await this.client.tracking.logParam(this.requireRun().run.runId, key, value);
  }

  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    const runId = this.requireRun().run.runId;
    const entries = Object.entries(params);
    for (let i = 0; i < entries.length; i += 100) {
      await this.client.tracking.logBatch(runId, { params: Object.fromEntries(entries.slice(i, i + 100)) });
    }
  }

  /** Buffered: sent with log-batch; `flush()` or `endRun()` waits for it. */
  logMetric(key: string, value: number, opts: { step?: number; timestamp?: number } = {}): void {
    this.requireRun().metrics.add({ key, value, ...opts });
  }

  logMetrics(metrics: Record<string, number>, opts: { step?: number; timestamp?: number } = {}): void {
    const buffer = this.requireRun().metrics;
    const timestamp = opts.timestamp ?? Date.now();
    for (const [key, value] of Object.entries(metrics)) buffer.add({ key, value, timestamp, ...(opts.step !== undefined ? { step: opts.step } : {}) } satisfies MetricInput);
  }

  async flush(): Promise<void> {
    await this.requireRun().metrics.flush();
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.client.tracking.setTag(this.requireRun().run.runId, key, value);
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await this.client.tracking.logBatch(this.requireRun().run.runId, { tags });
  }

  /** Logs a dataset input; its digest is computed from `content` when not given. */
  async logInput(dataset: DatasetToLog, context?: string): Promise<Dataset> {
    const digest = dataset.digest ?? (dataset.content !== undefined ? datasetDigest(dataset.content) : undefined);
    if (!digest) throw new Error(`dataset '${dataset.name}' needs a digest or content to compute one from`);
    const d: Dataset = {
      name: dataset.name,
      digest,
      sourceType: dataset.sourceType ?? 'local',
      source: JSON.stringify({ uri: dataset.source }),
      ...(dataset.schema ? { schema: dataset.schema } : {}),
      ...(dataset.profile ? { profile: dataset.profile } : {}),
    };
    await this.client.tracking.logInputs(this.requireRun().run.runId, [{ dataset: d, ...(context ? { context } : {}) }]);
    return d;
  }

  /** Uploads a local file into the run's artifacts (under `artifactPath` when given). */
  async logArtifact(localFile: string, artifactPath = ''): Promise<void> {
    const run = this.requireRun().run;
    await this.client.artifacts.uploadFile(run.artifactUri, localFile, [artifactPath, basename(localFile)].filter(Boolean).join('/'));
  }

  /** Uploads a local folder's contents into the run's artifacts. */
  async logArtifacts(localDir: string, artifactPath = ''): Promise<void> {
    await this.client.artifacts.uploadDir(this.requireRun().run.artifactUri, localDir, artifactPath);
  }

  /** Writes text (e.g. JSON) as an artifact file of the active run. */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.client.artifacts.uploadBytes(this.requireRun().run.artifactUri, artifactFile, text);
  }

  /** Downloads a run's artifact file or folder into `destDir`; returns the local path. */
  async downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string> {
    const run = await this.client.tracking.getRun(runId);
    return this.client.artifacts.download(run.info.artifactUri, artifactPath, destDir);
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
