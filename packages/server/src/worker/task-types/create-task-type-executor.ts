import type { Tracer } from '@opentelemetry/api';
import type { JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { TaskType } from '../../domain/pipelines/project-model.js';
import type { RunService } from '../../services/tracking/run-service.js';
import { batchScoreTask } from './batch-score-task.js';
import type { BatchScorer } from './batch-score-task.js';
import { deployTask } from './deploy-task.js';
import type { EndpointDeployer } from './deploy-task.js';
import { evaluateTask } from './evaluate-task.js';
import { gateTask } from './gate-task.js';
import { InProcessTaskExecutor, TaskFailure } from './in-process-executor.js';
import type { TaskContext, TaskHandler } from './in-process-executor.js';
import type { ModelLoader } from './model-scoring.js';
import { promoteTask } from './promote-task.js';
import { isRemoteRegistry, RemoteModelVersions } from './remote-registry.js';
import type { TaskModelVersions } from './remote-registry.js';

/** The task types that run inside the server process (everything but `command`). */
export const IN_PROCESS_TASK_TYPES = ['evaluate', 'gate', 'promote', 'batch_score', 'deploy'] as const satisfies readonly TaskType[];

/** What the in-process task types call. Scoring and serving are optional: a process without them fails those tasks saying so. */
export interface TaskTypeDeps {
  /** This server's registry; an attempt whose project names a central registry (workspace.registry_uri) uses that one instead. */
  modelVersions: TaskModelVersions;
  runs: Pick<RunService, 'create' | 'logBatch' | 'update'>;
  /** The job run store's reads (a gate reads its evaluate task's result; deploy reads the endpoint's definition). */
  jobRuns: {
    get(jobRunId: number): Promise<JobRunRecord | undefined>;
    taskRuns(jobRunId: number): Promise<TaskRunRecord[]>;
  };
  /** The ONNX runtime, seen as a model loader. */
  models?: ModelLoader;
  batch?: BatchScorer;
  endpoints?: EndpointDeployer;
  now?: () => number;
  /** Steps of in-process attempts become spans under their attempt (none without it). */
  tracer?: Tracer;
}

function unavailable(type: TaskType, what: string): TaskHandler {
  return async () => {
    throw new TaskFailure(`task type '${type}' needs ${what}, which this process was started without`);
  };
}

/** The registry one attempt reads and writes: this server's, or the project's central one. */
interface AttemptRegistry {
  modelVersions: TaskModelVersions;
  /** Set for a central registry: where the runtime loads `models:/<name>…` URIs from. */
  registryUri?: string;
}

/**
 * Picks the registry per attempt, from the MLFLOW_REGISTRY_URI the runner put in the attempt's
 * environment: the job run's own definition (its `workspace.registry_uri`, a target's override
 * applied at deploy), the same value its command tasks get, so a model a train task registered
 * centrally is the one the next promote task finds. A registry URI naming this server itself
 * (MLFLOW_TRACKING_URI) stays in process.
 */
async function attemptRegistry(deps: TaskTypeDeps, ctx: TaskContext): Promise<AttemptRegistry> {
  const { env } = ctx.request;
  const registryUri = env.MLFLOW_REGISTRY_URI;
  if (!isRemoteRegistry(registryUri, env.MLFLOW_TRACKING_URI)) return { modelVersions: deps.modelVersions };
  const remote = new RemoteModelVersions({ registryUri, actor: ctx.actor, ...(env.MLFLOW_TRACKING_URI ? { origin: env.MLFLOW_TRACKING_URI } : {}) });
  await ctx.log(`model registry: ${remote.registryUri} (workspace.registry_uri)`);
  return { modelVersions: remote, registryUri: remote.registryUri };
}

/** A handler built for each attempt around the registry that attempt uses. */
function perAttempt(deps: TaskTypeDeps, build: (registry: AttemptRegistry) => TaskHandler): TaskHandler {
  return async (ctx) => build(await attemptRegistry(deps, ctx))(ctx);
}

export function createTaskTypeExecutor(deps: TaskTypeDeps): InProcessTaskExecutor {
  const now = deps.now ?? Date.now;
  const models = deps.models ?? { load: () => Promise.reject(new TaskFailure("task type 'evaluate' needs the ONNX model runtime, which this process was started without")) };
  const { batch, endpoints } = deps;
  const handlers: Record<(typeof IN_PROCESS_TASK_TYPES)[number], TaskHandler> = {
    evaluate: perAttempt(deps, (r) => evaluateTask({ modelVersions: r.modelVersions, runs: deps.runs, models, now, ...(r.registryUri ? { registryUri: r.registryUri } : {}) })),
    gate: gateTask({ taskRuns: (id) => deps.jobRuns.taskRuns(id) }),
    promote: perAttempt(deps, (r) => promoteTask({ modelVersions: r.modelVersions })),
    batch_score: batch
      ? perAttempt(deps, (r) => batchScoreTask({ batch, ...(r.registryUri ? { registryUri: r.registryUri } : {}) }))
      : unavailable('batch_score', 'the batch scoring engine'),
    deploy: endpoints
      ? perAttempt(deps, (r) => deployTask({ endpoints, jobRun: (id) => deps.jobRuns.get(id), ...(r.registryUri ? { registryUri: r.registryUri } : {}) }))
      : unavailable('deploy', 'the serving endpoints service'),
  };
  return new InProcessTaskExecutor(handlers, now, deps.tracer);
}

/** For processes that run only command tasks (e.g. a harness without a registry). */
export function taskTypesNotWired(): InProcessTaskExecutor {
  const handlers = Object.fromEntries(
    IN_PROCESS_TASK_TYPES.map((t) => [t, unavailable(t, 'the registry and model services (run it with `modelyard server` or `modelyard run`)')]),
  );
  return new InProcessTaskExecutor(handlers);
}
