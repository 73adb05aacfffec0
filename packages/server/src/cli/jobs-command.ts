import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import type { JobRun } from '@modelyard/sdk';
import { deployCommand } from './deploy-command.js';
import type { DeployFlags } from './deploy-command.js';
import type { PipelineCliFlags } from './run-command.js';
import { addProjectOptions, requireValidProject } from './validate-command.js';
import { printJson } from './models/models-cli-context.js';
import type { JobsCliFlags } from './jobs/jobs-cli-context.js';

const time = (t: number | undefined) => (t === undefined ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));
const duration = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? `${((b - a) / 1000).toFixed(1)}s` : '-');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function runRow(r: JobRun): string[] {
  return [String(r.runId), r.jobKey ?? String(r.jobId), r.state, r.trigger ?? '-', time(r.startTime ?? r.queuedTime), duration(r.startTime, r.endTime), r.stateMessage ?? ''];
}

/** Server options of every jobs command; `--backend-store-uri` (explicit) opens a store here instead. */
function withOptions(cmd: Command): Command {
  return cmd
    .option('--tracking-uri <uri>', 'the Modelyard server (default: MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)')
    .option('--user <name>', 'who the audit trail credits (default: MODELYARD_USER, else your login name)')
    .option('--backend-store-uri <uri>', 'no server: open this store here instead (sqlite:///path.db or postgresql://…); a repaired run then runs in this process')
    .option('--data-dir <dir>', 'with --backend-store-uri: the folder of task logs and artifacts')
    .option('--config <file>', 'with --backend-store-uri: YAML file of settings')
    .option('--json', 'print JSON instead of a table');
}

// The SDK client, and in store mode the store and services, load only when a subcommand runs.
const lazy = () => import('./jobs/jobs-cli-context.js');

