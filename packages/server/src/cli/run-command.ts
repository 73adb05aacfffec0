import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import { parseParameterAssignments } from '../domain/pipelines/job-parameters.js';
import { addStoreOptions } from './store-options.js';
import type { ServerFlags } from './store-options.js';
import { addProjectOptions, requireValidProject } from './validate-command.js';
import type { ProjectFileFlags } from './validate-command.js';

export type PipelineCliFlags = ServerFlags & ProjectFileFlags;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run <job>')
    .description('run a job of modelyard.yaml now, in this process, and stream its task states')
    .option('--param <name=value>', 'override a job parameter (repeatable)', collect, [] as string[]);
  addProjectOptions(cmd);
  addStoreOptions(cmd);
  cmd.action(async (jobKey: string, flags: PipelineCliFlags & { param: string[] }) => {
    const { spec, projectDir } = requireValidProject(flags);
    if (!spec.jobs[jobKey]) {
      throw new InvalidParameterError(`project ${spec.name} has no job '${jobKey}' (jobs: ${Object.keys(spec.jobs).join(', ') || 'none'})`);
    }
    const parameters = parseParameterAssignments(flags.param);
    const { currentUser, exitCodeFor, followRun, openPipelinesContext } = await import('./pipelines-cli-context.js');
    const ctx = await openPipelinesContext(flags, { project: spec, serveTracking: true });
    try {
      const deployed = await ctx.pipelines.jobs.deploy(spec, projectDir);
      const job = deployed.find((j) => j.jobKey === jobKey)!;
      const run = await ctx.pipelines.jobs.runNow(job.jobId, { parameters, actor: currentUser() });
      process.stdout.write(`job run ${run.jobRunId} of ${spec.name}/${jobKey}${spec.target ? ` (target ${spec.target})` : ''}: ${run.state}\n`);
      const state = await followRun(ctx, run.jobRunId, job.jobId);
      process.exitCode = exitCodeFor(state);
    } finally {
      await ctx.close();
    }
  });
}
