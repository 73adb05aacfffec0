import { join } from 'node:path';
import { inject } from 'vitest';
import type { CommandTaskSpec } from '../../src/domain/pipelines/project-model.js';
import type { AttemptRequest } from '../../src/services/pipelines/task-executor.js';
import { createTestDatabase, POSTGRES_PROVIDE_KEY } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';

/** Small node programs the queue tests run as real task processes (in the project folder). */
export const QUEUE_TASK_SCRIPTS: Record<string, string> = {
  'hello.js': `console.log('hello from ' + process.env.MODELYARD_WORKER_ID + ' attempt ' + process.env.MODELYARD_ATTEMPT_ID);`,
  'fail.js': `console.log('working'); console.error('something broke: bad input'); process.exit(3);`,
  // Writes its pid to argv[2], then sleeps 60 s.
  'sleep.js': `require('node:fs').writeFileSync(process.argv[2], String(process.pid)); setTimeout(() => {}, 60000);`,
  // Appends one line to argv[2], after argv[3] ms.
  'append.js': `setTimeout(() => require('node:fs').appendFileSync(process.argv[2], 'ran\\n'), Number(process.argv[3] || 0));`,
};

/** A fresh database of the test run's PostgreSQL cluster (pg-boss makes its `pgboss` schema in it). */
export async function queueDatabase(label: string): Promise<TestDatabase> {
  const pg = inject(POSTGRES_PROVIDE_KEY);
  if (!pg || 'unavailable' in pg) throw new Error('PostgreSQL is not available in this test run');
  return createTestDatabase(pg.adminUrl, label);
}

export function commandRequest(projectDir: string, attemptId: number, command: string[], extra: Partial<AttemptRequest> = {}): AttemptRequest {
  const task: CommandTaskSpec = {
    taskKey: `t${attemptId}`,
    type: 'command',
    dependsOn: [],
    runIf: 'ALL_SUCCESS',
    maxRetries: 0,
    minRetryIntervalMillis: 0,
    retryOnTimeout: false,
    command: { command, env: {} },
  };
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

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
