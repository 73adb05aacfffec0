import type { Tracer } from '@opentelemetry/api';
import type { JobRunRecord, TaskRunRecord } from '../../domain/pipelines/job-records.js';
import type { TaskType } from '../../domain/pipelines/project-model.js';
import type { ModelVersionService } from '../../services/registry/model-version-service.js';
import type { RunService } from '../../services/tracking/run-service.js';
import { batchScoreTask } from './batch-score-task.js';
import type { BatchScorer } from './batch-score-task.js';
import { deployTask } from './deploy-task.js';
import type { EndpointDeployer } from './deploy-task.js';
import { evaluateTask } from './evaluate-task.js';
import { gateTask } from './gate-task.js';
import { InProcessTaskExecutor, TaskFailure } from './in-process-executor.js';
import type { TaskHandler } from './in-process-executor.js';
import type { ModelLoader } from './model-scoring.js';
import { promoteTask } from './promote-task.js';

/** The task types that run inside the server process (everything but `command`). */
export const IN_PROCESS_TASK_TYPES = ['evaluate', 'gate', 'promote', 'batch_score', 'deploy'] as const satisfies readonly TaskType[];

/** What the in-process task types call. Scoring and serving are optional: a process without them fails those tasks saying so. */
export interface TaskTypeDeps {
  modelVersions: Pick<ModelVersionService, 'resolveModelUri' | 'transitionStage' | 'setAlias' | 'getByAlias'>;
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

export function createTaskTypeExecutor(deps: TaskTypeDeps): InProcessTaskExecutor {
  const now = deps.now ?? Date.now;
  const handlers: Record<(typeof IN_PROCESS_TASK_TYPES)[number], TaskHandler> = {
    evaluate: evaluateTask({
      modelVersions: deps.modelVersions,
      runs: deps.runs,
      models: deps.models ?? { load: () => Promise.reject(new TaskFailure("task type 'evaluate' needs the ONNX model runtime, which this process was started without")) },
      now,
    }),
    gate: gateTask({ taskRuns: (id) => deps.jobRuns.taskRuns(id) }),
    promote: promoteTask({ modelVersions: deps.modelVersions }),
    batch_score: deps.batch ? batchScoreTask({ batch: deps.batch }) : unavailable('batch_score', 'the batch scoring engine'),
    deploy: deps.endpoints
      ? deployTask({ endpoints: deps.endpoints, jobRun: (id) => deps.jobRuns.get(id) })
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
