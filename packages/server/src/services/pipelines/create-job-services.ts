import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DbCaps } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { AttemptStore } from '../../stores/jobs/attempt-store.js';
import { JobRunStore } from '../../stores/jobs/job-run-store.js';
import { JobStore } from '../../stores/jobs/job-store.js';
import type { ExperimentService } from '../tracking/experiment-service.js';
import type { RunService } from '../tracking/run-service.js';
import { AttemptLogReceiver } from './attempt-log-receiver.js';
import { JobRunner } from './job-runner.js';
import type { JobRunnerDeps } from './job-runner.js';
import { ServicesJobRunTracking } from './job-run-tracking.js';
import { JobScheduler } from './job-scheduler.js';
import { JobService } from './job-service.js';
import { JobsApiService } from './jobs-api-service.js';
import { finishedHandle } from './task-executor.js';
import type { TaskExecutor } from './task-executor.js';

export interface JobServicesDeps {
  db: Kysely<Database>;
  caps: DbCaps;
  experiments: ExperimentService;
  runs: RunService;
  logger: Logger;
  /** Attempt logs go to `<dataDir>/job-runs`. */
  dataDir: string;
  trackingUri: () => string | undefined;
  /** Runs task attempts (worker/ builds the real one). Without it, attempts fail saying so. */
  executor?: TaskExecutor;
  now?: () => number;
  runner?: Partial<Pick<JobRunnerDeps, 'ownerId' | 'tickIntervalMs' | 'staleAfterMs' | 'adoptOrphans' | 'tracing'>>;
}

export interface JobServices {
  jobs: JobService;
  runner: JobRunner;
  scheduler: JobScheduler;
  /** The Databricks Jobs API over the same stores and runner. */
  jobsApi: JobsApiService;
  /** Writes the logs queue workers on other machines ship over HTTP into the attempts' log files. */
  attemptLogs: AttemptLogReceiver;
}

/** For processes that inspect jobs but run none (nothing was given to run attempts with). */
class NoTaskExecutor implements TaskExecutor {
  readonly name = 'none';
  submit() {
    return finishedHandle({ state: 'FAILED', message: 'this process has no task executor; run jobs with `modelyard server` or `modelyard run`', exitCode: null, signal: null, endTime: Date.now() });
  }
  async abandon(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Wires the pipelines stores, runner, scheduler and service. Starts nothing. */
export function createJobServices(deps: JobServicesDeps): JobServices {
  const now = deps.now ?? Date.now;
  const stores = { jobs: new JobStore(deps.db, deps.caps), runs: new JobRunStore(deps.db, deps.caps), attempts: new AttemptStore(deps.db, deps.caps) };
  const executor: TaskExecutor = deps.executor ?? new NoTaskExecutor();
  const runner = new JobRunner({
    ...stores,
    executor,
    executorNameFor: (task) => executor.executorNameFor?.(task.type, task) ?? executor.name,
    tracking: new ServicesJobRunTracking(deps.experiments, deps.runs),
    logRoot: join(deps.dataDir, 'job-runs'),
    trackingUri: deps.trackingUri,
    logger: deps.logger.child({ component: 'job-runner' }),
    now,
    ...deps.runner,
  });
  const scheduler = new JobScheduler({ jobs: stores.jobs, runner, logger: deps.logger.child({ component: 'scheduler' }), now });
  const jobs = new JobService(stores, runner, now);
  const jobsApi = new JobsApiService({ stores, service: jobs, runner, dataDir: deps.dataDir, now });
  return { jobs, runner, scheduler, jobsApi, attemptLogs: new AttemptLogReceiver(stores.attempts, now) };
}
