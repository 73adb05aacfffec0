import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  CancelAllRuns,
  CancelRun,
  CreateJob,
  DeleteJob,
  DeleteRun,
  GetJob,
  GetRun,
  GetRunOutput,
  ListJobs,
  ListRuns,
  MAX_JOBS_PAGE,
  MAX_RUNS_PAGE,
  RepairRun,
  ResetJob,
  RunNow,
  SubmitRun,
  UpdateJob,
} from '@modelyard/contract';
import type { RunOutputJson } from '@modelyard/contract';
import { ANONYMOUS_ACTOR } from '../../../domain/registry.js';
import type { JobRecord } from '../../../domain/pipelines/job-records.js';
import { InvalidParameterError } from '../../../errors.js';
import type { JobServices } from '../../../services/pipelines/create-job-services.js';
import { validate } from '../../mlflow-route.js';
import { actorOf } from '../mlflow/registry/request-actor.js';
import { jobJson, runJson, snakeKeys, taskRunJson } from './jobs-api-json.js';

/**
 * The Databricks Jobs API (jobs and job runs) over the pipelines services, under `/api/2.1/jobs`
 * and `/api/2.2/jobs` (what the current Databricks SDKs call; 2.2 differs from 2.1 only in paging
 * arrays longer than 100, and a Modelyard job has at most 100 tasks). Errors are Databricks': an
 * id that names nothing is INVALID_PARAMETER_VALUE (400), like every other bad field.
 */
const PREFIXES = ['/api/2.1/jobs', '/api/2.2/jobs'] as const;
const DEFAULT_PAGE = 20;

type Handler<S extends z.ZodTypeAny> = (m: z.output<S>, req: FastifyRequest) => Promise<unknown>;

function runActor(req: FastifyRequest): string | null {
  const actor = actorOf(req);
  return actor === ANONYMOUS_ACTOR ? null : actor;
}

/** Page tokens are opaque to clients; inside, the id the next page starts below. */
function pageToken(kind: 'jobs' | 'runs', beforeId: number): string {
  return Buffer.from(`${kind}:${beforeId}`, 'utf8').toString('base64url');
}

function readPageToken(kind: 'jobs' | 'runs', token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  const m = /^(jobs|runs):(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m || m[1] !== kind) {
    throw new InvalidParameterError(`Invalid page_token: pass the next_page_token of a previous ${kind === 'jobs' ? 'jobs/list' : 'runs/list'} answer, unchanged`);
  }
  return Number(m[2]);
}

function pageLimit(limit: number | undefined, max: number, zeroMeansMax: boolean): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (limit === 0 && zeroMeansMax) return max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new InvalidParameterError(`Invalid value ${limit} for parameter 'limit': it must be from 1 to ${max}`);
  }
  return limit;
}

function offsetOf(offset: number | undefined): number | undefined {
  if (offset === undefined) return undefined;
  if (offset < 0) throw new InvalidParameterError(`Invalid value ${offset} for parameter 'offset': it must be 0 or more`);
  return offset;
}

