import type { RunJson, RunLifeCycleState, RunResultState, RunStateJson, RunStatusJson, RunTaskJson } from '@modelyard/contract';
import type { AttemptRecord, JobRecord, JobRunRecord, TaskRunRecord } from '../../../domain/pipelines/job-records.js';
import { jobSettingsJson, taskSettingsJson } from '../../../domain/pipelines/job-settings-json.js';
import { isApiJob, isOneTimeJob, taskRunIdOf } from '../../../domain/pipelines/jobs-api-ids.js';
import type { AttemptState, JobRunState, TaskRunState } from '../../../domain/pipelines/run-states.js';
import type { JobRunDetails } from '../../../services/pipelines/job-service.js';

/**
 * Pipelines records as the Databricks Jobs API shows them. Modelyard keeps one state column per
 * run, task run and attempt; Databricks splits it into a life cycle state and, once terminal, a
 * result state. Unset fields and empty lists are left out, times are epoch ms (0 = not yet, as
 * Databricks writes an unfinished run's end_time).
 */

type Split = { life: RunLifeCycleState; result?: RunResultState; v2: RunStatusJson['state'] };

const JOB_RUN_SPLIT: Record<JobRunState, Split> = {
  QUEUED: { life: 'QUEUED', v2: 'QUEUED' },
  RUNNING: { life: 'RUNNING', v2: 'RUNNING' },
  SUCCESS: { life: 'TERMINATED', result: 'SUCCESS', v2: 'TERMINATED' },
  SUCCESS_WITH_FAILURES: { life: 'TERMINATED', result: 'SUCCESS_WITH_FAILURES', v2: 'TERMINATED' },
  FAILED: { life: 'TERMINATED', result: 'FAILED', v2: 'TERMINATED' },
  TIMEDOUT: { life: 'TERMINATED', result: 'TIMEDOUT', v2: 'TERMINATED' },
  CANCELED: { life: 'TERMINATED', result: 'CANCELED', v2: 'TERMINATED' },
  // Modelyard skips a run only when max_concurrent_runs is reached and queueing is off.
  SKIPPED: { life: 'SKIPPED', result: 'MAXIMUM_CONCURRENT_RUNS_REACHED', v2: 'TERMINATED' },
};

// Tasks that never ran (excluded by run_if, or below a failed or canceled task) end SKIPPED.
const TASK_RUN_SPLIT: Record<TaskRunState, Split> = {
  PENDING: { life: 'PENDING', v2: 'PENDING' },
  WAITING_FOR_RETRY: { life: 'WAITING_FOR_RETRY', v2: 'WAITING' },
  RUNNING: { life: 'RUNNING', v2: 'RUNNING' },
  SUCCESS: { life: 'TERMINATED', result: 'SUCCESS', v2: 'TERMINATED' },
  FAILED: { life: 'TERMINATED', result: 'FAILED', v2: 'TERMINATED' },
  TIMEDOUT: { life: 'TERMINATED', result: 'TIMEDOUT', v2: 'TERMINATED' },
  CANCELED: { life: 'TERMINATED', result: 'CANCELED', v2: 'TERMINATED' },
  EXCLUDED: { life: 'SKIPPED', result: 'EXCLUDED', v2: 'TERMINATED' },
  UPSTREAM_FAILED: { life: 'SKIPPED', result: 'UPSTREAM_FAILED', v2: 'TERMINATED' },
  UPSTREAM_CANCELED: { life: 'SKIPPED', result: 'UPSTREAM_CANCELED', v2: 'TERMINATED' },
};

const ATTEMPT_TASK_STATE: Record<AttemptState, TaskRunState> = {
  QUEUED: 'PENDING',
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  TIMEDOUT: 'TIMEDOUT',
  CANCELED: 'CANCELED',
  LOST: 'FAILED',
};

const TERMINATION: Partial<Record<RunResultState, { code: string; type: 'SUCCESS' | 'CLIENT_ERROR' }>> = {
  SUCCESS: { code: 'SUCCESS', type: 'SUCCESS' },
  SUCCESS_WITH_FAILURES: { code: 'SUCCESS_WITH_FAILURES', type: 'SUCCESS' },
  FAILED: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR' },
  TIMEDOUT: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR' },
  CANCELED: { code: 'USER_CANCELED', type: 'SUCCESS' },
  EXCLUDED: { code: 'SKIPPED', type: 'SUCCESS' },
  UPSTREAM_FAILED: { code: 'SKIPPED', type: 'CLIENT_ERROR' },
  UPSTREAM_CANCELED: { code: 'SKIPPED', type: 'SUCCESS' },
  MAXIMUM_CONCURRENT_RUNS_REACHED: { code: 'MAX_CONCURRENT_RUNS_EXCEEDED', type: 'CLIENT_ERROR' },
};

