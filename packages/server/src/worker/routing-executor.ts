import type { TaskType } from '../domain/pipelines/project-model.js';
import { finishedHandle } from '../services/pipelines/task-executor.js';
import type { AttemptHandle, AttemptRequest, AttemptStarted, TaskExecutor } from '../services/pipelines/task-executor.js';

/**
 * Sends each attempt to the executor of its task type (command → the process pool or a queue;
 * registry and serving task types → their handlers). The runner sees one executor.
 */
export class RoutingExecutor implements TaskExecutor {
  readonly name = 'routing';

  constructor(private readonly byType: Partial<Record<TaskType, TaskExecutor>>) {}

  executorNameFor(type: TaskType): string {
    return this.byType[type]?.name ?? 'none';
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
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
    const targets = new Set(Object.values(this.byType));
    for (const t of targets) if (!attempt.executor || t.name === attempt.executor) await t.abandon(attempt);
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(Object.values(this.byType))].map((t) => t.close()));
  }
}
