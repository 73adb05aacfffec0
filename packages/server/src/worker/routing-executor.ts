import type { TaskSpec, TaskType } from '../domain/pipelines/project-model.js';
import { finishedHandle } from '../services/pipelines/task-executor.js';
import type { AttemptHandle, AttemptRequest, AttemptStarted, TaskExecutor } from '../services/pipelines/task-executor.js';
import { isDatabricksRef } from './databricks/databricks-executor.js';

/**
 * Sends each attempt to the executor of its task type (command → the process pool or a queue;
 * registry and serving task types → their handlers), except that a task with `compute.databricks`
 * goes to the Databricks executor. The runner sees one executor.
 */
export class RoutingExecutor implements TaskExecutor {
  readonly name = 'routing';

  constructor(
    private readonly byType: Partial<Record<TaskType, TaskExecutor>>,
    private readonly databricks?: TaskExecutor,
  ) {}

  private all(): TaskExecutor[] {
    return [...new Set([...Object.values(this.byType), ...(this.databricks ? [this.databricks] : [])])];
  }

  executorNameFor(type: TaskType, task?: TaskSpec): string {
    if (task?.compute?.databricks) return this.databricks?.name ?? 'none';
    return this.byType[type]?.name ?? 'none';
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    if (request.task.compute?.databricks) {
      if (this.databricks) return this.databricks.submit(request, onStarted);
      return finishedHandle({ state: 'FAILED', message: `task '${request.taskKey}' sets compute.databricks, but this process has no Databricks executor`, exitCode: null, signal: null, endTime: Date.now() });
    }
    const target = this.byType[request.task.type];
    if (!target) {
      return finishedHandle({
        state: 'FAILED',
        message: `no executor is configured for task type '${request.task.type}'`,
        exitCode: null,
        signal: null,
        endTime: Date.now(),
      });
    }
    return target.submit(request, onStarted);
  }

  async abandon(attempt: { attemptId: number; executorRef: string | null; executor?: string }): Promise<void> {
    // The recorded executor name is the task type's (the runner names it before routing), so a
    // Databricks attempt is recognised by its reference instead.
    if (this.databricks && isDatabricksRef(attempt.executorRef)) return this.databricks.abandon(attempt);
    for (const t of this.all()) if (!attempt.executor || t.name === attempt.executor) await t.abandon(attempt);
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((t) => t.close()));
  }
}
