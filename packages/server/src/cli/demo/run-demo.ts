import type { JobRunDetails } from '../../services/pipelines/job-service.js';
import type { Services } from '../../services/services.js';
import { isTerminalJobRunState } from '../../domain/pipelines/run-states.js';
import { requireValidProject } from '../validate-command.js';
import { collectDemoReport, formatDemoReport } from './demo-report.js';
import type { DemoReport } from './demo-report.js';

export interface DemoOptions {
  /** The project file (`examples/modelyard.yaml`). */
  projectFile: string;
  /** The jobs to run; default every job without a schedule (the scheduled ones are deployed only). */
  jobKeys?: string[];
  /** Job parameters given to every run (e.g. `output_dir`), where the job declares them. */
  parameters?: Record<string, string>;
  services: Services;
  /** Where the server answers (`http://127.0.0.1:5000`), for the URLs and the endpoint check. */
  serverUrl: string;
  write: (text: string) => void;
  /** Give up waiting after this long (the runs go on in the server). Default 10 minutes. */
  timeoutMs?: number;
}

export interface DemoOutcome {
  report: DemoReport;
  /** True when every job run succeeded (failures handled downstream included) and every endpoint answered. */
  ok: boolean;
}

const clock = (t: number) => new Date(t).toISOString().slice(11, 19);

/**
 * The seeds' lifecycle in one go: deploys the project's jobs into this server, runs the demo jobs
 * through the server's own runner (exactly as a schedule or `POST /api/v1/jobs/run-now` would),
 * prints task states as they change, then a summary read back from the registry, the job runs and
 * the serving endpoints.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const { services, write } = opts;
  const { spec, projectDir, path } = requireValidProject({ file: opts.projectFile });
  const jobKeys = opts.jobKeys ?? Object.values(spec.jobs).filter((j) => !j.schedule).map((j) => j.key);
  const unknown = jobKeys.filter((k) => !spec.jobs[k]);
  if (unknown.length > 0 || jobKeys.length === 0) {
    throw new Error(`${path}: no job ${unknown.join(', ') || 'to run'} (jobs: ${Object.keys(spec.jobs).join(', ') || 'none'})`);
  }
  const deployed = await services.pipelines.jobs.deploy(spec, projectDir);
  const runIds: number[] = [];
  for (const key of jobKeys) {
    const job = deployed.find((j) => j.jobKey === key)!;
    const declared = new Set(job.definition.job.parameters.map((p) => p.name));
    const parameters = Object.fromEntries(Object.entries(opts.parameters ?? {}).filter(([k]) => declared.has(k)));
    const started = await services.pipelines.jobs.runNow(job.jobId, { actor: 'modelyard-demo', parameters });
    runIds.push(started.jobRunId);
    write(`[demo] ${spec.name}/${key}: job run ${started.jobRunId} (${job.definition.job.tasks.length} tasks) ${opts.serverUrl}/api/v1/jobs/runs/get?run_id=${started.jobRunId}\n`);
  }
  const details = await follow(services, runIds, write, opts.timeoutMs ?? 600_000);
  const report = await collectDemoReport({ services, spec, runs: details, serverUrl: opts.serverUrl });
  write(formatDemoReport(report));
  const succeeded = details.every((d) => d.run.state === 'SUCCESS' || d.run.state === 'SUCCESS_WITH_FAILURES');
  return { report, ok: succeeded && report.endpoints.length > 0 && report.endpoints.every((e) => e.answer?.ok === true) };
}

async function follow(services: Services, jobRunIds: number[], write: (t: string) => void, timeoutMs: number): Promise<JobRunDetails[]> {
  const seen = new Map<string, string>();
  const until = Date.now() + timeoutMs;
  const label = (details: JobRunDetails) => (jobRunIds.length > 1 ? `${details.run.definition.job.key}.` : '');
  for (;;) {
    const all = await Promise.all(jobRunIds.map((id) => services.pipelines.jobs.getRun(id)));
    for (const details of all) {
      for (const t of details.tasks) {
        if (t.state === 'PENDING') continue;
        const line = `${t.state}${t.stateMessage ? `: ${t.stateMessage}` : ''}`;
        const key = `${details.run.jobRunId}/${t.taskKey}`;
        if (seen.get(key) === line) continue;
        seen.set(key, line);
        write(`${clock(Date.now())}  ${`${label(details)}${t.taskKey}`.padEnd(28)} ${line}\n`);
      }
    }
    if (all.every((d) => isTerminalJobRunState(d.run.state))) return all;
    if (Date.now() > until) throw new Error(`job runs ${jobRunIds.join(', ')} still running after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
