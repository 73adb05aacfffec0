import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bool, int64, repeated } from '@modelyard/contract';
import type { AttemptRecord, JobRecord, JobRunRecord, TaskRunRecord } from '../../../domain/pipelines/job-records.js';
import type { JobServices } from '../../../services/pipelines/create-job-services.js';
import { InvalidParameterError } from '../../../errors.js';
import { validate } from '../../mlflow-route.js';
import { compact } from '../../../domain/compact-json.js';

/**
 * `/api/v1/jobs/…`: the jobs API, shaped after Databricks Jobs 2.1 (`list`, `get`, `run-now`,
 * `runs/list`, `runs/get`, `runs/cancel`, `runs/repair`) plus `runs/logs`. snake_case JSON; unset
 * fields and empty lists are omitted.
 */
const PREFIX = '/api/v1/jobs';

const GetJob = z.object({ job_id: int64() }).strict();
const RunNow = z.object({ job_id: int64(), job_parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }).strict();
const ListRuns = z
  .object({ job_id: int64().optional(), active_only: bool().optional(), limit: int64().optional(), page_token: z.string().optional() })
  .strict();
const GetRun = z.object({ run_id: int64() }).strict();
const RepairRun = z
  .object({ run_id: int64(), rerun_tasks: repeated(z.string()).optional(), rerun_all_failed_tasks: bool().optional(), latest_bundle: bool().optional() })
  .strict();
const RunLogs = z
  .object({ run_id: int64(), task_key: z.string().min(1), attempt: int64().optional(), stream: z.enum(['stdout', 'stderr']).optional(), offset: int64().optional() })
  .strict();

export function jobToJson(j: JobRecord): Record<string, unknown> {
  const s = j.definition.job.schedule;
  return compact({
    job_id: j.jobId,
    project: j.projectName,
    job_key: j.jobKey,
    target: j.target || undefined,
    name: j.name,
    project_dir: j.projectDir || undefined,
    bundle_sha256: j.definition.bundle?.sha256,
    created_time: j.createdTime,
    updated_time: j.updatedTime,
    max_concurrent_runs: j.definition.job.maxConcurrentRuns,
    queue: { enabled: j.definition.job.queueEnabled },
    parameters: j.definition.job.parameters.map((p) => ({ name: p.name, default: p.default })),
    tasks: j.definition.job.tasks.map((t) =>
      compact({ task_key: t.taskKey, type: t.type, depends_on: t.dependsOn.map((d) => ({ task_key: d })), run_if: t.runIf, max_retries: t.maxRetries, timeout_seconds: t.timeoutSeconds }),
    ),
    schedule: s
      ? compact({ quartz_cron_expression: s.quartzCronExpression, cron: s.cron, timezone_id: s.timezoneId, pause_status: s.pauseStatus })
      : undefined,
  });
}

export function jobRunToJson(r: JobRunRecord): Record<string, unknown> {
  return compact({
    run_id: r.jobRunId,
    job_id: r.jobId,
    job_key: r.definition.job.key,
    state: r.state,
    state_message: r.stateMessage,
    trigger: r.trigger,
    actor: r.actor,
    job_parameters: Object.entries(r.parameters).map(([name, value]) => ({ name, value })),
    mlflow_experiment_id: r.mlflowExperimentId,
    mlflow_run_id: r.mlflowRunId,
    scheduled_time: r.scheduledTime,
    queued_time: r.queuedTime,
    start_time: r.startTime,
    end_time: r.endTime,
    repair_count: r.repairCount || undefined,
    bundle_sha256: r.definition.bundle?.sha256,
  });
}

function taskRunToJson(t: TaskRunRecord, attempts: AttemptRecord[]): Record<string, unknown> {
  return compact({
    task_key: t.taskKey,
    state: t.state,
    state_message: t.stateMessage,
    start_time: t.startTime,
    end_time: t.endTime,
    attempt_count: t.attemptCount,
    next_attempt_time: t.nextAttemptTime,
    result: t.result,
    attempts: attempts.map((a) =>
      compact({
        attempt_number: a.attemptNumber,
        state: a.state,
        trigger: a.trigger,
        state_message: a.stateMessage,
        executor: a.executor,
        queued_time: a.queuedTime,
        start_time: a.startTime,
        end_time: a.endTime,
        exit_code: a.exitCode,
        signal: a.signal,
      }),
    ),
  });
}

