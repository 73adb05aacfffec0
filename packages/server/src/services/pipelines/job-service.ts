import { open, stat } from 'node:fs/promises';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { jobDefinitionOf } from '../../domain/pipelines/job-records.js';
import type { AttemptRecord, JobRecord, JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { ProjectSpec } from '../../domain/pipelines/project-model.js';
import type { BundleRef } from '../../domain/pipelines/bundle-ref.js';
import type { AttemptStore } from '../../stores/jobs/attempt-store.js';
import type { JobRunStore } from '../../stores/jobs/job-run-store.js';
import type { JobStore } from '../../stores/jobs/job-store.js';
import type { JobRunner } from './job-runner.js';

export interface JobRunDetails {
  run: JobRunRecord;
  tasks: TaskRunRecord[];
  attempts: AttemptRecord[];
}

export interface AttemptLog {
  attempt: AttemptRecord;
  stream: 'stdout' | 'stderr';
  text: string;
  /** Offset to ask for next (file size when this was read); more may come while the attempt runs. */
  nextOffset: number;
  truncated: boolean;
}

const MAX_LOG_CHUNK = 1024 * 1024;

/** What the CLI and `/api/v1/jobs` call: deploy, list, run, inspect, cancel, repair, read logs. */
export class JobService {
  constructor(
    private readonly stores: { jobs: JobStore; runs: JobRunStore; attempts: AttemptStore },
    readonly runner: JobRunner,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Upserts every job of a validated project (Databricks' "bundle deploy"): from a local folder
   * (`modelyard run --local`, the demo), or from an uploaded bundle (services/bundles).
   */
  async deploy(project: ProjectSpec, projectDir: string, bundle?: BundleRef): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const key of Object.keys(project.jobs)) out.push(await this.stores.jobs.upsert(jobDefinitionOf(project, key, projectDir, bundle), this.now()));
    return out;
  }

  listJobs(): Promise<JobRecord[]> {
    return this.stores.jobs.list();
  }

  async getJob(jobId: number): Promise<JobRecord> {
    const job = await this.stores.jobs.get(jobId);
    if (!job) throw new NotFoundError(`job ${jobId} does not exist`);
    return job;
  }

  /** A job by id, or by key when exactly one deployed job has it (else the candidates are named). */
  async resolveJob(ref: string, filter: { projectName?: string; target?: string } = {}): Promise<JobRecord> {
    if (/^\d+$/.test(ref)) return this.getJob(Number(ref));
    const found = await this.stores.jobs.findByKey(ref, filter);
    if (found.length === 0) throw new NotFoundError(`no deployed job has the key '${ref}'`);
    if (found.length > 1) {
      const list = found.map((j) => `${j.jobId} (${j.projectName}${j.target ? `, target ${j.target}` : ''})`).join(', ');
      throw new InvalidParameterError(`several jobs have the key '${ref}': ${list}; give the job id`);
    }
    return found[0]!;
  }

  async runNow(jobId: number, input: { parameters?: Record<string, string>; actor: string | null }): Promise<JobRunRecord> {
    const job = await this.getJob(jobId);
    const run = await this.runner.trigger(job, { trigger: 'MANUAL', actor: input.actor, ...(input.parameters ? { parameters: input.parameters } : {}) });
    return run!;
  }

  async listRuns(q: { jobId?: number; activeOnly?: boolean; limit?: number; beforeId?: number }): Promise<JobRunRecord[]> {
    const limit = q.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidParameterError(`limit must be an integer from 1 to 1000, got ${limit}`);
    return this.stores.runs.list({ ...q, limit });
  }

  async getRun(jobRunId: number): Promise<JobRunDetails> {
    const run = await this.stores.runs.get(jobRunId);
    if (!run) throw new NotFoundError(`job run ${jobRunId} does not exist`);
    const order = new Map(run.definition.job.tasks.map((t, i) => [t.taskKey, i]));
    const tasks = (await this.stores.runs.taskRuns(jobRunId)).sort((a, b) => order.get(a.taskKey)! - order.get(b.taskKey)!);
    const attempts = (await this.stores.attempts.list(jobRunId)).sort(
      (a, b) => (order.get(a.taskKey) ?? 0) - (order.get(b.taskKey) ?? 0) || a.attemptNumber - b.attemptNumber,
    );
    return { run, tasks, attempts };
  }

  cancel(jobRunId: number, actor: string | null): Promise<JobRunRecord> {
    return this.runner.cancel(jobRunId, actor);
  }

  /**
   * Re-runs failed tasks of a run with the bundle the run started with, or with its job's current
   * bundle when `latestBundle` (a fix deployed since the failure).
   */
  async repair(jobRunId: number, opts: { taskKeys?: string[]; actor: string | null; latestBundle?: boolean }): Promise<JobRunRecord> {
    if (opts.latestBundle) {
      const run = await this.stores.runs.get(jobRunId);
      if (!run) throw new NotFoundError(`job run ${jobRunId} does not exist`);
      const job = await this.getJob(run.jobId);
      if (!job.definition.bundle) throw new InvalidParameterError(`job ${job.jobId} was not deployed as a bundle (modelyard deploy), so there is no latest bundle to repair with; repair without --latest`);
      await this.stores.runs.setBundle(jobRunId, job.definition.bundle);
    }
    return this.runner.repair(jobRunId, { ...(opts.taskKeys ? { taskKeys: opts.taskKeys } : {}), actor: opts.actor });
  }

  /** Reads an attempt's log (the latest attempt of the task unless one is named), from `offset`. */
  async readLog(jobRunId: number, taskKey: string, opts: { attempt?: number; stream?: 'stdout' | 'stderr'; offset?: number } = {}): Promise<AttemptLog> {
    const attempts = await this.stores.attempts.list(jobRunId, taskKey);
    if (attempts.length === 0) {
      const run = await this.stores.runs.get(jobRunId);
      if (!run) throw new NotFoundError(`job run ${jobRunId} does not exist`);
      if (!run.definition.job.tasks.some((t) => t.taskKey === taskKey)) throw new NotFoundError(`job run ${jobRunId} has no task '${taskKey}'`);
      throw new NotFoundError(`task '${taskKey}' of job run ${jobRunId} has not started an attempt yet`);
    }
    const attempt = opts.attempt === undefined ? attempts[attempts.length - 1]! : attempts.find((a) => a.attemptNumber === opts.attempt);
    if (!attempt) throw new NotFoundError(`task '${taskKey}' of job run ${jobRunId} has no attempt ${opts.attempt} (attempts: 1-${attempts.length})`);
    const stream = opts.stream ?? 'stdout';
    const path = stream === 'stdout' ? attempt.stdoutPath : attempt.stderrPath;
    const offset = opts.offset ?? 0;
    if (!path) return { attempt, stream, text: '', nextOffset: 0, truncated: false };
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return { attempt, stream, text: '', nextOffset: 0, truncated: false };
    }
    const length = Math.max(0, Math.min(size - offset, MAX_LOG_CHUNK));
    const buf = Buffer.alloc(length);
    if (length > 0) {
      const fh = await open(path, 'r');
      try {
        await fh.read(buf, 0, length, offset);
      } finally {
        await fh.close();
      }
    }
    return { attempt, stream, text: buf.toString('utf8'), nextOffset: offset + length, truncated: offset + length < size };
  }
}
