import { evaluateGate, parseGateRule } from '../../domain/pipelines/gate-rules.js';
import type { GateDecision } from '../../domain/pipelines/gate-rules.js';
import type { TaskRunRecord } from '../../domain/pipelines/job-records.js';
import { ATTR } from '../../telemetry/attribute-names.js';
import { readEvaluationResult } from './evaluation-result.js';
import type { EvaluatedModel } from './evaluation-result.js';
import { TaskFailure } from './in-process-executor.js';
import type { TaskHandler } from './in-process-executor.js';

export interface GateTaskDeps {
  /** The task runs of a job run, as stored (the evaluate task's metrics are its `result`). */
  taskRuns(jobRunId: number): Promise<TaskRunRecord[]>;
}

/** What a gate keeps on its task run, passed or not. */
export interface GateResult extends GateDecision {
  kind: 'gate';
  evaluationTaskKey: string;
  challenger: Omit<EvaluatedModel, 'metrics'>;
  champion: Omit<EvaluatedModel, 'metrics'> | null;
  championMissingReason?: string;
}

function describe(m: Omit<EvaluatedModel, 'metrics'>): string {
  return m.name !== undefined && m.version !== undefined ? `${m.name} v${m.version} (${m.uri})` : m.uri;
}

/**
 * Decides from the metrics its evaluate task stored. A failed gate fails the task with every
 * failing rule's reason, so its dependants (run_if ALL_SUCCESS, the default) are blocked: no
 * promotion happens on a worse model.
 */
export function gateTask(deps: GateTaskDeps): TaskHandler {
  return async ({ request, log, step }) => {
    if (request.task.type !== 'gate') throw new Error(`the gate handler got a '${request.task.type}' task`);
    const spec = request.task.gate;
    const evalRun = (await deps.taskRuns(request.jobRunId)).find((t) => t.taskKey === spec.evaluationTaskKey);
    if (!evalRun || evalRun.state !== 'SUCCESS') {
      throw new TaskFailure(
        `evaluation task '${spec.evaluationTaskKey}' has no metrics to gate on (it ended ${evalRun?.state ?? 'never'}${evalRun?.stateMessage ? `: ${evalRun.stateMessage}` : ''})`,
      );
    }
    const evaluation = readEvaluationResult(evalRun.result);
    if (!evaluation) throw new TaskFailure(`task '${spec.evaluationTaskKey}' did not store an evaluation result (is it an evaluate task of this build?)`);
    const rules = spec.rules.map((r) => parseGateRule(r));
    const decision = await step(`gate ${spec.evaluationTaskKey}`, { [ATTR.modelName]: evaluation.challenger.name, [ATTR.modelVersion]: evaluation.challenger.version?.toString() }, async (span) => {
      const decided = evaluateGate(
        rules,
        { challenger: evaluation.challenger.metrics, ...(evaluation.champion ? { champion: evaluation.champion.metrics } : {}) },
        spec.whenNoChampion,
      );
      span.setAttributes({ [ATTR.gatePassed]: decided.passed });
      if (!decided.passed) span.markFailed(decided.summary);
      return decided;
    });
    const { metrics: _c, ...challenger } = evaluation.challenger;
    const champion = evaluation.champion ? (({ metrics: _m, ...rest }) => rest)(evaluation.champion) : null;
    const result: GateResult = {
      kind: 'gate',
      evaluationTaskKey: spec.evaluationTaskKey,
      ...decision,
      challenger,
      champion,
      ...(evaluation.championMissingReason ? { championMissingReason: evaluation.championMissingReason } : {}),
    };
    await log(`challenger ${describe(challenger)}; champion ${champion ? describe(champion) : `none (${evaluation.championMissingReason ?? 'no champion_model_uri'})`}`);
    for (const r of decision.results) await log(`${r.passed ? 'PASS' : 'FAIL'}  ${r.rule}  —  ${r.reason}`);
    if (!decision.passed) throw new TaskFailure(decision.summary, result);
    const noChampion = champion === null ? ` (no champion yet: ${evaluation.championMissingReason ?? 'none given'}; rules on the champion passed by when_no_champion: ${spec.whenNoChampion})` : '';
    return { message: `${decision.summary} for ${describe(challenger)}${noChampion}`, result };
  };
}
