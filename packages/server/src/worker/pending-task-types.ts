import type { TaskType } from '../domain/pipelines/project-model.js';
import { finishedHandle } from '../services/pipelines/task-executor.js';
import type { AttemptHandle, AttemptRequest, TaskExecutor } from '../services/pipelines/task-executor.js';

/**
 * What each task type that is not built yet waits for. The project file already accepts and
 * validates these types (gate rules included), so projects can be written and checked now; running
 * one fails the attempt with this reason instead of pretending to succeed.
 */
const MISSING: Partial<Record<TaskType, string>> = {
  evaluate: 'needs the model registry (issue 3) to resolve models:/ URIs and the ONNX runtime (issue 5) to score them',
  gate: "needs the model registry (issue 3): its champion/challenger metrics come from an evaluate task, which needs the registry",
  promote: 'needs the model registry (issue 3) to move stages and aliases with an audit entry',
  batch_score: 'needs batch scoring (issue 5) and the model registry (issue 3)',
  deploy: 'needs serving endpoints (issue 5) and the model registry (issue 3)',
};

export class PendingTaskTypesExecutor implements TaskExecutor {
  readonly name = 'pending';

  submit(request: AttemptRequest): AttemptHandle {
    const why = MISSING[request.task.type] ?? 'has no executor';
    return finishedHandle({
      state: 'FAILED',
      message: `task type '${request.task.type}' ${why}; it is not available in this build`,
      exitCode: null,
      signal: null,
      endTime: Date.now(),
    });
  }

  async abandon(): Promise<void> {}

  async close(): Promise<void> {}
}

export const PENDING_TASK_TYPES = Object.keys(MISSING) as TaskType[];
