import type { Page } from '../entities.js';
import type { Transport } from '../transport.js';

/** One task of a job's DAG, as defined in `modelyard.yaml`. */
export interface JobTask {
  taskKey: string;
  /** `command`, `evaluate`, `gate`, `promote`, `batch_score`, `deploy`. */
  type: string;
  dependsOn: string[];
  runIf?: string;
  maxRetries?: number;
  timeoutSeconds?: number;
}

export interface JobSchedule {
  quartzCronExpression?: string;
  cron?: string;
  timezoneId?: string;
  pauseStatus?: string;
}

/** A deployed job (Databricks Jobs 2.1's job, plus the project it came from). */
export interface Job {
  jobId: number;
  project: string;
  jobKey: string;
  target?: string;
  name: string;
  projectDir?: string;
  /** The bundle the job runs (deployed with `modelyard deploy`). */
  bundleSha256?: string;
  createdTime?: number;
  updatedTime?: number;
  maxConcurrentRuns?: number;
  queueEnabled: boolean;
  parameters: Array<{ name: string; default: string }>;
  tasks: JobTask[];
  schedule?: JobSchedule;
}

export type JobRunState = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'SUCCESS_WITH_FAILURES' | 'FAILED' | 'TIMEDOUT' | 'CANCELED' | 'SKIPPED';

export interface JobRun {
  runId: number;
  jobId: number;
  jobKey?: string;
  state: JobRunState;
  stateMessage?: string;
  /** `manual`, `schedule`, … */
  trigger?: string;
  actor?: string;
  parameters: Record<string, string>;
  mlflowExperimentId?: string;
  mlflowRunId?: string;
  scheduledTime?: number;
  queuedTime?: number;
  startTime?: number;
  endTime?: number;
  repairCount: number;
  /** The bundle this run executes (its job's at trigger time, or the latest after a `--latest` repair). */
  bundleSha256?: string;
}

export interface TaskAttempt {
  attemptNumber: number;
  state: string;
  trigger?: string;
  stateMessage?: string;
  executor?: string;
  queuedTime?: number;
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  signal?: string;
}

export interface TaskRun {
  taskKey: string;
  state: string;
  stateMessage?: string;
  startTime?: number;
  endTime?: number;
  attemptCount: number;
  nextAttemptTime?: number;
  /** What the task reported (a gate's verdict, an evaluation's metrics…), as the task type shaped it. */
  result?: unknown;
  attempts: TaskAttempt[];
}

/** A job run with its task runs and their attempts. */
export interface JobRunDetail extends JobRun {
  tasks: TaskRun[];
}

/** A run's state right after a run-now, cancel or repair. */
export interface JobRunStateChange {
  runId: number;
  state: JobRunState;
  repairCount?: number;
}

/** A slice of one task attempt's output, from `offset` on; pass `nextOffset` back to tail it. */
export interface TaskLogChunk {
  attemptNumber: number;
  attemptState: string;
  stream: 'stdout' | 'stderr';
  text: string;
  nextOffset: number;
  truncated: boolean;
}

type Json = Record<string, any>;

const API = '/api/v1/jobs';

const opt = <K extends string, V>(key: K, v: V | undefined | null): { [P in K]?: V } => (v === undefined || v === null ? {} : ({ [key]: v } as { [P in K]?: V }));

function toJob(j: Json): Job {
  const s = j.schedule as Json | undefined;
  return {
    jobId: Number(j.job_id),
    project: j.project ?? '',
    jobKey: j.job_key,
    ...opt('target', j.target),
    name: j.name,
    ...opt('projectDir', j.project_dir),
    ...opt('bundleSha256', j.bundle_sha256),
    ...opt('createdTime', j.created_time),
    ...opt('updatedTime', j.updated_time),
    ...opt('maxConcurrentRuns', j.max_concurrent_runs),
    queueEnabled: Boolean(j.queue?.enabled),
    parameters: (j.parameters ?? []).map((p: Json) => ({ name: p.name, default: p.default ?? '' })),
    tasks: (j.tasks ?? []).map(
      (t: Json): JobTask => ({
        taskKey: t.task_key,
        type: t.type,
        dependsOn: (t.depends_on ?? []).map((d: Json) => d.task_key as string),
        ...opt('runIf', t.run_if),
        ...opt('maxRetries', t.max_retries),
        ...opt('timeoutSeconds', t.timeout_seconds),
      }),
    ),
    ...(s
      ? {
          schedule: {
            ...opt('quartzCronExpression', s.quartz_cron_expression),
            ...opt('cron', s.cron),
            ...opt('timezoneId', s.timezone_id),
            ...opt('pauseStatus', s.pause_status),
          },
        }
      : {}),
  };
}

function toJobRun(j: Json): JobRun {
  const parameters: Record<string, string> = {};
  for (const p of j.job_parameters ?? []) parameters[p.name] = String(p.value);
  return {
    runId: Number(j.run_id),
    jobId: Number(j.job_id),
    ...opt('jobKey', j.job_key),
    state: j.state,
    ...opt('stateMessage', j.state_message),
    ...opt('trigger', j.trigger),
    ...opt('actor', j.actor),
    parameters,
    ...opt('mlflowExperimentId', j.mlflow_experiment_id),
    ...opt('mlflowRunId', j.mlflow_run_id),
    ...opt('scheduledTime', j.scheduled_time),
    ...opt('queuedTime', j.queued_time),
    ...opt('startTime', j.start_time),
    ...opt('endTime', j.end_time),
    repairCount: Number(j.repair_count ?? 0),
    ...opt('bundleSha256', j.bundle_sha256),
  };
}