function actorOf(req: FastifyRequest): string | null {
  const h = req.headers['x-modelyard-user'];
  return typeof h === 'string' && h.trim() ? h.trim() : null;
}

export function registerJobRoutes(app: FastifyInstance, pipelines: JobServices): void {
  const { jobs } = pipelines;
  const get = <S extends z.ZodTypeAny>(path: string, schema: S, handler: (m: z.output<S>, req: FastifyRequest) => Promise<unknown>) =>
    app.get(PREFIX + path, async (req) => handler(validate(schema, req.query ?? {}), req));
  const post = <S extends z.ZodTypeAny>(path: string, schema: S, handler: (m: z.output<S>, req: FastifyRequest) => Promise<unknown>) =>
    app.post(PREFIX + path, async (req) => handler(validate(schema, req.body ?? {}), req));

  get('/list', z.object({}).strict(), async () => ({ jobs: (await jobs.listJobs()).map(jobToJson) }));

  get('/get', GetJob, async (m) => jobToJson(await jobs.getJob(m.job_id)));

  post('/run-now', RunNow, async (m, req) => {
    const parameters = Object.fromEntries(Object.entries(m.job_parameters ?? {}).map(([k, v]) => [k, String(v)]));
    const run = await jobs.runNow(m.job_id, { parameters, actor: actorOf(req) });
    return { run_id: run.jobRunId, state: run.state };
  });

  get('/runs/list', ListRuns, async (m) => {
    const limit = m.limit ?? 25;
    if (limit < 1 || limit > 1000) throw new InvalidParameterError(`Invalid value ${limit} for parameter 'limit' supplied: it must be from 1 to 1000`);
    const beforeId = m.page_token !== undefined ? decodePageToken(m.page_token) : undefined;
    const runs = await jobs.listRuns({
      limit: limit + 1,
      ...(m.job_id !== undefined ? { jobId: m.job_id } : {}),
      ...(m.active_only ? { activeOnly: true } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    const page = runs.slice(0, limit);
    const more = runs.length > limit;
    return compact({ runs: page.map(jobRunToJson), next_page_token: more ? String(page[page.length - 1]!.jobRunId) : undefined });
  });

  get('/runs/get', GetRun, async (m) => {
    const { run, tasks, attempts } = await jobs.getRun(m.run_id);
    return { ...jobRunToJson(run), ...compact({ tasks: tasks.map((t) => taskRunToJson(t, attempts.filter((a) => a.taskKey === t.taskKey))) }) };
  });

  post('/runs/cancel', GetRun, async (m, req) => {
    const run = await jobs.cancel(m.run_id, actorOf(req));
    return { run_id: run.jobRunId, state: run.state };
  });

  post('/runs/repair', RepairRun, async (m, req) => {
    const taskKeys = m.rerun_all_failed_tasks ? undefined : m.rerun_tasks;
    const run = await jobs.repair(m.run_id, { actor: actorOf(req), ...(taskKeys && taskKeys.length ? { taskKeys } : {}), ...(m.latest_bundle ? { latestBundle: true } : {}) });
    return { run_id: run.jobRunId, state: run.state, repair_count: run.repairCount };
  });

  get('/runs/logs', RunLogs, async (m) => {
    const log = await jobs.readLog(m.run_id, m.task_key, {
      ...(m.attempt !== undefined ? { attempt: m.attempt } : {}),
      ...(m.stream !== undefined ? { stream: m.stream } : {}),
      ...(m.offset !== undefined ? { offset: m.offset } : {}),
    });
    return compact({
      attempt_number: log.attempt.attemptNumber,
      attempt_state: log.attempt.state,
      stream: log.stream,
      text: log.text,
      next_offset: log.nextOffset,
      truncated: log.truncated || undefined,
    });
  });
}

function decodePageToken(token: string): number {
  if (!/^\d+$/.test(token)) throw new InvalidParameterError(`Invalid page_token '${token}': pass the next_page_token of a previous response`);
  return Number(token);
}
