import { apiGet, apiSend } from './http.js';

/** `/api/v1/jobs/…`: Databricks Jobs 2.1-shaped JSON (snake_case, unset fields left out). */
const PREFIX = '/api/v1/jobs';

export interface JobTask {
  task_key: string;
  type: string;
  depends_on?: Array<{ task_key: string }>;
  run_if?: string;
  max_retries?: number;
  timeout_seconds?: number;
}

export interface Job {
  job_id: number;
  project: string;
  job_key: string;
  target?: string;
  name: string;
  project_dir?: string;
  created_time?: number;
  updated_time?: number;
  max_concurrent_runs?: number;
  queue?: { enabled: boolean };
  parameters?: Array<{ name: string; default: string }>;
  tasks?: JobTask[];
  schedule?: { quartz_cron_expression?: string; cron?: string; timezone_id?: string; pause_status?: string };
}

export type JobRunState = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'SUCCESS_WITH_FAILURES' | 'FAILED' | 'TIMEDOUT' | 'CANCELED' | 'SKIPPED';

export interface JobRun {
  run_id: number;
  job_id: number;
  job_key?: string;
  state: JobRunState;
  state_message?: string;
  trigger?: string;
  actor?: string;
  job_parameters?: Array<{ name: string; value: string }>;
  mlflow_experiment_id?: string;
  mlflow_run_id?: string;
  scheduled_time?: number;
  queued_time?: number;
  start_time?: number;
  end_time?: number;
  repair_count?: number;
}

export interface TaskAttempt {
  attempt_number: number;
  state: string;
  trigger?: string;
  state_message?: string;
  executor?: string;
  queued_time?: number;
  start_time?: number;
  end_time?: number;
  exit_code?: number;
  signal?: string;
}

export interface TaskRun {
  task_key: string;
  state: string;
  state_message?: string;
  start_time?: number;
  end_time?: number;
  attempt_count?: number;
  next_attempt_time?: number;
  result?: unknown;
  attempts?: TaskAttempt[];
}

export interface JobRunDetail extends JobRun {
  tasks?: TaskRun[];
}

export interface LogChunk {
  attempt_number: number;
  attempt_state: string;
  stream: 'stdout' | 'stderr';
  text?: string;
  next_offset: number;
  truncated?: boolean;
}

const ACTIVE_RUN_STATES: ReadonlySet<string> = new Set(['QUEUED', 'RUNNING']);
const ACTIVE_TASK_STATES: ReadonlySet<string> = new Set(['PENDING', 'WAITING_FOR_RETRY', 'RUNNING', 'QUEUED']);

export function isActiveRun(state: string): boolean {
  return ACTIVE_RUN_STATES.has(state);
}

export function isActiveTask(state: string): boolean {
  return ACTIVE_TASK_STATES.has(state);
}

export async function listJobs(signal?: AbortSignal): Promise<Job[]> {
  return (await apiGet<{ jobs?: Job[] }>(`${PREFIX}/list`, {}, signal)).jobs ?? [];
}

export async function getJob(jobId: number | string, signal?: AbortSignal): Promise<Job> {
  return apiGet<Job>(`${PREFIX}/get`, { job_id: jobId }, signal);
}

export async function listRuns(q: { jobId?: number | string; activeOnly?: boolean; limit?: number; pageToken?: string }, signal?: AbortSignal): Promise<{ runs: JobRun[]; nextPageToken?: string }> {
  const body = await apiGet<{ runs?: JobRun[]; next_page_token?: string }>(
    `${PREFIX}/runs/list`,
    { job_id: q.jobId, active_only: q.activeOnly || undefined, limit: q.limit ?? 25, page_token: q.pageToken },
    signal,
  );
  return { runs: body.runs ?? [], ...(body.next_page_token ? { nextPageToken: body.next_page_token } : {}) };
}

export async function getRun(runId: number | string, signal?: AbortSignal): Promise<JobRunDetail> {
  return apiGet<JobRunDetail>(`${PREFIX}/runs/get`, { run_id: runId }, signal);
}

export async function runNow(jobId: number, parameters: Record<string, string>): Promise<{ run_id: number; state: string }> {
  return apiSend('POST', `${PREFIX}/run-now`, { job_id: jobId, ...(Object.keys(parameters).length > 0 ? { job_parameters: parameters } : {}) });
}

export async function cancelRun(runId: number): Promise<{ run_id: number; state: string }> {
  return apiSend('POST', `${PREFIX}/runs/cancel`, { run_id: runId });
}

/** Re-runs the named tasks (and their dependants), or every failed task when none is named. */
export async function repairRun(runId: number, taskKeys: string[]): Promise<{ run_id: number; state: string; repair_count?: number }> {
  return apiSend('POST', `${PREFIX}/runs/repair`, taskKeys.length > 0 ? { run_id: runId, rerun_tasks: taskKeys } : { run_id: runId, rerun_all_failed_tasks: true });
}

export async function readLog(
  q: { runId: number | string; taskKey: string; attempt?: number; stream: 'stdout' | 'stderr'; offset: number },
  signal?: AbortSignal,
): Promise<LogChunk> {
  return apiGet<LogChunk>(`${PREFIX}/runs/logs`, { run_id: q.runId, task_key: q.taskKey, attempt: q.attempt, stream: q.stream, offset: q.offset }, signal);
}
