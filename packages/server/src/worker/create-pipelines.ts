import { createJobServices } from '../services/pipelines/create-job-services.js';
import type { JobServices, JobServicesDeps } from '../services/pipelines/create-job-services.js';
import type { TaskExecutor } from '../services/pipelines/task-executor.js';
import { LocalProcessPool } from './local-process-pool.js';
import { PENDING_TASK_TYPES, PendingTaskTypesExecutor } from './pending-task-types.js';
import { RoutingExecutor } from './routing-executor.js';

export interface TaskExecutorOptions {
  /** Command tasks running at once in this process. Default: 4. */
  maxConcurrentTasks?: number;
  /** Between SIGTERM and SIGKILL when stopping a command task. Default 5 s. */
  killGraceMs?: number;
  /** Replaces the local process pool for command tasks (a PostgreSQL queue, Databricks). */
  commandExecutor?: TaskExecutor;
  now?: () => number;
}

/** The executor of this build: command tasks on the local process pool, the rest reported as pending. */
export function createTaskExecutor(opts: TaskExecutorOptions = {}): RoutingExecutor {
  const pending = new PendingTaskTypesExecutor();
  return new RoutingExecutor({
    command:
      opts.commandExecutor ??
      new LocalProcessPool({
        maxConcurrent: opts.maxConcurrentTasks ?? 4,
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      }),
    ...Object.fromEntries(PENDING_TASK_TYPES.map((t) => [t, pending])),
  });
}

export type PipelinesDeps = Omit<JobServicesDeps, 'executor'> & TaskExecutorOptions;
export type Pipelines = JobServices;

/** Job services with this build's executor (for the CLI and tests). Starts nothing. */
export function createPipelines(deps: PipelinesDeps): Pipelines {
  return createJobServices({ ...deps, executor: createTaskExecutor(deps) });
}
