import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError, InvalidStateError } from '../../errors.js';
import type { AttemptRecord, JobDefinition, JobRecord, JobRunRecord } from '../../domain/pipelines/job-records.js';
import { mergeJobSettings, jobSettingsJson } from '../../domain/pipelines/job-settings-json.js';
import { API_PROJECT_NAME, attemptIdOfTaskRun, isApiJob, isOneTimeJob, ONE_TIME_KEY_PREFIX, taskRunIdOf } from '../../domain/pipelines/jobs-api-ids.js';
import { parseJobSettings, parseSubmitRun } from '../../domain/pipelines/jobs-api-settings.js';
import type { SettingsParse } from '../../domain/pipelines/jobs-api-settings.js';
import type { SparkPythonOptions } from '../../domain/pipelines/spark-python-task.js';
import { WorkspaceFiles } from '../workspace/workspace-files.js';
import type { JobSpec } from '../../domain/pipelines/project-model.js';
import { isTerminalJobRunState } from '../../domain/pipelines/run-states.js';
import type { AttemptStore } from '../../stores/jobs/attempt-store.js';
import type { JobRunPageQuery, JobRunStore } from '../../stores/jobs/job-run-store.js';
import type { JobPageQuery, JobStore } from '../../stores/jobs/job-store.js';
import type { JobRunner } from './job-runner.js';
import type { JobRunDetails, JobService } from './job-service.js';

export interface JobsApiServiceDeps {
  stores: { jobs: JobStore; runs: JobRunStore; attempts: AttemptStore };
  service: JobService;
  runner: JobRunner;
  /** Jobs created through the API run their command tasks in `<dataDir>/jobs-api/<job id>`. */
  dataDir: string;
  /** The interpreter `spark_python_task`s run with. Default: python3 on the PATH. */
  python?: string;
  now?: () => number;
}

/** The output of one task run (`runs/get-output`). */
export interface TaskRunOutput {
  details: JobRunDetails;
  attempt: AttemptRecord;
  /** The tail of the attempt's stdout. */
  logs: string;
  logsTruncated: boolean;
  /** The tail of its stderr, when the attempt did not succeed. */
  errorTrace?: string;
  /** What the task returned, when this is the task's latest attempt. */
  result?: unknown;
}

/** Databricks returns the last 5 MB of a task's logs. */
const LOG_TAIL_BYTES = 5 * 1024 * 1024;
const ERROR_TRACE_BYTES = 64 * 1024;
/** How long deleting a job waits for its canceled runs to stop before removing them. */
const DELETE_DRAIN_MS = 10_000;

/**
 * The Databricks Jobs API over the pipelines services: jobs created, reset, updated and deleted as
 * job definitions in the same store that `modelyard deploy` writes, run by the same runner and
 * scheduler. Ids that name nothing are INVALID_PARAMETER_VALUE (400), as Databricks answers them.
 */
export class JobsApiService {
  private readonly now: () => number;
  /** The Workspace API's files (`<dataDir>/workspace`); spark_python_task files are read from there. */
  readonly workspace: WorkspaceFiles;
  private readonly sparkPython: SparkPythonOptions;

  constructor(private readonly deps: JobsApiServiceDeps) {
    this.now = deps.now ?? Date.now;
    const workspaceDir = join(deps.dataDir, 'workspace');
    this.workspace = new WorkspaceFiles(workspaceDir);
    this.sparkPython = { workspaceDir, python: deps.python ?? 'python3' };
  }

  async create(settings: Record<string, unknown>): Promise<JobRecord> {
    const spec = settingsOrThrow(parseJobSettings(settings, { key: '0', sparkPython: this.sparkPython }));
    const job = (await this.deps.stores.jobs.insertApiJob((id) => this.definition(id, { ...spec, key: String(id) }, `jobs/${id}`), this.now()))!;
    await mkdir(job.projectDir, { recursive: true });
    return job;
  }

  async reset(jobId: number, newSettings: Record<string, unknown>): Promise<JobRecord> {
    const job = await this.editableJob(jobId);
    const spec = settingsOrThrow(parseJobSettings(newSettings, { key: job.jobKey, path: 'new_settings', sparkPython: this.sparkPython }));
    return this.replace(job, spec);
  }

