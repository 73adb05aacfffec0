import { readFile } from 'node:fs/promises';
import { parseCsv } from '@modelyard/learn';
import type { ProjectSpec, TaskSpec } from '../../domain/pipelines/project-model.js';
import type { JobRunDetails } from '../../services/pipelines/job-service.js';
import type { Services } from '../../services/services.js';
import type { BatchScoreResult } from '../../worker/task-types/batch-score-task.js';
import type { DeployResult } from '../../worker/task-types/deploy-task.js';
import { projectPath } from '../../worker/task-types/evaluate-task.js';
import type { GateResult } from '../../worker/task-types/gate-task.js';
import { invocationsPath } from '../../worker/task-types/serving-endpoint-deployer.js';

export interface DemoVersion {
  version: number;
  stage: string;
  aliases: string[];
  runId: string | null;
}

export interface DemoEndpoint {
  endpoint: string;
  modelUri: string;
  model?: string;
  invocationsUrl?: string;
  curl?: string;
  /** What the endpoint answered to the curl example's request. */
  answer?: { ok: boolean; status: number; body: string };
}

export interface DemoRun {
  jobKey: string;
  jobRunId: number;
  state: string;
  stateMessage: string | null;
  seconds: number | null;
  mlflowRunUrl?: string;
  /** The UI page of the run's trace (a span per task attempt), when the server stores traces. */
  traceUrl?: string;
  tasks: Array<{ taskKey: string; type: string; state: string; seconds: number | null; message: string | null }>;
}

export interface DemoReport {
  serverUrl: string;
  runs: DemoRun[];
  models: Array<{ name: string; versions: DemoVersion[] }>;
  gates: Array<{ task: string; state: string; passed: boolean; summary: string; challenger: string; champion: string; rules: Array<{ rule: string; passed: boolean; reason: string }> }>;
  scoring: Array<{ task: string; state: string; outputPath?: string; rows?: number; model?: string; message: string | null }>;
  endpoints: DemoEndpoint[];
}

const seconds = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) / 1000 : null);

function modelName(uri: string): string | undefined {
  return /^models:\/([^/@]+)/.exec(uri)?.[1];
}

const describeModel = (m: { name?: string; version?: number; uri: string } | null | undefined, missing?: string) =>
  m ? (m.name !== undefined ? `${m.name} v${m.version}` : m.uri) : `none${missing ? ` (${missing})` : ''}`;

