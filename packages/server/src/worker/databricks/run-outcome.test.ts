import { describe, expect, it } from 'vitest';
import { isTerminalRemoteState, remoteOutcome } from './run-outcome.js';

describe('Databricks run states → attempt outcomes', () => {
  it.each([
    ['PENDING', false],
    ['QUEUED', false],
    ['RUNNING', false],
    ['TERMINATING', false],
    ['WAITING_FOR_RETRY', false],
    ['BLOCKED', false],
    ['TERMINATED', true],
    ['SKIPPED', true],
    ['INTERNAL_ERROR', true],
  ])('%s is terminal: %s', (state, terminal) => {
    expect(isTerminalRemoteState({ life_cycle_state: state })).toBe(terminal);
  });

  const end = { endTime: 5 };
  it.each([
    [{ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }, {}, 'SUCCESS', 'Databricks run 7 succeeded'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Workload failed, see run output for details' }, { error: 'ValueError: bad alpha\nmore' }, 'FAILED', 'Databricks run 7 failed: ValueError: bad alpha'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Cluster terminated' }, {}, 'FAILED', 'Databricks run 7 failed: Cluster terminated'],
    [{ life_cycle_state: 'INTERNAL_ERROR', state_message: 'Library installation failed' }, {}, 'FAILED', 'Databricks run 7 ended with an internal error: Library installation failed'],
    [{ life_cycle_state: 'SKIPPED', state_message: 'max concurrent runs reached' }, {}, 'FAILED', 'Databricks run 7 was skipped: max concurrent runs reached'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'TIMEDOUT' }, {}, 'TIMEDOUT', 'Databricks run 7 timed out'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: 'canceled by alice' }, {}, 'CANCELED', 'Databricks run 7 was canceled in the workspace: canceled by alice'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' }, { stop: { state: 'TIMEDOUT' as const, message: 'timed out after 3s (timeout_seconds)' } }, 'TIMEDOUT', 'timed out after 3s (timeout_seconds) (Databricks run 7 canceled)'],
    [{ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' }, { stop: { state: 'CANCELED' as const, message: 'canceled by bob' } }, 'CANCELED', 'canceled by bob (Databricks run 7 canceled)'],
    // The run finished just before the cancel landed: its success stands.
    [{ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }, { stop: { state: 'CANCELED' as const, message: 'x' } }, 'SUCCESS', 'Databricks run 7 succeeded'],
  ])('%j with %j → %s', (state, extra, outcome, message) => {
    expect(remoteOutcome(7, state, { ...extra, ...end })).toEqual({ state: outcome, message, exitCode: null, signal: null, endTime: 5 });
  });
});
