import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import { parseParameterAssignments } from '../domain/pipelines/job-parameters.js';
import type { ProjectSpec } from '../domain/pipelines/project-model.js';
import { addServerOptions } from './deploy-command.js';
import type { DeployFlags } from './deploy-command.js';
import { addStoreOptions } from './store-options.js';
import type { ServerFlags } from './store-options.js';
import { addProjectOptions, requireValidProject } from './validate-command.js';
import type { ProjectFileFlags } from './validate-command.js';

export type PipelineCliFlags = ServerFlags & ProjectFileFlags;

type RunFlags = PipelineCliFlags & DeployFlags & { param: string[]; local?: boolean };

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * On a server (the default): deploys the project as a bundle (what `modelyard deploy` does, so
 * the server runs exactly this folder's code), runs the job there now, and follows it.
 */
async function runOnServer(spec: ProjectSpec, projectDir: string, path: string, jobKey: string, parameters: Record<string, string>, flags: RunFlags): Promise<number> {
  const { clientFor, withServer } = await import('./models/models-cli-context.js');
  const { deployProject, deployServerOf, summarizeChanges } = await import('./bundle/deploy-project.js');
  const { followJobRun, exitCodeOf } = await import('./jobs/follow-job-run.js');
  const server = deployServerOf(spec, flags.trackingUri);
  const client = clientFor({ ...flags, ...(server ? { trackingUri: server } : {}) });
  return withServer(client.trackingUri, async () => {
    const deployed = await deployProject(client, spec, projectDir, path);
    const job = deployed.result.changes.find((c) => c.kind === 'job' && c.name === jobKey && c.jobId !== undefined);
    if (!job) throw new Error(`the server did not report deploying job '${jobKey}'`);
    process.stdout.write(`bundle ${deployed.sha256.slice(0, 12)} deployed to ${client.trackingUri}: ${summarizeChanges(deployed.result.changes)}\n`);
    const run = await client.jobs.runNow(job.jobId!, parameters);
    process.stdout.write(`job run ${run.runId} of ${spec.name}/${jobKey}${spec.target ? ` (target ${spec.target})` : ''}: ${run.state}\n`);
    return exitCodeOf(await followJobRun(client, run.runId));
  });
}

/** `--local` / `--backend-store-uri`: no server; the job runs in this process against a store it opens. */
async function runHere(spec: ProjectSpec, projectDir: string, jobKey: string, parameters: Record<string, string>, flags: RunFlags): Promise<number> {
  const { currentUser, exitCodeFor, followRun, openPipelinesContext } = await import('./pipelines-cli-context.js');
  const ctx = await openPipelinesContext(flags, { project: spec, serveTracking: true });
  try {
    const deployed = await ctx.pipelines.jobs.deploy(spec, projectDir);
    const job = deployed.find((j) => j.jobKey === jobKey)!;
    const run = await ctx.pipelines.jobs.runNow(job.jobId, { parameters, actor: currentUser() });
    process.stdout.write(`job run ${run.jobRunId} of ${spec.name}/${jobKey}${spec.target ? ` (target ${spec.target})` : ''}: ${run.state}\n`);
    return exitCodeFor(await followRun(ctx, run.jobRunId, job.jobId));
  } finally {
    await ctx.close();
  }
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run <job>')
    .description('run a job of modelyard.yaml now and stream its task states: on the server (deployed as a bundle first), or here with --local')
    .option('--param <name=value>', 'override a job parameter (repeatable)', collect, [] as string[])
    .option('--local', 'run in this process with no server, on the embedded store (./.modelyard unless --data-dir / --backend-store-uri)');
  addProjectOptions(cmd);
  addServerOptions(cmd);
  addStoreOptions(cmd);
  cmd.action(async (jobKey: string, flags: RunFlags) => {
    const { spec, projectDir, path } = requireValidProject(flags);
    if (!spec.jobs[jobKey]) {
      throw new InvalidParameterError(`project ${spec.name} has no job '${jobKey}' (jobs: ${Object.keys(spec.jobs).join(', ') || 'none'})`);
    }
    const parameters = parseParameterAssignments(flags.param);
    // A target tracking to a database (sqlite:///…, postgresql://…) is run here against it, as before.
    const trackingUri = spec.workspace.trackingUri;
    const local = flags.local || flags.backendStoreUri !== undefined || (!flags.trackingUri && trackingUri !== undefined && !/^https?:\/\//i.test(trackingUri));
    if (!local && flags.dataDir !== undefined) throw new InvalidParameterError('--data-dir applies to a run here: add --local (or --backend-store-uri), or leave it out to run on the server at --tracking-uri / MLFLOW_TRACKING_URI');
    if (local) {
      process.exitCode = await runHere(spec, projectDir, jobKey, parameters, flags);
      return;
    }
    try {
      process.exitCode = await runOnServer(spec, projectDir, path, jobKey, parameters, flags);
    } catch (e) {
      // A laptop with no server running: say how to run without one.
      if (e instanceof Error && e.message.startsWith('cannot reach ')) throw new Error(`${e.message}; start one with modelyard server, or run the job here with --local`);
      throw e;
    }
  });
}
