import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import type { JobRunRecord } from '../domain/pipelines/job-records.js';
import { isTerminalJobRunState } from '../domain/pipelines/run-states.js';
import { addStoreOptions } from './store-options.js';
import type { ServerFlags } from './store-options.js';
import type { PipelineCliFlags } from './run-command.js';
import { addProjectOptions, requireValidProject } from './validate-command.js';

const time = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));
const duration = (a: number | null, b: number | null) => (a !== null && b !== null ? `${((b - a) / 1000).toFixed(1)}s` : '-');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function runId(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidParameterError(`a job run id is a number, got '${value}'`);
  return Number(value);
}

function runRow(r: JobRunRecord): string[] {
  return [String(r.jobRunId), r.definition.job.key, r.state, r.trigger, time(r.startTime ?? r.queuedTime), duration(r.startTime, r.endTime), r.stateMessage ?? ''];
}

/** `modelyard jobs list|runs|show|logs|cancel|repair|deploy`, against the configured store. */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('deployed jobs and their runs');
  const withStore = (cmd: Command) => addStoreOptions(cmd);
  // The store, services and pipelines load only when a subcommand runs (not for --help).
  const lazy = () => import('./pipelines-cli-context.js');
  const open = async (flags: ServerFlags, serveTracking = false) => (await lazy()).openPipelinesContext(flags, { serveTracking });

  withStore(jobs.command('list').description('list deployed jobs')).action(async (flags: ServerFlags) => {
    const ctx = await open(flags);
    try {
      const list = await ctx.pipelines.jobs.listJobs();
      const rows = list.map((j) => {
        const s = j.definition.job.schedule;
        const schedule = s ? `${s.quartzCronExpression ?? s.cron} ${s.timezoneId}${s.pauseStatus === 'PAUSED' ? ' (paused)' : ''}` : '-';
        return [String(j.jobId), j.projectName, j.jobKey, j.target || '-', String(j.definition.job.tasks.length), schedule];
      });
      process.stdout.write(table([['JOB_ID', 'PROJECT', 'JOB', 'TARGET', 'TASKS', 'SCHEDULE'], ...rows]));
    } finally {
      await ctx.close();
    }
  });

  const deploy = jobs.command('deploy').description("validate modelyard.yaml and deploy its jobs (the server's scheduler then runs their schedules)");
  addProjectOptions(deploy);
  withStore(deploy).action(async (flags: PipelineCliFlags) => {
    const { spec, projectDir } = requireValidProject(flags);
    const ctx = await (await lazy()).openPipelinesContext(flags, { project: spec, serveTracking: false });
    try {
      for (const j of await ctx.pipelines.jobs.deploy(spec, projectDir)) process.stdout.write(`deployed job ${j.jobId}: ${j.projectName}/${j.jobKey}${j.target ? ` (target ${j.target})` : ''}\n`);
    } finally {
      await ctx.close();
    }
  });

  withStore(
    jobs
      .command('runs [job]')
      .description('list job runs, newest first (of one job, by id or key)')
      .option('--limit <n>', 'how many', '25')
      .option('--active', 'only queued and running runs'),
  ).action(async (jobRef: string | undefined, flags: ServerFlags & { limit: string; active?: boolean }) => {
    const ctx = await open(flags);
    try {
      const jobId = jobRef === undefined ? undefined : (await ctx.pipelines.jobs.resolveJob(jobRef)).jobId;
      const runs = await ctx.pipelines.jobs.listRuns({ limit: Number(flags.limit), ...(jobId !== undefined ? { jobId } : {}), ...(flags.active ? { activeOnly: true } : {}) });
      process.stdout.write(table([['RUN_ID', 'JOB', 'STATE', 'TRIGGER', 'STARTED', 'DURATION', 'MESSAGE'], ...runs.map(runRow)]));
    } finally {
      await ctx.close();
    }
  });

  withStore(jobs.command('show <run_id>').description('a job run: its tasks and every attempt')).action(async (id: string, flags: ServerFlags) => {
    const ctx = await open(flags);
    try {
      const { run, tasks, attempts } = await ctx.pipelines.jobs.getRun(runId(id));
      const d = run.definition;
      process.stdout.write(
        `job run ${run.jobRunId}: ${d.projectName}/${d.job.key}${d.target ? ` (target ${d.target})` : ''} — ${run.state}${run.stateMessage ? `: ${run.stateMessage}` : ''}\n` +
          `trigger ${run.trigger}${run.actor ? ` by ${run.actor}` : ''}, started ${time(run.startTime)}, ended ${time(run.endTime)}, repairs ${run.repairCount}\n` +
          `parameters ${JSON.stringify(run.parameters)}\n` +
          (run.mlflowRunId ? `MLflow run ${run.mlflowRunId} in experiment ${run.mlflowExperimentId}\n` : '') +
          '\n',
      );
      process.stdout.write(table([['TASK', 'STATE', 'ATTEMPTS', 'DURATION', 'MESSAGE'], ...tasks.map((t) => [t.taskKey, t.state, String(t.attemptCount), duration(t.startTime, t.endTime), t.stateMessage ?? ''])]));
      if (attempts.length) {
        process.stdout.write('\n');
        process.stdout.write(
          table([
            ['TASK', 'ATTEMPT', 'TRIGGER', 'STATE', 'EXIT', 'DURATION', 'LOG'],
            ...attempts.map((a) => [a.taskKey, String(a.attemptNumber), a.trigger, a.state, a.exitCode !== null ? String(a.exitCode) : (a.signal ?? '-'), duration(a.startTime, a.endTime), a.stdoutPath ?? '-']),
          ]),
        );
      }
    } finally {
      await ctx.close();
    }
  });

  withStore(
    jobs
      .command('logs <run_id> <task_key>')
      .description("print a task attempt's output (the latest attempt unless --attempt)")
      .option('--attempt <n>', 'attempt number')
      .option('--stderr', 'standard error instead of standard output')
      .option('--follow', 'keep printing until the attempt ends'),
  ).action(async (id: string, taskKey: string, flags: ServerFlags & { attempt?: string; stderr?: boolean; follow?: boolean }) => {
    const ctx = await open(flags);
    try {
      let offset = 0;
      for (;;) {
        const log = await ctx.pipelines.jobs.readLog(runId(id), taskKey, {
          stream: flags.stderr ? 'stderr' : 'stdout',
          offset,
          ...(flags.attempt !== undefined ? { attempt: Number(flags.attempt) } : {}),
        });
        process.stdout.write(log.text);
        offset = log.nextOffset;
        const ended = log.attempt.state !== 'QUEUED' && log.attempt.state !== 'RUNNING';
        if (!flags.follow || (ended && !log.truncated)) break;
        if (!log.truncated) await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await ctx.close();
    }
  });

  withStore(jobs.command('cancel <run_id>').description('cancel a queued or running job run')).action(async (id: string, flags: ServerFlags) => {
    const ctx = await open(flags);
    try {
      const run = await ctx.pipelines.jobs.cancel(runId(id), (await lazy()).currentUser());
      process.stdout.write(
        isTerminalJobRunState(run.state) ? `job run ${run.jobRunId} ${run.state}\n` : `cancel requested: the runner driving job run ${run.jobRunId} stops it within a second\n`,
      );
    } finally {
      await ctx.close();
    }
  });

  withStore(
    jobs
      .command('repair <run_id>')
      .description('re-run the failed tasks of a finished run (or --task ones) and their dependants, in the same run, here')
      .option('--task <task_key>', 'a task to re-run (repeatable; default: every failed or canceled task)', (v: string, p: string[]) => [...p, v], [] as string[]),
  ).action(async (id: string, flags: ServerFlags & { task: string[] }) => {
    const { currentUser, exitCodeFor, followRun } = await lazy();
    const ctx = await open(flags, true);
    try {
      const run = await ctx.pipelines.jobs.repair(runId(id), { actor: currentUser(), ...(flags.task.length ? { taskKeys: flags.task } : {}) });
      process.stdout.write(`repairing job run ${run.jobRunId} (repair ${run.repairCount})\n`);
      process.exitCode = exitCodeFor(await followRun(ctx, run.jobRunId, run.jobId));
    } finally {
      await ctx.close();
    }
  });
}
