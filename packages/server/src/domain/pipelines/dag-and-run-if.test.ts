import { describe, expect, it } from 'vitest';
import { buildDag, downstreamOf, findCycle, leavesOf } from './dag.js';
import { decideRetry } from './retry-policy.js';
import { decideRunIf, jobResult } from './run-if.js';
import type { TaskRunState } from './run-states.js';

const nodes = [
  { taskKey: 'ingest', dependsOn: [] },
  { taskKey: 'features', dependsOn: ['ingest'] },
  { taskKey: 'train_a', dependsOn: ['features'] },
  { taskKey: 'train_b', dependsOn: ['features'] },
  { taskKey: 'compare', dependsOn: ['train_a', 'train_b'] },
  { taskKey: 'notify', dependsOn: [] },
];

describe('dag', () => {
  it('orders tasks after their dependencies, keeping file order among peers', () => {
    const dag = buildDag(nodes);
    expect(dag.order).toEqual(['ingest', 'features', 'train_a', 'train_b', 'compare', 'notify']);
    expect(leavesOf(dag).sort()).toEqual(['compare', 'notify']);
    expect([...downstreamOf(dag, ['train_b'])].sort()).toEqual(['compare', 'train_b']);
    expect([...downstreamOf(dag, ['features'])].sort()).toEqual(['compare', 'features', 'train_a', 'train_b']);
  });

  it('finds cycles and refuses to build them', () => {
    const cyclic = [
      { taskKey: 'a', dependsOn: ['b'] },
      { taskKey: 'b', dependsOn: ['c'] },
      { taskKey: 'c', dependsOn: ['a'] },
    ];
    expect(findCycle(cyclic)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(nodes)).toBeUndefined();
    expect(() => buildDag(cyclic)).toThrow('tasks form a cycle: a → b → c → a');
  });
});

const deps = (...states: TaskRunState[]) => states.map((state, i) => ({ taskKey: `d${i}`, state }));

describe('run_if', () => {
  const table: Array<[string, TaskRunState[], boolean | string]> = [
    ['ALL_SUCCESS', ['SUCCESS', 'SUCCESS'], true],
    ['ALL_SUCCESS', ['SUCCESS', 'FAILED'], 'UPSTREAM_FAILED'],
    ['ALL_SUCCESS', ['SUCCESS', 'EXCLUDED'], 'EXCLUDED'],
    ['ALL_SUCCESS', ['SUCCESS', 'CANCELED'], 'UPSTREAM_CANCELED'],
    ['AT_LEAST_ONE_SUCCESS', ['FAILED', 'SUCCESS'], true],
    ['AT_LEAST_ONE_SUCCESS', ['FAILED', 'TIMEDOUT'], 'UPSTREAM_FAILED'],
    ['NONE_FAILED', ['SUCCESS', 'EXCLUDED'], true],
    ['NONE_FAILED', ['SUCCESS', 'UPSTREAM_FAILED'], 'UPSTREAM_FAILED'],
    ['ALL_DONE', ['FAILED', 'CANCELED'], true],
    ['AT_LEAST_ONE_FAILED', ['SUCCESS', 'TIMEDOUT'], true],
    ['AT_LEAST_ONE_FAILED', ['SUCCESS', 'SUCCESS'], 'EXCLUDED'],
    ['ALL_FAILED', ['FAILED', 'FAILED'], true],
    ['ALL_FAILED', ['FAILED', 'SUCCESS'], 'EXCLUDED'],
  ];
  it.each(table)('%s over %j → %s', (runIf, states, expected) => {
    const d = decideRunIf(runIf as never, deps(...states));
    if (expected === true) expect(d).toEqual({ run: true });
    else expect(d).toMatchObject({ run: false, state: expected });
  });

  it('judges a job on its leaves, like Databricks', () => {
    expect(jobResult([{ taskKey: 'a', state: 'SUCCESS', isLeaf: true }])).toBe('SUCCESS');
    expect(
      jobResult([
        { taskKey: 'a', state: 'FAILED', isLeaf: false },
        { taskKey: 'cleanup', state: 'SUCCESS', isLeaf: true },
      ]),
    ).toBe('SUCCESS_WITH_FAILURES');
    expect(
      jobResult([
        { taskKey: 'a', state: 'FAILED', isLeaf: false },
        { taskKey: 'b', state: 'UPSTREAM_FAILED', isLeaf: true },
      ]),
    ).toBe('FAILED');
    expect(jobResult([{ taskKey: 'a', state: 'CANCELED', isLeaf: true }])).toBe('CANCELED');
  });
});

describe('retry policy', () => {
  const policy = { maxRetries: 2, minRetryIntervalMillis: 500, retryOnTimeout: false };
  it('retries failures up to max_retries after the minimum interval', () => {
    expect(decideRetry(policy, 'FAILED', 0, 1000)).toEqual({ retry: true, notBefore: 1500 });
    expect(decideRetry(policy, 'LOST', 1, 1000)).toEqual({ retry: true, notBefore: 1500 });
    expect(decideRetry(policy, 'FAILED', 2, 1000)).toMatchObject({ retry: false, reason: 'all 2 retries used' });
  });
  it('does not retry cancels, nor timeouts unless retry_on_timeout', () => {
    expect(decideRetry(policy, 'CANCELED', 0, 0).retry).toBe(false);
    expect(decideRetry(policy, 'TIMEDOUT', 0, 0).retry).toBe(false);
    expect(decideRetry({ ...policy, retryOnTimeout: true }, 'TIMEDOUT', 0, 0).retry).toBe(true);
    expect(decideRetry({ ...policy, maxRetries: -1 }, 'FAILED', 10_000, 0).retry).toBe(true);
  });
});
