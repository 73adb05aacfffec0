import { z } from 'zod';
import { bool, int64, repeated } from './message.js';

/**
 * Request messages of the Databricks Jobs API 2.1 (served under `/api/2.1/jobs/…` and, for the
 * Databricks SDK, which calls 2.2, under `/api/2.2/jobs/…`), as the server validates them. Field
 * names and required-ness follow the Databricks SDK's model (`@databricks/sdk-experimental`,
 * apis/jobs/model.d.ts). Job settings themselves (`tasks`, `schedule`, …) are an open object here:
 * the server checks them with the same parser `modelyard.yaml` goes through, so a problem is
 * reported with its field path whichever way the job arrived.
 */

/** Modelyard's task kinds, as Jobs API task fields. */
export const MODELYARD_TASK_KINDS = ['command_task', 'evaluate_task', 'gate_task', 'promote_task', 'batch_score_task', 'deploy_task'] as const;

/** Databricks task kinds Modelyard does not run; a task using one is refused naming the supported kinds. */
export const DATABRICKS_ONLY_TASK_KINDS = [
  'notebook_task',
  'spark_jar_task',
  'spark_python_task',
  'spark_submit_task',
  'python_wheel_task',
  'pipeline_task',
  'sql_task',
  'dbt_task',
  'dbt_cloud_task',
  'dbt_platform_task',
  'run_job_task',
  'condition_task',
  'for_each_task',
  'clean_rooms_notebook_task',
  'dashboard_task',
  'power_bi_task',
  'gen_ai_compute_task',
] as const;

/** The deprecated per-kind run parameters; Modelyard has job parameters only. */
export const LEGACY_RUN_PARAMETER_FIELDS = [
  'notebook_params',
  'python_params',
  'python_named_params',
  'jar_params',
  'spark_submit_params',
  'sql_params',
  'dbt_commands',
  'pipeline_params',
] as const;

/** `runs/list` answers at most this many runs a page (Databricks: 25); `jobs/list` at most 100. */
export const MAX_RUNS_PAGE = 25;
export const MAX_JOBS_PAGE = 100;

export const RUN_TYPES = ['JOB_RUN', 'SUBMIT_RUN', 'WORKFLOW_RUN'] as const;

const positiveId = (what: string) =>
  int64().refine((n) => n >= 1, { message: `must be a ${what} (a positive integer)` });
const jobId = () => positiveId('job id');
const runId = () => positiveId('run id');
const pageToken = () => z.string().max(1000);

function isEmptyValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

/** A Databricks field Modelyard has no use for: an empty value is accepted (round trips), anything else refused saying why. */
const refused = (why: string) => z.unknown().refine(isEmptyValue, { message: why });

const legacyParameters = Object.fromEntries(
  LEGACY_RUN_PARAMETER_FIELDS.map((f) => [f, refused('per-task-kind parameters are not supported; declare job parameters and pass job_parameters').optional()]),
) as unknown as Record<(typeof LEGACY_RUN_PARAMETER_FIELDS)[number], z.ZodOptional<z.ZodType<unknown>>>;

/** Job parameter values: a map of name → string (numbers and booleans are taken as their text). */
const parameterValues = () =>
  z.record(z.string().max(255), z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)));

/** Job settings: an open object, checked field by field by the server's job parser. */
export const JobSettingsInput = z.record(z.string(), z.unknown());

export const CreateJob = JobSettingsInput;
export const ResetJob = z.object({ job_id: jobId(), new_settings: JobSettingsInput }).strict();
export const UpdateJob = z
  .object({
    job_id: jobId(),
    new_settings: JobSettingsInput.optional(),
    /** Top-level settings fields, or `tasks/<task_key>`. */
    fields_to_remove: z.array(z.string().max(200)).max(1000).optional(),
  })
  .strict();
export const DeleteJob = z.object({ job_id: jobId() }).strict();
export const GetJob = z.object({ job_id: jobId(), page_token: pageToken().optional() }).strict();
export const ListJobs = z
  .object({
    limit: int64().optional(),
    offset: int64().optional(),
    page_token: pageToken().optional(),
    name: z.string().max(4096).optional(),
    expand_tasks: bool().optional(),
  })
  .strict();

export const RunNow = z
  .object({
    job_id: jobId(),
    job_parameters: parameterValues().optional(),
    idempotency_token: refused('run-now does not take an idempotency_token here; runs/submit does').optional(),
    only: refused('running a subset of the tasks is not supported; run the whole job, or repair a run with rerun_tasks').optional(),
    queue: z.object({ enabled: z.boolean() }).strict().optional(),
    performance_target: refused('there is no serverless compute to tune').optional(),
    ...legacyParameters,
  })
  .strict();