  async update(jobId: number, newSettings: Record<string, unknown>, fieldsToRemove: readonly string[]): Promise<JobRecord> {
    const job = await this.editableJob(jobId);
    const merged = mergeJobSettings(jobSettingsJson(job.definition.job), newSettings, fieldsToRemove);
    if (!merged.ok) throw new InvalidParameterError(merged.problems.join('; '));
    const spec = settingsOrThrow(parseJobSettings(merged.settings, { key: job.jobKey, path: 'new_settings', sparkPython: this.sparkPython }));
    return this.replace(job, spec);
  }

  /** Cancels the job's active runs, waits a little for those this process drives, then deletes it with its runs. */
  async delete(jobId: number): Promise<void> {
    const job = await this.job(jobId);
    const active = await this.deps.stores.runs.page({ jobId: job.jobId, activeOnly: true, limit: 10_000 });
    for (const run of active) await this.cancelQuietly(run.jobRunId, null);
    const deadline = this.now() + DELETE_DRAIN_MS;
    for (const run of active) {
      const ended = this.deps.runner.waitFor(run.jobRunId);
      await Promise.race([ended, new Promise((r) => setTimeout(r, Math.max(0, deadline - this.now())).unref())]);
    }
    await this.deps.stores.jobs.delete(job.jobId);
    await rm(join(this.deps.dataDir, 'jobs-api', String(job.jobId)), { recursive: true, force: true });
  }

  /** A job the Jobs API shows (not the hidden job of a one-time run). */
  async job(jobId: number): Promise<JobRecord> {
    const job = await this.deps.stores.jobs.get(jobId);
    if (!job || isOneTimeJob(job)) throw new InvalidParameterError(`Job ${jobId} does not exist. Check job_id (jobs/list shows the jobs there are).`);
    return job;
  }