/**
 * `modelyard jobs list|runs|show|logs|cancel|repair|deploy`: a server's jobs, over HTTP
 * (MLFLOW_TRACKING_URI / --tracking-uri), from any folder.
 */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description("a server's deployed jobs and their runs (MLFLOW_TRACKING_URI, or --backend-store-uri to open a store here)");

  withOptions(jobs.command('list').description('list deployed jobs')).action(async (flags: JobsCliFlags) => {
    const { withJobsClient } = await lazy();
    const list = await withJobsClient(flags, ({ client }) => client.jobs.listJobs());
    if (flags.json) return printJson(list);
    const rows = list.map((j) => {
      const s = j.schedule;
      const schedule = s ? `${s.quartzCronExpression ?? s.cron} ${s.timezoneId ?? 'UTC'}${s.pauseStatus === 'PAUSED' ? ' (paused)' : ''}` : '-';
      return [String(j.jobId), j.project, j.jobKey, j.target || '-', String(j.tasks.length), schedule, j.bundleSha256 ? j.bundleSha256.slice(0, 12) : '-'];
    });
    process.stdout.write(table([['JOB_ID', 'PROJECT', 'JOB', 'TARGET', 'TASKS', 'SCHEDULE', 'BUNDLE'], ...rows]));
  });

  const deploy = jobs
    .command('deploy')
    .description('the same as `modelyard deploy`: bundle the project and deploy its jobs on the server (with --backend-store-uri: into that store, running from this folder)');
  addProjectOptions(deploy);
  withOptions(deploy).action(async (flags: PipelineCliFlags & DeployFlags) => {
    if (!flags.backendStoreUri) {
      if (flags.dataDir !== undefined) throw new InvalidParameterError('--data-dir applies only with --backend-store-uri (deploy into a store opened here); without it, jobs deploy deploys a bundle to the server at --tracking-uri / MLFLOW_TRACKING_URI');
      return deployCommand(flags);
    }
    // Store mode: the laptop/CI case of a store this process opens; the job runs this folder in place.
    const { spec, projectDir } = requireValidProject(flags);
    const ctx = await (await import('./pipelines-cli-context.js')).openPipelinesContext(flags, { project: spec, serveTracking: false });
    try {
      for (const j of await ctx.pipelines.jobs.deploy(spec, projectDir)) process.stdout.write(`deployed job ${j.jobId}: ${j.projectName}/${j.jobKey}${j.target ? ` (target ${j.target})` : ''}\n`);
    } finally {
      await ctx.close();
    }
  });

  withOptions(
    jobs
      .command('runs [job]')
      .description('list job runs, newest first (of one job, by id or key)')
      .option('--limit <n>', 'how many', '25')
      .option('--active', 'only queued and running runs'),
  ).action(async (jobRef: string | undefined, flags: JobsCliFlags & { limit: string; active?: boolean }) => {
    const { withJobsClient, resolveJob } = await lazy();
    const runs = await withJobsClient(flags, async ({ client }) => {
      const jobId = jobRef === undefined ? undefined : (await resolveJob(client, jobRef)).jobId;
      return (await client.jobs.listRuns({ limit: Number(flags.limit), ...(jobId !== undefined ? { jobId } : {}), ...(flags.active ? { activeOnly: true } : {}) })).items;
    });
    if (flags.json) return printJson(runs);
    process.stdout.write(table([['RUN_ID', 'JOB', 'STATE', 'TRIGGER', 'STARTED', 'DURATION', 'MESSAGE'], ...runs.map(runRow)]));
  });

  withOptions(jobs.command('show <run_id>').description('a job run: its tasks and every attempt')).action(async (id: string, flags: JobsCliFlags) => {
    const { withJobsClient, runIdOf } = await lazy();
    const { run, job } = await withJobsClient(flags, async ({ client }) => {
      const r = await client.jobs.getRun(runIdOf(id));
      return { run: r, job: await client.jobs.getJob(r.jobId).catch(() => undefined) };
    });
    if (flags.json) return printJson(run);
    process.stdout.write(
      `job run ${run.runId}: ${job ? `${job.project}/` : ''}${run.jobKey ?? run.jobId}${job?.target ? ` (target ${job.target})` : ''} — ${run.state}${run.stateMessage ? `: ${run.stateMessage}` : ''}\n` +
        `trigger ${run.trigger ?? '-'}${run.actor ? ` by ${run.actor}` : ''}, started ${time(run.startTime)}, ended ${time(run.endTime)}, repairs ${run.repairCount}\n` +
        `parameters ${JSON.stringify(run.parameters)}\n` +
        (run.bundleSha256 ? `bundle ${run.bundleSha256}\n` : '') +
        (run.mlflowRunId ? `MLflow run ${run.mlflowRunId} in experiment ${run.mlflowExperimentId}\n` : '') +
        '\n',
    );
    process.stdout.write(table([['TASK', 'STATE', 'ATTEMPTS', 'DURATION', 'MESSAGE'], ...run.tasks.map((t) => [t.taskKey, t.state, String(t.attemptCount), duration(t.startTime, t.endTime), t.stateMessage ?? ''])]));
    const attempts = run.tasks.flatMap((t) => t.attempts.map((a) => ({ ...a, taskKey: t.taskKey })));
    if (attempts.length) {
      process.stdout.write('\n');
      process.stdout.write(
        table([
          ['TASK', 'ATTEMPT', 'TRIGGER', 'STATE', 'EXIT', 'DURATION', 'EXECUTOR'],
          ...attempts.map((a) => [a.taskKey, String(a.attemptNumber), a.trigger ?? '-', a.state, a.exitCode !== undefined ? String(a.exitCode) : (a.signal ?? '-'), duration(a.startTime, a.endTime), a.executor ?? '-']),
        ]),
      );
    }
  });

  withOptions(
    jobs
      .command('logs <run_id> <task_key>')
      .description("print a task attempt's output (the latest attempt unless --attempt)")
      .option('--attempt <n>', 'attempt number')
      .option('--stderr', 'standard error instead of standard output')
      .option('--follow', 'keep printing until the attempt ends'),
  ).action(async (id: string, taskKey: string, flags: JobsCliFlags & { attempt?: string; stderr?: boolean; follow?: boolean }) => {
    const { withJobsClient, runIdOf } = await lazy();
    const runId = runIdOf(id);
    await withJobsClient(flags, async ({ client }) => {
      let offset = 0;
      for (;;) {
        const log = await client.jobs.readLog({
          runId,
          taskKey,
          stream: flags.stderr ? 'stderr' : 'stdout',
          offset,
          ...(flags.attempt !== undefined ? { attempt: Number(flags.attempt) } : {}),
        });
        process.stdout.write(log.text);
        offset = log.nextOffset;
        const ended = log.attemptState !== 'QUEUED' && log.attemptState !== 'RUNNING';
        if (!flags.follow || (ended && !log.truncated)) break;
        if (!log.truncated) await new Promise((r) => setTimeout(r, 300));
      }
    });
  });

  withOptions(jobs.command('cancel <run_id>').description('cancel a queued or running job run')).action(async (id: string, flags: JobsCliFlags) => {
    const { withJobsClient, runIdOf } = await lazy();
    const run = await withJobsClient(flags, ({ client }) => client.jobs.cancelRun(runIdOf(id)));
    if (flags.json) return printJson(run);
    const ended = ['SUCCESS', 'SUCCESS_WITH_FAILURES', 'FAILED', 'TIMEDOUT', 'CANCELED', 'SKIPPED'].includes(run.state);
    process.stdout.write(ended ? `job run ${run.runId} ${run.state}\n` : `cancel requested: the runner driving job run ${run.runId} stops it within a second\n`);
  });

  withOptions(
    jobs
      .command('repair <run_id>')
      .description('re-run the failed tasks of a finished run (or --task ones) and their dependants, in the same run, and follow it')
      .option('--task <task_key>', 'a task to re-run (repeatable; default: every failed or canceled task)', (v: string, p: string[]) => [...p, v], [] as string[])
      .option('--latest', "run the job's current bundle (the latest deploy), not the one the run started with"),
  ).action(async (id: string, flags: JobsCliFlags & { task: string[]; latest?: boolean }) => {
    const { withJobsClient, runIdOf } = await lazy();
    const { followJobRun, exitCodeOf } = await import('./jobs/follow-job-run.js');
    await withJobsClient(flags, async ({ client, settled }) => {
      const run = await client.jobs.repairRun(runIdOf(id), flags.task, { latestBundle: Boolean(flags.latest) });
      process.stdout.write(`repairing job run ${run.runId} (repair ${run.repairCount ?? '?'})${flags.latest ? " with the job's latest bundle" : ''}\n`);
      process.exitCode = exitCodeOf(await followJobRun(client, run.runId, settled));
    });
  });
}