/** A one-time run (`runs/submit`): checked like job settings. */
export const SubmitRun = JobSettingsInput;

export const GetRun = z
  .object({
    run_id: runId(),
    include_history: bool().optional(),
    include_resolved_values: bool().optional(),
    page_token: pageToken().optional(),
  })
  .strict();

export const ListRuns = z
  .object({
    job_id: jobId().optional(),
    active_only: bool().optional(),
    completed_only: bool().optional(),
    offset: int64().optional(),
    limit: int64().optional(),
    page_token: pageToken().optional(),
    expand_tasks: bool().optional(),
    run_type: z.enum(RUN_TYPES).optional(),
    start_time_from: int64().optional(),
    start_time_to: int64().optional(),
  })
  .strict();

export const CancelRun = z.object({ run_id: runId() }).strict();
export const CancelAllRuns = z.object({ job_id: jobId().optional(), all_queued_runs: bool().optional() }).strict();
export const DeleteRun = z.object({ run_id: runId() }).strict();
export const GetRunOutput = z.object({ run_id: runId() }).strict();

export const RepairRun = z
  .object({
    run_id: runId(),
    rerun_tasks: repeated(z.string().max(100)).optional(),
    rerun_all_failed_tasks: bool().optional(),
    rerun_dependent_tasks: bool().optional(),
    latest_repair_id: int64().optional(),
    job_parameters: refused('a repair re-runs with the parameters of the run it repairs; start a new run with run-now to change them').optional(),
    performance_target: refused('there is no serverless compute to tune').optional(),
    ...legacyParameters,
  })
  .strict();

// ── Responses (the subset of the Databricks model Modelyard fills) ─────────────────────────────

export type RunLifeCycleState = 'QUEUED' | 'PENDING' | 'BLOCKED' | 'RUNNING' | 'WAITING_FOR_RETRY' | 'TERMINATING' | 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR';
export type RunResultState =
  | 'SUCCESS'
  | 'SUCCESS_WITH_FAILURES'
  | 'FAILED'
  | 'TIMEDOUT'
  | 'CANCELED'
  | 'EXCLUDED'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_CANCELED'
  | 'MAXIMUM_CONCURRENT_RUNS_REACHED';

export interface RunStateJson {
  life_cycle_state: RunLifeCycleState;
  result_state?: RunResultState;
  state_message: string;
  user_cancelled_or_timedout: boolean;
  queue_reason?: string;
}

export interface RunStatusJson {
  state: 'BLOCKED' | 'PENDING' | 'QUEUED' | 'RUNNING' | 'TERMINATED' | 'TERMINATING' | 'WAITING';
  termination_details?: { code: string; type: 'SUCCESS' | 'CLIENT_ERROR' | 'INTERNAL_ERROR' | 'CLOUD_FAILURE'; message: string };
  queue_details?: { code: string; message: string };
}

export interface RunTaskJson {
  task_key: string;
  /** The task run's id (absent until its first attempt starts): what `runs/get-output` takes. */
  run_id?: number;
  attempt_number: number;
  state: RunStateJson;
  status: RunStatusJson;
  start_time: number;
  end_time: number;
  run_duration?: number;
  setup_duration: number;
  execution_duration: number;
  cleanup_duration: number;
  [taskField: string]: unknown;
}

export interface RunJson {
  job_id: number;
  run_id: number;
  job_run_id: number;
  number_in_job: number;
  original_attempt_run_id: number;
  attempt_number: number;
  run_name: string;
  run_type: (typeof RUN_TYPES)[number];
  trigger: 'ONE_TIME' | 'PERIODIC';
  state: RunStateJson;
  status: RunStatusJson;
  start_time: number;
  end_time: number;
  setup_duration: number;
  execution_duration: number;
  cleanup_duration: number;
  run_duration?: number;
  queue_duration?: number;
  creator_user_name?: string;
  job_parameters?: Array<{ name: string; default?: string; value: string }>;
  tasks?: RunTaskJson[];
  repair_history?: Array<{ type: 'ORIGINAL' | 'REPAIR'; id?: number; start_time?: number; end_time?: number; state?: RunStateJson }>;
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status: string };
  /** Modelyard: the MLflow run the job run logs to. */
  mlflow_experiment_id?: string;
  mlflow_run_id?: string;
}

export interface RunOutputJson {
  metadata: RunJson & { task_key?: string };
  logs?: string;
  logs_truncated?: boolean;
  error?: string;
  error_trace?: string;
  /** Modelyard: what an evaluate, gate, promote, batch_score or deploy task returned (metrics, decision…). */
  task_result?: unknown;
}
