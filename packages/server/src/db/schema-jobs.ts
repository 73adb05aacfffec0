import type { Generated } from 'kysely';

/**
 * Kysely table types of pipelines (migration 004): deployed jobs, job runs, task runs and task
 * attempts. Times are epoch milliseconds; JSON columns hold camelCase documents written by
 * stores/jobs only.
 */
export interface JobsTable {
  job_id: Generated<number>;
  project_name: string;
  job_key: string;
  /** '' when the project was deployed without a target. */
  target: string;
  name: string;
  project_dir: string;
  /** The job definition (domain JobDefinition) as deployed. */
  definition_json: string;
  /** Fire times up to this one have been considered by the scheduler (fired, queued or skipped). */
  schedule_cursor_time: number | null;
  created_time: number;
  updated_time: number;
}

export interface JobRunsTable {
  job_run_id: Generated<number>;
  job_id: number;
  state: string;
  state_message: string | null;
  trigger: string;
  actor: string | null;
  parameters_json: string;
  /** Snapshot of the definition the run started with: repairs and recovery use it, not the latest deploy. */
  definition_json: string;
  mlflow_experiment_id: string | null;
  mlflow_run_id: string | null;
  /** The schedule fire time this run answers; unique per job so a fire is never taken twice. */
  scheduled_time: number | null;
  queued_time: number;
  start_time: number | null;
  end_time: number | null;
  repair_count: number;
  /** The runner process driving the run, and when it last said it was alive. */
  owner_id: string | null;
  heartbeat_time: number | null;
  cancel_requested: number;
}

export interface TaskRunsTable {
  job_run_id: number;
  task_key: string;
  state: string;
  state_message: string | null;
  start_time: number | null;
  end_time: number | null;
  attempt_count: number;
  /** Set while WAITING_FOR_RETRY: the earliest time of the next attempt. */
  next_attempt_time: number | null;
  /** Task-type output (gate decision, evaluation metrics…) as JSON. */
  result_json: string | null;
}

export interface TaskAttemptsTable {
  attempt_id: Generated<number>;
  job_run_id: number;
  task_key: string;
  attempt_number: number;
  state: string;
  trigger: string;
  state_message: string | null;
  executor: string;
  /** What the executor knows the attempt by: a process id, a queue job id, a remote run id. */
  executor_ref: string | null;
  queued_time: number;
  start_time: number | null;
  end_time: number | null;
  exit_code: number | null;
  signal: string | null;
  stdout_path: string | null;
  stderr_path: string | null;
}

export interface JobTables {
  jobs: JobsTable;
  job_runs: JobRunsTable;
  task_runs: TaskRunsTable;
  task_attempts: TaskAttemptsTable;
}