  /** Newest first, `limit + 1` read so the caller knows whether there is more. */
  async listJobs(q: JobPageQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    const rows = await this.deps.stores.jobs.page({ ...q, limit: q.limit + 1 });
    return { jobs: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
  }

  async runNow(jobId: number, input: { parameters?: Record<string, string>; queueEnabled?: boolean; actor: string | null }): Promise<JobRunRecord> {
    let job = await this.job(jobId);
    if (input.queueEnabled !== undefined) {
      // run-now's `queue` overrides the job's queueing for this run only: the run's snapshot carries it.
      job = { ...job, definition: { ...job.definition, job: { ...job.definition.job, queueEnabled: input.queueEnabled } } };
    }
    const run = await this.deps.runner.trigger(job, { trigger: 'MANUAL', actor: input.actor, ...(input.parameters ? { parameters: input.parameters } : {}) });
    return run!;
  }

  /**
   * A one-time run: a hidden job holding its definition, and one run of it. With an idempotency
   * token, the hidden job's key is the token, so a retried submit finds the first one's run
   * instead of starting a second (the unique key settles a race between two).
   */
  async submit(body: Record<string, unknown>, actor: string | null): Promise<JobRunRecord> {
    const token = typeof body.idempotency_token === 'string' && body.idempotency_token !== '' ? body.idempotency_token : undefined;
    const key = token !== undefined ? `${ONE_TIME_KEY_PREFIX}token-${token}` : undefined;
    if (key !== undefined) {
      const existing = await this.existingSubmit(key);
      if (existing) return existing;
    }
    const spec = settingsOrThrow(parseSubmitRun(body, { key: '0', sparkPython: this.sparkPython }));
    const job = await this.deps.stores.jobs.insertApiJob(
      (id) => this.definition(id, { ...spec, key: key ?? `${ONE_TIME_KEY_PREFIX}${id}` }, 'jobs/one-time-runs'),
      this.now(),
      key,
    );
    if (!job) {
      // Another submit with the same token won the insert: answer with its run.
      const existing = await this.existingSubmit(key!);
      if (existing) return existing;
      throw new InvalidStateError(`a one-time run with idempotency_token '${token}' is being created; retry the request`);
    }
    await mkdir(job.projectDir, { recursive: true });
    return (await this.deps.runner.trigger(job, { trigger: 'MANUAL', actor }))!;
  }

  /** A job run by its id, or the run holding the task run a task run id names. */
  async run(runId: number): Promise<{ details: JobRunDetails; attempt?: AttemptRecord }> {
    const attemptId = attemptIdOfTaskRun(runId);
    if (attemptId === undefined) return { details: await this.details(runId, runId) };
    const attempt = await this.deps.stores.attempts.get(attemptId);
    if (!attempt) throw runMissing(runId);
    return { details: await this.details(attempt.jobRunId, runId), attempt };
  }

  async listRuns(q: JobRunPageQuery): Promise<{ runs: JobRunRecord[]; hasMore: boolean }> {
    if (q.jobId !== undefined) await this.job(q.jobId);
    const rows = await this.deps.stores.runs.page({ ...q, limit: q.limit + 1 });
    return { runs: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
  }

  /** Databricks answers a cancel of an ended run with success: there is nothing left to stop. */
  async cancel(runId: number, actor: string | null): Promise<void> {
    const jobRunId = this.jobRunIdOrThrow(runId, 'runs/cancel');
    await this.details(jobRunId, runId);
    await this.cancelQuietly(jobRunId, actor);
  }

  async cancelAll(input: { jobId?: number; allQueuedRuns?: boolean }, actor: string | null): Promise<number> {
    if (input.jobId === undefined && !input.allQueuedRuns) {
      throw new InvalidParameterError('runs/cancel-all needs job_id (cancel every active run of that job) or all_queued_runs: true (cancel every queued run)');
    }
    if (input.jobId !== undefined) await this.job(input.jobId);
    const runs = await this.deps.stores.runs.page({
      limit: 10_000,
      ...(input.jobId !== undefined ? { jobId: input.jobId } : {}),
      ...(input.allQueuedRuns ? { queuedOnly: true } : { activeOnly: true }),
    });
    for (const r of runs) await this.cancelQuietly(r.jobRunId, actor);
    return runs.length;
  }

  /** Returns the run as the repair left it and the repair's id (the run's repair count). */
  async repair(
    runId: number,
    input: { taskKeys?: string[]; allFailed?: boolean; dependents?: boolean; latestRepairId?: number; actor: string | null },
  ): Promise<{ run: JobRunRecord; repairId: number }> {
    const jobRunId = this.jobRunIdOrThrow(runId, 'runs/repair');
    const { run } = await this.details(jobRunId, runId);
    const hasTasks = input.taskKeys !== undefined && input.taskKeys.length > 0;
    if (hasTasks === Boolean(input.allFailed)) {
      throw new InvalidParameterError('runs/repair needs exactly one of rerun_tasks (the task keys to run again) and rerun_all_failed_tasks: true');
    }
    if (input.latestRepairId !== undefined && input.latestRepairId !== run.repairCount) {
      throw new InvalidParameterError(
        `latest_repair_id ${input.latestRepairId} is not the latest repair of run ${runId} (${run.repairCount === 0 ? 'it has not been repaired' : `the latest is ${run.repairCount}`}); read the run again and repair from its state`,
      );
    }
    const repaired = await this.deps.runner.repair(jobRunId, {
      actor: input.actor,
      dependents: input.dependents ?? false,
      ...(hasTasks ? { taskKeys: input.taskKeys } : {}),
    });
    return { run: repaired, repairId: repaired.repairCount };
  }

  /** The output of a task run; a job run id is refused as Databricks refuses it, naming its task run ids. */
  async output(runId: number): Promise<TaskRunOutput> {
    const { details, attempt } = await this.run(runId);
    if (!attempt) {
      const ids = details.tasks.flatMap((t) => {
        const last = details.attempts.filter((a) => a.taskKey === t.taskKey).at(-1);
        return last ? [`${t.taskKey}: ${taskRunIdOf(last.attemptId)}`] : [];
      });
      throw new InvalidParameterError(
        `Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead${ids.length ? ` (task run ids of run ${runId}: ${ids.join(', ')})` : ''}.`,
      );
    }
    const latest = details.attempts.filter((a) => a.taskKey === attempt.taskKey).at(-1);
    const taskRun = details.tasks.find((t) => t.taskKey === attempt.taskKey);
    const out = attempt.stdoutPath ? await readTail(attempt.stdoutPath, LOG_TAIL_BYTES) : { text: '', truncated: false };
    const failed = attempt.state !== 'SUCCESS' && attempt.state !== 'RUNNING' && attempt.state !== 'QUEUED';
    const err = failed && attempt.stderrPath ? await readTail(attempt.stderrPath, ERROR_TRACE_BYTES) : undefined;
    return {
      details,
      attempt,
      logs: out.text,
      logsTruncated: out.truncated,
      ...(err && err.text ? { errorTrace: err.text } : {}),
      ...(latest?.attemptId === attempt.attemptId && taskRun?.result !== undefined ? { result: taskRun.result } : {}),
    };
  }

  async deleteRun(runId: number): Promise<void> {
    const jobRunId = this.jobRunIdOrThrow(runId, 'runs/delete');
    const { run } = await this.details(jobRunId, runId);
    if (!isTerminalJobRunState(run.state)) throw new InvalidStateError(`Run ${runId} is ${run.state}: cancel it (runs/cancel) before deleting it`);
    if (!(await this.deps.stores.runs.delete(jobRunId))) throw new InvalidStateError(`Run ${runId} was started again (repaired) meanwhile; it can be deleted once it ends`);
    await rm(join(this.deps.dataDir, 'job-runs', String(jobRunId)), { recursive: true, force: true });
  }

  isOneTime(job: JobRecord): boolean {
    return isOneTimeJob(job);
  }

  private async details(jobRunId: number, asked: number): Promise<JobRunDetails> {
    const run = await this.deps.stores.runs.get(jobRunId);
    if (!run) throw runMissing(asked);
    return this.deps.service.getRun(jobRunId);
  }

  private jobRunIdOrThrow(runId: number, what: string): number {
    if (attemptIdOfTaskRun(runId) !== undefined) {
      throw new InvalidParameterError(`${what} takes a job run id; ${runId} is a task run id (runs/get with it shows its job_run_id)`);
    }
    return runId;
  }

  private async cancelQuietly(jobRunId: number, actor: string | null): Promise<void> {
    try {
      await this.deps.runner.cancel(jobRunId, actor);
    } catch (e) {
      // Already ended: nothing to stop, which is what the caller wanted.
      if (!(e instanceof InvalidStateError)) throw e;
    }
  }

  private async existingSubmit(key: string): Promise<JobRunRecord | undefined> {
    const [job] = await this.deps.stores.jobs.findByKey(key, { projectName: API_PROJECT_NAME });
    if (!job) return undefined;
    const [run] = await this.deps.stores.runs.page({ jobId: job.jobId, limit: 1 });
    return run;
  }

  private async editableJob(jobId: number): Promise<JobRecord> {
    const job = await this.job(jobId);
    if (!isApiJob(job.projectName)) {
      throw new InvalidParameterError(
        `Job ${jobId} is deployed from project '${job.projectName}'${job.target ? ` (target ${job.target})` : ''}: change its modelyard.yaml and deploy again; the Jobs API edits only jobs it created`,
      );
    }
    return job;
  }

  private async replace(job: JobRecord, spec: JobSpec): Promise<JobRecord> {
    const replaced = await this.deps.stores.jobs.replaceDefinition(job.jobId, { ...job.definition, job: { ...spec, key: job.jobKey } }, this.now());
    if (!replaced) throw new InvalidParameterError(`Job ${job.jobId} does not exist. Check job_id (it was deleted meanwhile).`);
    return replaced;
  }

  private definition(jobId: number, job: JobSpec, experimentName: string): JobDefinition {
    return {
      projectName: API_PROJECT_NAME,
      projectDir: join(this.deps.dataDir, 'jobs-api', String(jobId)),
      job,
      workspace: {},
      experiment: { key: experimentName, name: experimentName, tags: {} },
    };
  }
}

function settingsOrThrow(parsed: SettingsParse): JobSpec {
  if (parsed.ok) return parsed.spec;
  const shown = parsed.problems.slice(0, 8);
  const more = parsed.problems.length - shown.length;
  throw new InvalidParameterError(`Invalid job settings: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

function runMissing(runId: number): InvalidParameterError {
  return new InvalidParameterError(`Run ${runId} does not exist. Check run_id (runs/list shows the runs there are).`);
}

async function readTail(path: string, max: number): Promise<{ text: string; truncated: boolean }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { text: '', truncated: false };
  }
  const start = Math.max(0, size - max);
  const buf = Buffer.alloc(size - start);
  if (buf.length > 0) {
    const fh = await open(path, 'r');
    try {
      await fh.read(buf, 0, buf.length, start);
    } finally {
      await fh.close();
    }
  }
  return { text: buf.toString('utf8'), truncated: start > 0 };
}