/** Reads back what the demo jobs did: the runs, every task, the registry, the scoring files, the endpoints. */
export async function collectDemoReport(input: { services: Services; spec: ProjectSpec; runs: JobRunDetails[]; serverUrl: string }): Promise<DemoReport> {
  const { services, serverUrl } = input;
  const report: DemoReport = { serverUrl, runs: [], models: [], gates: [], scoring: [], endpoints: [] };
  const names = new Set<string>(Object.values(input.spec.registeredModels).map((m) => m.name));
  for (const details of input.runs) {
    const { run } = details;
    const jobKey = run.definition.job.key;
    const specs = new Map<string, TaskSpec>(run.definition.job.tasks.map((t) => [t.taskKey, t]));
    const traceId = await traceOf(serverUrl, run.jobRunId);
    report.runs.push({
      // The UI's trace page (its waterfall), not the JSON API: the summary is read by a person.
      ...(traceId ? { traceUrl: `${serverUrl}/traces/${encodeURIComponent(traceId)}` } : {}),
      jobKey,
      jobRunId: run.jobRunId,
      state: run.state,
      stateMessage: run.stateMessage,
      seconds: seconds(run.startTime, run.endTime),
      ...(run.mlflowRunId && run.mlflowExperimentId ? { mlflowRunUrl: `${serverUrl}/experiments/${run.mlflowExperimentId}/runs/${run.mlflowRunId}` } : {}),
      tasks: details.tasks.map((t) => ({
        taskKey: t.taskKey,
        type: specs.get(t.taskKey)?.type ?? '?',
        state: t.state,
        seconds: seconds(t.startTime, t.endTime),
        message: t.stateMessage,
      })),
    });
    const withParams = (text: string) => text.replace(/\{\{\s*job\.parameters\.([^}\s]+)\s*\}\}/g, (whole, name: string) => run.parameters[name] ?? whole);
    for (const t of details.tasks) {
      const spec = specs.get(t.taskKey);
      const task = `${jobKey}.${t.taskKey}`;
      if (spec?.type === 'promote') {
        const name = modelName(spec.promote.modelUri);
        if (name) names.add(name);
      } else if (spec?.type === 'gate') {
        const r = t.result as GateResult | null;
        report.gates.push({
          task,
          state: t.state,
          passed: t.state === 'SUCCESS',
          summary: r?.summary ?? t.stateMessage ?? '',
          challenger: r ? describeModel(r.challenger) : '-',
          champion: r ? describeModel(r.champion, r.championMissingReason ? 'no champion yet' : undefined) : '-',
          rules: r?.results ?? [],
        });
      } else if (spec?.type === 'batch_score') {
        const r = t.result as BatchScoreResult | null;
        report.scoring.push({
          task,
          state: t.state,
          message: t.stateMessage,
          ...(r && t.state === 'SUCCESS' ? { outputPath: r.outputPath, rows: r.rows, model: r.modelName !== undefined ? `${r.modelName} v${r.modelVersion}` : r.modelUri } : {}),
        });
      } else if (spec?.type === 'deploy') {
        const r = t.state === 'SUCCESS' ? (t.result as DeployResult | null) : null;
        const endpoint: DemoEndpoint = { endpoint: r?.endpointName ?? spec.deploy.endpoint, modelUri: spec.deploy.modelUri };
        if (r?.modelName !== undefined) endpoint.model = `${r.modelName} v${r.modelVersion}`;
        if (r) {
          const url = r.invocationsUrl ?? invocationsPath(r.endpointName);
          endpoint.invocationsUrl = /^https?:/.test(url) ? url : `${serverUrl}${url}`;
          const source = [...specs.values()].find((x) => x.type === 'batch_score' && modelName(x.batchScore.modelUri) === modelName(spec.deploy.modelUri));
          const body = source?.type === 'batch_score' ? await sampleRequest(projectPath(run.definition.projectDir, withParams(source.batchScore.inputPath))) : undefined;
          if (body) {
            endpoint.curl = `curl -s -X POST ${endpoint.invocationsUrl} -H 'Content-Type: application/json' -d '${body}'`;
            endpoint.answer = await invoke(endpoint.invocationsUrl, body);
          }
        }
        report.endpoints.push(endpoint);
      }
    }
  }
  for (const name of names) {
    const { versions } = await services.registry.modelVersions.search({ filter: `name = '${name.replace(/'/g, "''")}'`, maxResults: 1000 });
    report.models.push({
      name,
      versions: versions
        .map((v) => ({ version: v.version, stage: v.currentStage, aliases: [...v.aliases].sort(), runId: v.runId }))
        .sort((a, b) => a.version - b.version),
    });
  }
  return report;
}

/**
 * A request body for an endpoint: two rows of the file a batch_score task of the same job scores
 * with the same registered model (so the columns are the ones the model expects); the target
 * column, if the file has one, is left out, and so are empty cells.
 */
async function sampleRequest(csvPath: string): Promise<string | undefined> {
  try {
    const frame = parseCsv(await readFile(csvPath, 'utf8')).head(2);
    const records = frame.toRecords().map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k, v]) => !TARGETS.has(k) && v !== null && !(typeof v === 'number' && Number.isNaN(v)))),
    );
    return JSON.stringify({ dataframe_records: records });
  } catch {
    return undefined;
  }
}

/** The examples' target columns: a holdout file carries them, a request does not. */
const TARGETS = new Set(['Outcome', 'Y']);

