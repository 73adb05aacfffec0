import type { Selectable } from 'kysely';
import type { JobRunsTable, JobsTable, TaskAttemptsTable, TaskRunsTable } from '../../db/schema-jobs.js';
import type { AttemptRecord, JobDefinition, JobRecord, JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { AttemptState, AttemptTrigger, JobRunState, JobRunTrigger, TaskRunState } from '../../domain/pipelines/run-states.js';

/** Row ↔ record mapping for the pipelines tables; JSON columns are parsed here and nowhere else. */
export function toJobRecord(r: Selectable<JobsTable>): JobRecord {
  return {
    jobId: Number(r.job_id),
    projectName: r.project_name,
    jobKey: r.job_key,
    target: r.target,
    name: r.name,
    projectDir: r.project_dir,
    definition: JSON.parse(r.definition_json) as JobDefinition,
    scheduleCursorTime: r.schedule_cursor_time,
    createdTime: r.created_time,
    updatedTime: r.updated_time,
  };
}

export function toJobRunRecord(r: Selectable<JobRunsTable>): JobRunRecord {
  return {
    jobRunId: Number(r.job_run_id),
    jobId: Number(r.job_id),
    state: r.state as JobRunState,
    stateMessage: r.state_message,
    trigger: r.trigger as JobRunTrigger,
    actor: r.actor,
    parameters: JSON.parse(r.parameters_json) as Record<string, string>,
    definition: JSON.parse(r.definition_json) as JobDefinition,
    mlflowExperimentId: r.mlflow_experiment_id,
    mlflowRunId: r.mlflow_run_id,
    scheduledTime: r.scheduled_time,
    queuedTime: r.queued_time,
    startTime: r.start_time,
    endTime: r.end_time,
    repairCount: r.repair_count,
    ownerId: r.owner_id,
    heartbeatTime: r.heartbeat_time,
    cancelRequested: r.cancel_requested !== 0,
  };
}

export function toTaskRunRecord(r: Selectable<TaskRunsTable>): TaskRunRecord {
  return {
    jobRunId: Number(r.job_run_id),
    taskKey: r.task_key,
    state: r.state as TaskRunState,
    stateMessage: r.state_message,
    startTime: r.start_time,
    endTime: r.end_time,
    attemptCount: r.attempt_count,
    nextAttemptTime: r.next_attempt_time,
    result: r.result_json === null ? undefined : (JSON.parse(r.result_json) as unknown),
  };
}

export function toAttemptRecord(r: Selectable<TaskAttemptsTable>): AttemptRecord {
  return {
    attemptId: Number(r.attempt_id),
    jobRunId: Number(r.job_run_id),
    taskKey: r.task_key,
    attemptNumber: r.attempt_number,
    state: r.state as AttemptState,
    trigger: r.trigger as AttemptTrigger,
    stateMessage: r.state_message,
    executor: r.executor,
    executorRef: r.executor_ref,
    queuedTime: r.queued_time,
    startTime: r.start_time,
    endTime: r.end_time,
    exitCode: r.exit_code,
    signal: r.signal,
    stdoutPath: r.stdout_path,
    stderrPath: r.stderr_path,
  };
}
