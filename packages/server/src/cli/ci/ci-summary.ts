import type { JobRunDetails } from '../../services/pipelines/job-service.js';
import type { EvaluationResult } from '../../worker/task-types/evaluation-result.js';
import type { GateResult } from '../../worker/task-types/gate-task.js';

const seconds = (a: number | null, b: number | null) => (a !== null && b !== null ? `${((b - a) / 1000).toFixed(1)}s` : '-');
const cell = (s: string | null | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));

/**
 * The job runs of a CI build as Markdown, for the build's summary page (GitHub's
 * $GITHUB_STEP_SUMMARY, Azure's uploadsummary): each job's result, its tasks, the evaluation
 * metrics and each gate rule with why it passed or failed.
 */
export function ciSummaryMarkdown(runs: JobRunDetails[]): string {
  const out: string[] = ['# Modelyard validation', ''];
  if (runs.length === 0) return `${out.join('\n')}No job ran: an earlier step failed (see its log).\n`;
  const icon = (state: string) => (state === 'SUCCESS' ? '✅' : state === 'SUCCESS_WITH_FAILURES' ? '⚠️' : '❌');
  out.push('| job | run | result | took | message |', '|---|---|---|---|---|');
  for (const { run } of runs) {
    out.push(`| ${cell(run.definition.job.key)} | ${run.jobRunId} | ${icon(run.state)} ${run.state} | ${seconds(run.startTime, run.endTime)} | ${cell(run.stateMessage)} |`);
  }
  for (const { run, tasks } of runs) {
    out.push('', `## ${run.definition.job.key}${run.definition.target ? ` (target ${run.definition.target})` : ''}`, '');
    if (run.mlflowRunId) out.push(`MLflow run \`${run.mlflowRunId}\` in experiment ${run.mlflowExperimentId}`, '');
    out.push('| task | state | took | message |', '|---|---|---|---|');
    for (const t of tasks) out.push(`| ${cell(t.taskKey)} | ${t.state} | ${seconds(t.startTime, t.endTime)} | ${cell(t.stateMessage)} |`);
    for (const t of tasks) {
      const r = t.result as EvaluationResult | GateResult | null;
      if (r?.kind === 'evaluation') {
        const model = (m: { name?: string; version?: number; uri: string }) => (m.name !== undefined ? `${m.name} v${m.version}` : m.uri);
        const metrics = Object.keys(r.challenger.metrics);
        out.push('', `**${t.taskKey}** on ${r.rows} rows of \`${r.dataPath}\``, '', `| model | ${metrics.join(' | ')} |`, `|---|${metrics.map(() => '---|').join('')}`);
        out.push(`| challenger ${model(r.challenger)} | ${metrics.map((k) => fmt(r.challenger.metrics[k]!)).join(' | ')} |`);
        if (r.champion) out.push(`| champion ${model(r.champion)} | ${metrics.map((k) => (r.champion!.metrics[k] === undefined ? '-' : fmt(r.champion!.metrics[k]!))).join(' | ')} |`);
        else if (r.championMissingReason) out.push('', `No champion to compare with: ${cell(r.championMissingReason)}`);
      } else if (r?.kind === 'gate') {
        out.push('', `**${t.taskKey}**: ${r.passed ? 'passed' : 'NOT passed'}`, '');
        for (const rule of r.results) out.push(`- ${rule.passed ? '✅' : '❌'} \`${rule.rule}\`: ${cell(rule.reason)}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
