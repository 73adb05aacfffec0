import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../domain/pipelines/project-parser.js';
import type { TaskSpec } from '../../domain/pipelines/project-model.js';
import type { AttemptRequest } from '../../services/pipelines/task-executor.js';
import { computeMetrics } from './evaluation-metrics.js';
import { InProcessTaskExecutor, TaskFailure } from './in-process-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'modelyard-in-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gate: TaskSpec = {
  type: 'gate',
  taskKey: 'gate',
  dependsOn: [],
  runIf: 'ALL_SUCCESS',
  maxRetries: 0,
  minRetryIntervalMillis: 0,
  retryOnTimeout: false,
  gate: { evaluationTaskKey: 'e', rules: ['challenger.x > 1'], whenNoChampion: 'PASS' },
};

function request(n: number, timeoutMs?: number): AttemptRequest {
  return {
    attemptId: n,
    jobRunId: 7,
    taskKey: 'gate',
    attemptNumber: 1,
    task: gate,
    projectDir: dir,
    env: {},
    stdoutPath: join(dir, `${n}`, 'stdout.log'),
    stderrPath: join(dir, `${n}`, 'stderr.log'),
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}

describe('InProcessTaskExecutor', () => {
  it('reports success with the result, failure with its reason and result, and logs lines', async () => {
    let calls = 0;
    const ex = new InProcessTaskExecutor({
      gate: async (ctx) => {
        calls++;
        await ctx.log(`actor ${ctx.actor}`);
        if (calls === 2) throw new TaskFailure('rule failed', { passed: false });
        return { message: 'ok', result: { passed: true } };
      },
    });
    const started: string[] = [];
    const ok = await ex.submit(request(1), (s) => started.push(s.executorRef)).done;
    expect(ok).toMatchObject({ state: 'SUCCESS', message: 'ok', result: { passed: true } });
    expect(started).toEqual(['in-process:1']);
    expect(readFileSync(join(dir, '1', 'stdout.log'), 'utf8')).toMatch(/actor job-run:7\n$/);
    const failed = await ex.submit(request(2), () => {}).done;
    expect(failed).toMatchObject({ state: 'FAILED', message: 'rule failed', result: { passed: false } });
    expect(readFileSync(join(dir, '2', 'stderr.log'), 'utf8')).toMatch(/rule failed/);
  });

  it('ends a canceled or timed-out attempt at once, aborting the handler', async () => {
    const aborted: number[] = [];
    const running = new Map<number, () => void>();
    const startedOnce = (id: number) => new Promise<void>((r) => running.set(id, r));
    let handlerCalls = 0;
    const ex = new InProcessTaskExecutor({
      gate: (ctx) => {
        handlerCalls++;
        running.get(ctx.request.attemptId)?.();
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.request.attemptId);
            reject(ctx.signal.reason as Error);
          }),
        );
      },
    });
    const started3 = startedOnce(3);
    const h = ex.submit(request(3), () => {});
    await started3;
    h.cancel('stop please');
    expect(await h.done).toMatchObject({ state: 'CANCELED', message: 'stop please' });
    expect(await ex.submit(request(4, 50), () => {}).done).toMatchObject({ state: 'TIMEDOUT', message: 'timed out after 0.05s (timeout_seconds)' });
    // Canceled before its handler ran: the handler never starts.
    const early = ex.submit(request(5), () => {});
    early.cancel('never mind');
    expect(await early.done).toMatchObject({ state: 'CANCELED' });
    const started6 = startedOnce(6);
    const pending = ex.submit(request(6), () => {});
    await started6;
    await ex.close();
    expect(await pending.done).toMatchObject({ state: 'CANCELED', message: 'the executor shut down' });
    expect(aborted).toEqual([3, 4, 6]);
    await new Promise((r) => setTimeout(r, 20));
    expect(handlerCalls).toBe(3);
  });
});

describe('evaluation metrics', () => {
  it('computes classifier and regressor metrics and names unknown ones', () => {
    const y = [0, 1, 1, 0];
    const m = computeMetrics('classifier', [], y, { predictions: [0, 1, 0, 0], probabilities: [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]] });
    expect(m).toEqual({ roc_auc: 1, accuracy: 0.75, f1: 2 / 3, log_loss: expect.closeTo(0.40037, 4) });
    expect(computeMetrics('regressor', ['rmse', 'r2'], [1, 2, 3], { predictions: [1, 2, 4] })).toEqual({ rmse: Math.sqrt(1 / 3), r2: 0.5 });
    expect(() => computeMetrics('regressor', ['roc_auc'], [1], { predictions: [1] })).toThrow(/unknown regressor metric 'roc_auc' \(known: rmse, mae, r2, mse\)/);
  });

  it('validation reports an unknown metric with its line', () => {
    const { problems } = loadProject(`project: { name: p }
jobs:
  j:
    tasks:
      - task_key: e
        evaluate_task:
          challenger_model_uri: "models:/m@challenger"
          data_path: d.csv
          target_column: y
          model_type: regressor
          metrics: [rmse, auc]
`);
    expect(problems).toEqual([expect.objectContaining({ line: 11, message: "unknown regressor metric 'auc' (known: rmse, mae, r2, mse)" })]);
  });
});