export function registerJobsApiRoutes(app: FastifyInstance, pipelines: JobServices): void {
  const api = pipelines.jobsApi;
  const route = <S extends z.ZodTypeAny>(method: 'GET' | 'POST', path: string, schema: S, handler: Handler<S>) => {
    for (const prefix of PREFIXES) {
      app.route({
        method,
        url: prefix + path,
        handler: async (req, reply) => {
          const input = method === 'GET' ? (req.query ?? {}) : (req.body ?? {});
          const out = await handler(validate(schema, input), req);
          return reply.type('application/json').send(out ?? {});
        },
      });
    }
  };
  /** The jobs of a page of runs, read once each, to tell one-time runs from job runs. */
  const jobsOf = async (jobIds: number[]): Promise<Map<number, JobRecord>> => {
    const out = new Map<number, JobRecord>();
    for (const id of new Set(jobIds)) {
      const job = await pipelines.jobs.getJob(id).catch(() => undefined);
      if (job) out.set(id, job);
    }
    return out;
  };

  route('POST', '/create', CreateJob, async (m) => ({ job_id: (await api.create(m)).jobId }));

  route('POST', '/reset', ResetJob, async (m) => {
    await api.reset(m.job_id, m.new_settings);
    return {};
  });

  route('POST', '/update', UpdateJob, async (m) => {
    await api.update(m.job_id, m.new_settings ?? {}, m.fields_to_remove ?? []);
    return {};
  });

  route('POST', '/delete', DeleteJob, async (m) => {
    await api.delete(m.job_id);
    return {};
  });

  route('GET', '/get', GetJob, async (m) => {
    const job = await api.job(m.job_id);
    if (m.page_token) throw new InvalidParameterError('Invalid page_token: this job has no further pages (a Modelyard job has at most 100 tasks)');
    return jobJson(job, { withTasks: true });
  });

  route('GET', '/list', ListJobs, async (m) => {
    const limit = pageLimit(m.limit, MAX_JOBS_PAGE, false);
    const beforeId = readPageToken('jobs', m.page_token);
    const offset = offsetOf(m.offset);
    const { jobs, hasMore } = await api.listJobs({
      limit,
      ...(beforeId !== undefined ? { beforeId } : offset !== undefined ? { offset } : {}),
      ...(m.name !== undefined ? { name: m.name } : {}),
    });
    return {
      ...(jobs.length > 0 ? { jobs: jobs.map((j) => jobJson(j, { withTasks: m.expand_tasks ?? false })) } : {}),
      has_more: hasMore,
      ...(hasMore ? { next_page_token: pageToken('jobs', jobs[jobs.length - 1]!.jobId) } : {}),
    };
  });

  route('POST', '/run-now', RunNow, async (m, req) => {
    const run = await api.runNow(m.job_id, {
      actor: runActor(req),
      ...(m.job_parameters ? { parameters: m.job_parameters } : {}),
      ...(m.queue ? { queueEnabled: m.queue.enabled } : {}),
    });
    return { run_id: run.jobRunId, number_in_job: run.jobRunId };
  });

  route('POST', '/runs/submit', SubmitRun, async (m, req) => ({ run_id: (await api.submit(m, runActor(req))).jobRunId }));

  route('GET', '/runs/get', GetRun, async (m) => {
    if (m.page_token) throw new InvalidParameterError('Invalid page_token: this run has no further pages (a Modelyard job has at most 100 tasks)');
    const { details, attempt } = await api.run(m.run_id);
    const job = (await jobsOf([details.run.jobId])).get(details.run.jobId);
    if (attempt) return taskRunJson(details, job, attempt);
    return runJson(details, job, { withTasks: true, withHistory: m.include_history ?? false });
  });

  route('GET', '/runs/list', ListRuns, async (m) => {
    if (m.active_only && m.completed_only) throw new InvalidParameterError("active_only and completed_only cannot both be true");
    const limit = pageLimit(m.limit, MAX_RUNS_PAGE, true);
    const beforeId = readPageToken('runs', m.page_token);
    const offset = offsetOf(m.offset);
    if (m.start_time_from !== undefined && m.start_time_to !== undefined && m.start_time_from > m.start_time_to) {
      throw new InvalidParameterError(`start_time_from (${m.start_time_from}) is after start_time_to (${m.start_time_to})`);
    }
    const { runs, hasMore } = await api.listRuns({
      limit,
      ...(m.job_id !== undefined ? { jobId: m.job_id } : {}),
      ...(m.active_only ? { activeOnly: true } : {}),
      ...(m.completed_only ? { completedOnly: true } : {}),
      ...(m.run_type === 'SUBMIT_RUN' ? { oneTime: true } : m.run_type !== undefined ? { oneTime: false } : {}),
      ...(m.start_time_from !== undefined ? { startTimeFrom: m.start_time_from } : {}),
      ...(m.start_time_to !== undefined ? { startTimeTo: m.start_time_to } : {}),
      ...(beforeId !== undefined ? { beforeId } : offset !== undefined ? { offset } : {}),
    });
    // WORKFLOW_RUN (dbutils.notebook.run) runs do not exist here.
    const shown = m.run_type === 'WORKFLOW_RUN' ? [] : runs;
    const jobs = await jobsOf(shown.map((r) => r.jobId));
    const items = [];
    for (const r of shown) {
      const details = m.expand_tasks ? await pipelines.jobs.getRun(r.jobRunId) : { run: r, tasks: [], attempts: [] };
      items.push(runJson(details, jobs.get(r.jobId), { withTasks: m.expand_tasks ?? false }));
    }
    const more = hasMore && m.run_type !== 'WORKFLOW_RUN';
    return {
      ...(items.length > 0 ? { runs: items } : {}),
      has_more: more,
      ...(more ? { next_page_token: pageToken('runs', runs[runs.length - 1]!.jobRunId) } : {}),
    };
  });

  route('POST', '/runs/cancel', CancelRun, async (m, req) => {
    await api.cancel(m.run_id, runActor(req));
    return {};
  });

  route('POST', '/runs/cancel-all', CancelAllRuns, async (m, req) => {
    await api.cancelAll({ ...(m.job_id !== undefined ? { jobId: m.job_id } : {}), ...(m.all_queued_runs ? { allQueuedRuns: true } : {}) }, runActor(req));
    return {};
  });

  route('POST', '/runs/repair', RepairRun, async (m, req) => {
    const { repairId } = await api.repair(m.run_id, {
      actor: runActor(req),
      ...(m.rerun_tasks !== undefined ? { taskKeys: m.rerun_tasks } : {}),
      ...(m.rerun_all_failed_tasks !== undefined ? { allFailed: m.rerun_all_failed_tasks } : {}),
      ...(m.rerun_dependent_tasks !== undefined ? { dependents: m.rerun_dependent_tasks } : {}),
      ...(m.latest_repair_id !== undefined ? { latestRepairId: m.latest_repair_id } : {}),
    });
    return { repair_id: repairId };
  });

  route('GET', '/runs/get-output', GetRunOutput, async (m) => {
    const out = await api.output(m.run_id);
    const job = (await jobsOf([out.details.run.jobId])).get(out.details.run.jobId);
    const attempt = out.attempt;
    const failed = attempt.state !== 'SUCCESS' && attempt.state !== 'RUNNING' && attempt.state !== 'QUEUED';
    const body: RunOutputJson = {
      metadata: taskRunJson(out.details, job, attempt),
      logs: out.logs,
      ...(out.logsTruncated ? { logs_truncated: true } : {}),
      ...(failed && attempt.stateMessage ? { error: attempt.stateMessage } : {}),
      ...(out.errorTrace !== undefined ? { error_trace: out.errorTrace } : {}),
      ...(out.result !== undefined ? { task_result: snakeKeys(out.result) } : {}),
    };
    return body;
  });

  route('POST', '/runs/delete', DeleteRun, async (m) => {
    await api.deleteRun(m.run_id);
    return {};
  });
}
