import { join } from 'node:path';
import type { CommandTaskSpec } from '../../src/domain/pipelines/project-model.js';
import type { AttemptRequest } from '../../src/services/pipelines/task-executor.js';

/** A command task with no dependencies, retries or environment of its own. */
export function commandTask(taskKey: string, command: CommandTaskSpec['command']['command']): CommandTaskSpec {
  return {
    taskKey,
    type: 'command',
    dependsOn: [],
    runIf: 'ALL_SUCCESS',
    maxRetries: 0,
    minRetryIntervalMillis: 0,
    retryOnTimeout: false,
    command: { command, env: {} },
  };
}

/** A command task's attempt as the runner would hand it to an executor; logs under `projectDir/logs/<attemptId>`. */
export function commandRequest(projectDir: string, attemptId: number, command: CommandTaskSpec['command']['command'], extra: Partial<AttemptRequest> = {}): AttemptRequest {
  const task = commandTask(`t${attemptId}`, command);
  return {
    attemptId,
    jobRunId: 1,
    taskKey: task.taskKey,
    attemptNumber: 1,
    task,
    projectDir,
    env: {},
    stdoutPath: join(projectDir, 'logs', String(attemptId), 'stdout.log'),
    stderrPath: join(projectDir, 'logs', String(attemptId), 'stderr.log'),
    ...extra,
  };
}

/** Whether process `pid` still exists. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

