import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../errors.js';
import { clientFor, withServer } from './models/models-cli-context.js';

interface ProjectsRunFlags {
  entryPoint: string;
  param: string[];
  version?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: string;
  backend: string;
  backendConfig?: string;
  python?: string;
  trackingUri?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `-P a=1 -P b=x=y` → a Map in the order given; the first `=` splits, as in MLflow's `_user_args_to_dict`. */
export function parseProjectParameters(assignments: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new InvalidParameterError(`-P '${a}' must be written name=value`);
    const name = a.slice(0, eq);
    // MLflow refuses a parameter given twice rather than pick one.
    if (out.has(name)) throw new InvalidParameterError(`-P ${name} is given twice: keep one`);
    out.set(name, a.slice(eq + 1));
  }
  return out;
}

/**
 * `modelyard projects run`: MLflow's `mlflow run`, logging to the tracking server of
 * MLFLOW_TRACKING_URI (or --tracking-uri). Git checkouts are cached under
 * ~/.modelyard/projects (MODELYARD_PROJECTS_DIR), built environments under
 * ~/.modelyard/python-envs (MODELYARD_PYTHON_ENV_DIR), shared with `modelyard serve`.
 */
export function registerProjectsCommand(program: Command): void {
  const projects = program.command('projects').description('MLflow Projects: run an MLproject folder or Git repository as `mlflow run` does');
  projects
    .command('run <uri>')
    .description('run an entry point of a project (a folder, or a Git URI with an optional #subdirectory) in a new MLflow run')
    .option('-e, --entry-point <name>', 'entry point of the MLproject, or a .py / .sh file of the project', 'main')
    .option('-P, --param <name=value>', 'a parameter of the entry point (repeatable); undeclared ones are passed as --name value', collect, [] as string[])
    .option('-v, --version <ref>', 'Git branch, tag or commit to check out (Git URIs only)')
    .option('--experiment-name <name>', 'experiment of the run (created when missing)')
    .option('--experiment-id <id>', 'experiment of the run')
    .option('--run-name <name>', 'name of the MLflow run')
    .option('--env-manager <manager>', 'local, virtualenv, uv or conda (default: virtualenv for a python_env project, conda for a conda_env one)')
    .option('-b, --backend <backend>', 'where the entry point runs: local, or databricks (credentials as the Databricks SDK reads them)', 'local')
    .option('-c, --backend-config <json>', 'databricks: a cluster.json file or JSON string (a new_cluster spec, or {"existing_cluster_id": …})')
    .option('--python <path>', 'the interpreter `python` means (local), or the base of the virtualenv (default: python on PATH)')
    .option('--tracking-uri <uri>', 'tracking server (default: MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)')
    .action(async (uri: string, flags: ProjectsRunFlags) => {
      const parameters = parseProjectParameters(flags.param);
      const client = clientFor({ ...(flags.trackingUri ? { trackingUri: flags.trackingUri } : {}) });
      const { runProject } = await import('../projects/run-project.js');
      const outcome = await withServer(client.trackingUri, () =>
        runProject({
          uri,
          entryPoint: flags.entryPoint,
          parameters,
          ...(flags.version !== undefined ? { version: flags.version } : {}),
          ...(flags.experimentName ? { experimentName: flags.experimentName } : {}),
          ...(flags.experimentId ? { experimentId: flags.experimentId } : {}),
          ...(flags.runName ? { runName: flags.runName } : {}),
          ...(flags.envManager ? { envManager: flags.envManager as never } : {}),
          backend: flags.backend,
          ...(flags.backendConfig ? { backendConfig: flags.backendConfig } : {}),
          ...(flags.python ? { python: flags.python } : {}),
          client,
          cacheDir: process.env.MODELYARD_PROJECTS_DIR || join(homedir(), '.modelyard', 'projects'),
          envCacheDir: process.env.MODELYARD_PYTHON_ENV_DIR || join(homedir(), '.modelyard', 'python-envs'),
          log: (m) => process.stderr.write(`${m}\n`),
        }),
      );
      process.stdout.write(`MLflow run ${outcome.runId} (experiment ${outcome.experimentId}): ${outcome.status}\n`);
      // The entry point's own exit code, so a CI step fails as the script did.
      if (outcome.exitCode !== 0) {
        process.stderr.write(`modelyard: run ${outcome.runId} failed: the entry point exited with code ${outcome.exitCode}\n`);
        process.exitCode = outcome.exitCode > 255 ? 1 : outcome.exitCode;
      }
    });
}