/**
 * The trace id of a job run, through the traces API (undefined when the server keeps none). Spans
 * reach the store in batches a moment after they end, so an empty answer is asked again briefly.
 */
async function traceOf(serverUrl: string, jobRunId: number): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    try {
      const res = await fetch(`${serverUrl}/api/v1/traces?job_run_id=${jobRunId}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return undefined;
      const id = ((await res.json()) as { traces?: Array<{ trace_id: string }> }).traces?.[0]?.trace_id;
      if (id) return id;
    } catch {
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function invoke(url: string, body: string): Promise<{ ok: boolean; status: number; body: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
    return { ok: res.ok, status: res.status, body: (await res.text()).slice(0, 500) };
  } catch (e) {
    return { ok: false, status: 0, body: (e as Error).message };
  }
}

const fmtSeconds = (s: number | null) => (s === null ? '-' : `${s.toFixed(1)}s`);

export function formatDemoReport(r: DemoReport): string {
  const out: string[] = [];
  out.push('', '════════════════════ Modelyard demo summary ════════════════════');
  for (const run of r.runs) {
    out.push('', `job ${run.jobKey} — run ${run.jobRunId}: ${run.state} in ${fmtSeconds(run.seconds)}${run.stateMessage ? ` (${run.stateMessage})` : ''}`);
    for (const t of run.tasks) out.push(`  ${t.taskKey.padEnd(16)} ${t.type.padEnd(12)} ${t.state.padEnd(16)} ${fmtSeconds(t.seconds).padStart(6)}  ${t.message ?? ''}`.trimEnd());
    if (run.mlflowRunUrl) out.push(`  MLflow run: ${run.mlflowRunUrl}`);
    if (run.traceUrl) out.push(`  trace:      ${run.traceUrl}`);
  }
  out.push('', 'registered models:');
  for (const m of r.models) {
    out.push(`  ${m.name}`);
    for (const v of m.versions) out.push(`    v${v.version}  ${v.stage.padEnd(10)} ${v.aliases.map((a) => `@${a}`).join(' ')}`.trimEnd());
  }
  if (r.gates.length) {
    out.push('', 'gate decisions:');
    for (const g of r.gates) {
      if (g.state !== 'SUCCESS' && g.state !== 'FAILED') out.push(`  ${g.task}: not run (${g.state}) ${g.summary}`.trimEnd());
      else {
        out.push(`  ${g.task}: ${g.passed ? 'PASSED' : 'NOT PASSED'}: challenger ${g.challenger} vs champion ${g.champion}`);
        for (const rule of g.rules) out.push(`    ${rule.passed ? 'pass' : 'FAIL'}  ${rule.rule}  (${rule.reason})`);
        if (!g.passed) out.push(`    → not promoted; the champion stays in Production`);
      }
    }
  }
  if (r.scoring.length) {
    out.push('', 'batch scoring:');
    for (const s of r.scoring) out.push(s.outputPath ? `  ${s.task}: ${s.rows} rows with ${s.model} → ${s.outputPath}` : `  ${s.task}: ${s.state}${s.message ? ` — ${s.message}` : ''}`);
  }
  if (r.endpoints.length) {
    out.push('', 'serving:');
    for (const e of r.endpoints) {
      out.push(`  endpoint ${e.endpoint} → ${e.model ?? e.modelUri}${e.invocationsUrl ? ` at ${e.invocationsUrl}` : ' (not deployed)'}`);
      if (e.curl) out.push(`    ${e.curl}`);
      if (e.answer) out.push(`    answered ${e.answer.status}: ${e.answer.body}`);
    }
  }
  out.push('', 'open:');
  out.push(`  UI          ${r.serverUrl}/`);
  out.push(`  MLflow API  ${r.serverUrl}/api/2.0/mlflow  (MLFLOW_TRACKING_URI=${r.serverUrl})`);
  out.push(`  job runs    ${r.serverUrl}/api/v1/jobs/runs/list`);
  out.push('═══════════════════════════════════════════════════════════════', '');
  return out.join('\n') + '\n';
}