function stateJson(split: Split, message: string | null, terminating: boolean): { state: RunStateJson; status: RunStatusJson } {
  const life = terminating && split.life === 'RUNNING' ? 'TERMINATING' : split.life;
  const text = message ?? '';
  const state: RunStateJson = {
    life_cycle_state: life,
    ...(split.result ? { result_state: split.result } : {}),
    state_message: text,
    user_cancelled_or_timedout: split.result === 'CANCELED' || split.result === 'TIMEDOUT',
    ...(life === 'QUEUED' ? { queue_reason: text || 'waiting for a free slot (max_concurrent_runs)' } : {}),
  };
  const termination = split.result ? TERMINATION[split.result] : undefined;
  const status: RunStatusJson = {
    state: life === 'TERMINATING' ? 'TERMINATING' : split.v2,
    ...(termination ? { termination_details: { ...termination, message: text } } : {}),
    ...(life === 'QUEUED' ? { queue_details: { code: 'MAX_CONCURRENT_RUNS_REACHED', message: text || 'waiting for a free slot (max_concurrent_runs)' } } : {}),
  };
  return { state, status };
}

function durations(
  start: number | null,
  end: number | null,
): { setup_duration: number; execution_duration: number; cleanup_duration: number; run_duration?: number } {
  const d = start !== null && end !== null ? Math.max(0, end - start) : undefined;
  return { setup_duration: 0, execution_duration: d ?? 0, cleanup_duration: 0, ...(d !== undefined ? { run_duration: d } : {}) };
}

export function jobJson(job: JobRecord, opts: { withTasks: boolean }): Record<string, unknown> {
  const settings = jobSettingsJson(job.definition.job);
  if (!opts.withTasks) delete settings.tasks;
  if (!isApiJob(job.projectName)) {
    // Deployed from a project: like a bundle-deployed Databricks job, edited through its source only.
    settings.edit_mode = 'UI_LOCKED';
    settings.deployment = { kind: 'BUNDLE' };
  }
  return { job_id: job.jobId, created_time: job.createdTime, settings };
}

function taskJson(details: JobRunDetails, t: TaskRunRecord, attempts: AttemptRecord[]): RunTaskJson {
  const spec = details.run.definition.job.tasks.find((s) => s.taskKey === t.taskKey);
  const last = attempts.at(-1);
  const blocked =
    t.state === 'PENDING' &&
    (spec?.dependsOn ?? []).some((d) => {
      const up = details.tasks.find((x) => x.taskKey === d);
      return up !== undefined && TASK_RUN_SPLIT[up.state].v2 !== 'TERMINATED';
    });
  const split = blocked ? { ...TASK_RUN_SPLIT.PENDING, life: 'BLOCKED' as const, v2: 'BLOCKED' as const } : TASK_RUN_SPLIT[t.state];
  return {
    ...(spec ? taskSettingsJson(spec) : { task_key: t.taskKey }),
    task_key: t.taskKey,
    ...(last ? { run_id: taskRunIdOf(last.attemptId) } : {}),
    attempt_number: Math.max(0, t.attemptCount - 1),
    ...stateJson(split, t.stateMessage, details.run.cancelRequested && t.state === 'RUNNING'),
    start_time: t.startTime ?? 0,
    end_time: t.endTime ?? 0,
    ...durations(t.startTime, t.endTime),
  };
}

function runName(run: JobRunRecord): string {
  return run.definition.job.name;
}

