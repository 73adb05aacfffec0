import type { Kysely } from 'kysely';
import type { DbCaps } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { createJobServices } from '../services/pipelines/create-job-services.js';
import type { JobServices, JobServicesDeps } from '../services/pipelines/create-job-services.js';
import type { TaskExecutor } from '../services/pipelines/task-executor.js';
import type { RegistryServices } from '../services/registry/index.js';
import type { ServingServices } from '../services/serving/index.js';
import type { RunService } from '../services/tracking/run-service.js';
import { JobRunStore } from '../stores/jobs/job-run-store.js';
import { LocalProcessPool } from './local-process-pool.js';
import { RoutingExecutor } from './routing-executor.js';
import { DatabricksExecutor } from './databricks/databricks-executor.js';
import { BundleCheckoutExecutor } from './bundle-checkout-executor.js';
import type { BundleCheckout } from './bundle-checkout-executor.js';
import { createTaskTypeExecutor, IN_PROCESS_TASK_TYPES, taskTypesNotWired } from './task-types/create-task-type-executor.js';
import type { TaskTypeDeps } from './task-types/create-task-type-executor.js';
import { BatchEngineScorer } from './task-types/batch-engine-scorer.js';
import { RuntimeModelLoader } from './task-types/runtime-model-loader.js';
import { ServingEndpointDeployer } from './task-types/serving-endpoint-deployer.js';

export interface TaskExecutorOptions {
  /** Command tasks running at once in this process. Default: 4. */
  maxConcurrentTasks?: number;
  /** Between SIGTERM and SIGKILL when stopping a command task. Default 5 s. */
  killGraceMs?: number;
  /** Replaces the local process pool for command tasks (a PostgreSQL queue). */
  commandExecutor?: TaskExecutor;
  /**
   * Runs the tasks that set `compute.databricks`. Default: a DatabricksExecutor reading
   * credentials from this process's environment and ~/.databrickscfg.
   */
  databricksExecutor?: TaskExecutor;
  /** What evaluate/gate/promote/batch_score/deploy call; without it those tasks fail saying so. */
  taskTypes?: TaskTypeDeps;
  /**
   * Unpacks the bundle of a bundle-deployed job on this machine, so its tasks run from it. Not
   * applied to `commandExecutor`: a queue worker unpacks on its own machine.
   */
  bundleCheckout?: BundleCheckout;
  now?: () => number;
}

/** The executor of this build: command tasks on the local process pool, the other types in this process. */
export function createTaskExecutor(opts: TaskExecutorOptions = {}): RoutingExecutor {
  const here = (e: TaskExecutor): TaskExecutor => (opts.bundleCheckout ? new BundleCheckoutExecutor(e, opts.bundleCheckout) : e);
  const inProcess = here(opts.taskTypes ? createTaskTypeExecutor({ ...(opts.now ? { now: opts.now } : {}), ...opts.taskTypes }) : taskTypesNotWired());
  return new RoutingExecutor({
    command:
      opts.commandExecutor ??
      here(
        new LocalProcessPool({
          maxConcurrent: opts.maxConcurrentTasks ?? 4,
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
        }),
      ),
    ...Object.fromEntries(IN_PROCESS_TASK_TYPES.map((t) => [t, inProcess])),
  }, here(opts.databricksExecutor ?? new DatabricksExecutor(opts.now ? { now: opts.now } : {})));
}

/** The services a process already built, as the in-process task types need them. */
export interface TaskTypeSources {
  db: Kysely<Database>;
  caps: DbCaps;
  runs: RunService;
  registry: Pick<RegistryServices, 'modelVersions'>;
  /** The process's one model runtime (evaluate and batch_score score with what serving uses) and its endpoints. */
  serving?: Pick<ServingServices, 'runtime' | 'endpoints'>;
}

export function taskTypeDeps(s: TaskTypeSources): TaskTypeDeps {
  const jobRuns = new JobRunStore(s.db, s.caps);
  return {
    modelVersions: s.registry.modelVersions,
    runs: s.runs,
    jobRuns: { get: (id) => jobRuns.get(id), taskRuns: (id) => jobRuns.taskRuns(id) },
    ...(s.serving
      ? {
          models: new RuntimeModelLoader(s.serving.runtime),
          endpoints: new ServingEndpointDeployer(s.serving.endpoints),
          batch: new BatchEngineScorer(s.serving.runtime),
        }
      : {}),
  };
}

export type PipelinesDeps = Omit<JobServicesDeps, 'executor'> & TaskExecutorOptions;
export type Pipelines = JobServices;

/** Job services with this build's executor (for the CLI and tests). Starts nothing. */
export function createPipelines(deps: PipelinesDeps): Pipelines {
  return createJobServices({ ...deps, executor: createTaskExecutor(deps) });
}
