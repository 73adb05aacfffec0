import type { RunIf } from './project-model.js';
import { classifyTaskOutcome } from './run-states.js';
import type { TaskRunState } from './run-states.js';

export type RunIfDecision =
  | { run: true }
  | { run: false; state: 'EXCLUDED' | 'UPSTREAM_FAILED' | 'UPSTREAM_CANCELED'; reason: string };

/**
 * Whether a task whose dependencies have all finished runs, per its `run_if` (Databricks
 * semantics). A task that does not run is UPSTREAM_CANCELED when the run was being canceled
 * upstream, UPSTREAM_FAILED when a dependency failed, and EXCLUDED otherwise (its condition simply
 * did not hold, e.g. an AT_LEAST_ONE_FAILED handler after a clean run).
 */
export function decideRunIf(runIf: RunIf, dependencies: ReadonlyArray<{ taskKey: string; state: TaskRunState }>): RunIfDecision {
  if (dependencies.length === 0) return { run: true };
  const classes = dependencies.map((d) => classifyTaskOutcome(d.state));
  const count = (c: string) => classes.filter((x) => x === c).length;
  const success = count('success');
  const failed = count('failed');
  const canceled = count('canceled');
  let holds: boolean;
  switch (runIf) {
    case 'ALL_SUCCESS':
      holds = success === dependencies.length;
      break;
    case 'AT_LEAST_ONE_SUCCESS':
      holds = success > 0;
      break;
    case 'NONE_FAILED':
      holds = failed === 0 && canceled === 0;
      break;
    case 'ALL_DONE':
      holds = true;
      break;
    case 'AT_LEAST_ONE_FAILED':
      holds = failed > 0;
      break;
    case 'ALL_FAILED':
      holds = failed === dependencies.length;
      break;
  }
  if (holds) return { run: true };
  const summary = dependencies.map((d) => `${d.taskKey}=${d.state}`).join(', ');
  const reason = `run_if ${runIf} does not hold (${summary})`;
  if (canceled > 0) return { run: false, state: 'UPSTREAM_CANCELED', reason };
  if (failed > 0 && runIf !== 'AT_LEAST_ONE_FAILED' && runIf !== 'ALL_FAILED') return { run: false, state: 'UPSTREAM_FAILED', reason };
  return { run: false, state: 'EXCLUDED', reason };
}

export interface JobResultInput {
  taskKey: string;
  state: TaskRunState;
  isLeaf: boolean;
}

/**
 * The result of a finished job run, judged on its leaf tasks as Databricks does: a failure that a
 * downstream ALL_DONE / AT_LEAST_ONE_FAILED task handled does not fail the run, but is reported
 * as SUCCESS_WITH_FAILURES.
 */
export function jobResult(tasks: readonly JobResultInput[]): 'SUCCESS' | 'SUCCESS_WITH_FAILURES' | 'FAILED' | 'CANCELED' {
  const leaves = tasks.filter((t) => t.isLeaf).map((t) => classifyTaskOutcome(t.state));
  if (leaves.includes('canceled')) return 'CANCELED';
  if (leaves.includes('failed')) return 'FAILED';
  const anyFailed = tasks.some((t) => classifyTaskOutcome(t.state) === 'failed');
  return anyFailed ? 'SUCCESS_WITH_FAILURES' : 'SUCCESS';
}