/** A job run (runs/get, and runs/list entries without `tasks` unless expand_tasks). */
export function runJson(details: JobRunDetails, job: Pick<JobRecord, 'projectName' | 'jobKey'> | undefined, opts: { withTasks: boolean; withHistory?: boolean }): RunJson {
  const { run } = details;
  const def = run.definition.job;
  const schedule = def.schedule;
  const oneTime = job ? isOneTimeJob(job) : false;
  const start = run.startTime ?? run.queuedTime;
  const out: RunJson = {
    job_id: run.jobId,
    run_id: run.jobRunId,
    job_run_id: run.jobRunId,
    number_in_job: run.jobRunId,
    original_attempt_run_id: run.jobRunId,
    attempt_number: 0,
    run_name: runName(run),
    run_type: oneTime ? 'SUBMIT_RUN' : 'JOB_RUN',
    trigger: run.trigger === 'SCHEDULE' ? 'PERIODIC' : 'ONE_TIME',
    ...stateJson(JOB_RUN_SPLIT[run.state], run.stateMessage, run.cancelRequested),
    start_time: start,
    end_time: run.endTime ?? 0,
    ...durations(start, run.endTime),
    ...(run.startTime !== null ? { queue_duration: Math.max(0, run.startTime - run.queuedTime) } : {}),
    ...(run.actor ? { creator_user_name: run.actor } : {}),
    ...(run.mlflowExperimentId ? { mlflow_experiment_id: run.mlflowExperimentId } : {}),
    ...(run.mlflowRunId ? { mlflow_run_id: run.mlflowRunId } : {}),
  };
  const params = def.parameters.map((p) => ({ name: p.name, default: p.default, value: run.parameters[p.name] ?? p.default }));
  if (params.length > 0) out.job_parameters = params;
  if (run.trigger === 'SCHEDULE' && schedule?.quartzCronExpression) {
    out.schedule = { quartz_cron_expression: schedule.quartzCronExpression, timezone_id: schedule.timezoneId, pause_status: schedule.pauseStatus };
  }
  if (opts.withTasks) {
    out.tasks = details.tasks.map((t) => taskJson(details, t, details.attempts.filter((a) => a.taskKey === t.taskKey)));
  }
  if (opts.withHistory) {
    out.repair_history = [
      { type: 'ORIGINAL', start_time: start },
      ...Array.from({ length: run.repairCount }, (_, i) => ({ type: 'REPAIR' as const, id: i + 1 })),
    ];
  }
  return out;
}

/** A task run shown as a run of its own (runs/get with a task run id, and get-output's metadata). */
export function taskRunJson(details: JobRunDetails, job: Pick<JobRecord, 'projectName' | 'jobKey'> | undefined, attempt: AttemptRecord): RunJson & { task_key: string } {
  const base = runJson(details, job, { withTasks: false });
  const taskRun = details.tasks.find((t) => t.taskKey === attempt.taskKey);
  const latest = details.attempts.filter((a) => a.taskKey === attempt.taskKey).at(-1);
  // The task run's own state while this is its latest attempt; an earlier attempt's from the attempt.
  const state: TaskRunState = latest?.attemptId === attempt.attemptId && taskRun ? taskRun.state : ATTEMPT_TASK_STATE[attempt.state];
  const message = latest?.attemptId === attempt.attemptId && taskRun ? taskRun.stateMessage : attempt.stateMessage;
  const spec = details.run.definition.job.tasks.find((s) => s.taskKey === attempt.taskKey);
  const taskEntry = taskRun ? taskJson(details, taskRun, [attempt]) : undefined;
  return {
    ...base,
    ...(spec ? taskSettingsJson(spec) : {}),
    task_key: attempt.taskKey,
    run_id: taskRunIdOf(attempt.attemptId),
    original_attempt_run_id: taskRunIdOf(details.attempts.find((a) => a.taskKey === attempt.taskKey)?.attemptId ?? attempt.attemptId),
    attempt_number: attempt.attemptNumber - 1,
    run_name: attempt.taskKey,
    ...stateJson(TASK_RUN_SPLIT[state], message, false),
    start_time: attempt.startTime ?? attempt.queuedTime,
    end_time: attempt.endTime ?? 0,
    ...durations(attempt.startTime, attempt.endTime),
    ...(taskEntry ? { tasks: [{ ...taskEntry, ...stateJson(TASK_RUN_SPLIT[state], message, false), attempt_number: attempt.attemptNumber - 1 }] } : {}),
  };
}

/** Task results are camelCase records inside; the API speaks snake_case, so their keys are converted on the way out. */
export function snakeKeys(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => snakeKeys(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    // A `metrics` map is keyed by metric names, which are data, not field names.
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), k === 'metrics' ? v : snakeKeys(v, depth + 1)]),
    );
  }
  return value;
}
