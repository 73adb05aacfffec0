import type { Command } from 'commander';
import { clientFor, printJson, withServer } from './models/models-cli-context.js';
import { addProjectOptions, requireValidProject } from './validate-command.js';
import type { ProjectFileFlags } from './validate-command.js';

export interface DeployFlags extends ProjectFileFlags {
  trackingUri?: string;
  user?: string;
  json?: boolean;
}

export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--tracking-uri <uri>', "the Modelyard server (default: the target's workspace.tracking_uri, else MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)")
    .option('--user <name>', 'who the audit trail credits (default: MODELYARD_USER, else your login name)');
}

/** `modelyard deploy` (and `jobs deploy` without --backend-store-uri): pack, upload, deploy, print the changes. */
export async function deployCommand(flags: DeployFlags): Promise<void> {
  const { spec, projectDir, path } = requireValidProject(flags);
  const { deployProject, deployServerOf, describeChange, summarizeChanges } = await import('./bundle/deploy-project.js');
  const server = deployServerOf(spec, flags.trackingUri);
  const client = clientFor({ ...flags, ...(server ? { trackingUri: server } : {}) });
  const deployed = await withServer(client.trackingUri, () => deployProject(client, spec, projectDir, path));
  if (flags.json) {
    printJson({ ...deployed.result, fileCount: deployed.fileCount, sizeBytes: deployed.sizeBytes, uploaded: deployed.uploaded });
    return;
  }
  const { result } = deployed;
  process.stdout.write(
    `bundle ${deployed.sha256.slice(0, 12)} (${deployed.fileCount} files, ${deployed.sizeBytes} bytes) ${deployed.uploaded ? 'uploaded to' : 'already on'} ${client.trackingUri}\n`,
  );
  for (const c of result.changes) process.stdout.write(`${describeChange(c)}\n`);
  process.stdout.write(`deployed ${result.project}${result.target ? ` (target ${result.target})` : ''}: ${summarizeChanges(result.changes)}\n`);
}

/** `modelyard deploy [-t target]` and `modelyard destroy [-t target]`, over HTTP. */
export function registerDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description(
      "pack the project folder (less .gitignore'd files and sync.exclude) into a bundle, upload it to the server and create, update or remove " +
        "the target's jobs, schedules, registered models and serving endpoints to match modelyard.yaml; job runs execute that bundle",
    )
    .option('--json', 'print JSON instead of text');
  addServerOptions(addProjectOptions(deploy)).action((flags: DeployFlags) => deployCommand(flags));

  const destroy = program
    .command('destroy')
    .description("remove what the target deployed: its jobs (with their runs), serving endpoints, and registered models that hold no versions")
    .option('--json', 'print JSON instead of text');
  addServerOptions(addProjectOptions(destroy)).action(async (flags: DeployFlags) => {
    const { spec } = requireValidProject(flags);
    const { deployServerOf, describeChange, summarizeChanges } = await import('./bundle/deploy-project.js');
    const server = deployServerOf(spec, flags.trackingUri);
    const client = clientFor({ ...flags, ...(server ? { trackingUri: server } : {}) });
    const result = await withServer(client.trackingUri, () => client.bundles.destroy({ project: spec.name, ...(spec.target !== undefined ? { target: spec.target } : {}) }));
    if (flags.json) {
      printJson(result);
      return;
    }
    for (const c of result.changes) process.stdout.write(`${describeChange(c)}\n`);
    process.stdout.write(`destroyed ${result.project}${result.target ? ` (target ${result.target})` : ''}: ${summarizeChanges(result.changes)}\n`);
  });
}