function toAttempt(a: Json): TaskAttempt {
  return {
    attemptNumber: Number(a.attempt_number),
    state: a.state,
    ...opt('trigger', a.trigger),
    ...opt('stateMessage', a.state_message),
    ...opt('executor', a.executor),
    ...opt('queuedTime', a.queued_time),
    ...opt('startTime', a.start_time),
    ...opt('endTime', a.end_time),
    ...opt('exitCode', a.exit_code),
    ...opt('signal', a.signal),
  };
}

function toTaskRun(t: Json): TaskRun {
  return {
    taskKey: t.task_key,
    state: t.state,
    ...opt('stateMessage', t.state_message),
    ...opt('startTime', t.start_time),
    ...opt('endTime', t.end_time),
    attemptCount: Number(t.attempt_count ?? 0),
    ...opt('nextAttemptTime', t.next_attempt_time),
    ...(t.result !== undefined ? { result: t.result as unknown } : {}),
    attempts: (t.attempts ?? []).map(toAttempt),
  };
}

function toStateChange(j: Json): JobRunStateChange {
  return { runId: Number(j.run_id), state: j.state, ...opt('repairCount', j.repair_count) };
}

/**
 * Modelyard's jobs API (`/api/v1/jobs/…`, after Databricks Jobs 2.1): deployed jobs, their runs,
 * task attempts and logs, and run-now / cancel / repair. A plain MLflow server answers these with
 * ENDPOINT_NOT_FOUND.
 */
export class JobsApi {
  constructor(private readonly t: Transport) {}

  async listJobs(): Promise<Job[]> {
    return ((await this.t.get<{ jobs?: Json[] }>(`${API}/list`)).jobs ?? []).map(toJob);
  }

  async getJob(jobId: number): Promise<Job> {
    return toJob(await this.t.get<Json>(`${API}/get`, { job_id: jobId }));
  }

  /** Queues a run now; `parameters` override the job's parameter defaults. */
  async runNow(jobId: number, parameters: Record<string, string> = {}): Promise<JobRunStateChange> {
    const body = Object.keys(parameters).length > 0 ? { job_id: jobId, job_parameters: parameters } : { job_id: jobId };
    return toStateChange(await this.t.post<Json>(`${API}/run-now`, body));
  }

  /** Runs newest first, `limit` (1–1000, default 25) a page; `activeOnly` keeps queued and running ones. */
  async listRuns(opts: { jobId?: number; activeOnly?: boolean; limit?: number; pageToken?: string } = {}): Promise<Page<JobRun>> {
    const r = await this.t.get<{ runs?: Json[]; next_page_token?: string }>(`${API}/runs/list`, {
      ...(opts.jobId !== undefined ? { job_id: opts.jobId } : {}),
      ...(opts.activeOnly ? { active_only: true } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.pageToken ? { page_token: opts.pageToken } : {}),
    });
    return { items: (r.runs ?? []).map(toJobRun), ...(r.next_page_token ? { nextPageToken: r.next_page_token } : {}) };
  }

  async getRun(runId: number): Promise<JobRunDetail> {
    const j = await this.t.get<Json>(`${API}/runs/get`, { run_id: runId });
    return { ...toJobRun(j), tasks: (j.tasks ?? []).map(toTaskRun) };
  }

  async cancelRun(runId: number): Promise<JobRunStateChange> {
    return toStateChange(await this.t.post<Json>(`${API}/runs/cancel`, { run_id: runId }));
  }

  /**
   * Re-runs the named tasks and what depends on them, or every failed task when none is named;
   * with `latestBundle`, from the job's current bundle rather than the one the run started with.
   */
  async repairRun(runId: number, taskKeys: string[] = [], opts: { latestBundle?: boolean } = {}): Promise<JobRunStateChange> {
    const body = {
      run_id: runId,
      ...(taskKeys.length > 0 ? { rerun_tasks: taskKeys } : { rerun_all_failed_tasks: true }),
      ...(opts.latestBundle ? { latest_bundle: true } : {}),
    };
    return toStateChange(await this.t.post<Json>(`${API}/runs/repair`, body));
  }

  /** A task attempt's output from `offset` (default the start); the latest attempt unless one is named. */
  async readLog(opts: { runId: number; taskKey: string; attempt?: number; stream?: 'stdout' | 'stderr'; offset?: number }): Promise<TaskLogChunk> {
    const j = await this.t.get<Json>(`${API}/runs/logs`, {
      run_id: opts.runId,
      task_key: opts.taskKey,
      ...(opts.attempt !== undefined ? { attempt: opts.attempt } : {}),
      ...(opts.stream ? { stream: opts.stream } : {}),
      ...(opts.offset !== undefined ? { offset: opts.offset } : {}),
    });
    return {
      attemptNumber: Number(j.attempt_number),
      attemptState: j.attempt_state,
      stream: j.stream,
      text: j.text ?? '',
      nextOffset: Number(j.next_offset ?? 0),
      truncated: Boolean(j.truncated),
    };
  }
}
