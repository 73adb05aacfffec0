import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { constants, tmpdir, userInfo } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowApiError } from '@modelyard/sdk';
import type { Client, MlModel, RunStatus } from '@modelyard/sdk';
import { InvalidParameterError } from '../errors.js';
import { checkCommandTemplate, entryPointCommand, loggedParameters, parameterValues, pathParameters, shellWord } from '../domain/projects/entry-point-command.js';
import type { ParameterValues } from '../domain/projects/entry-point-command.js';
import { entryPointFor, parseMlProject } from '../domain/projects/mlproject.js';
import type { MlProject } from '../domain/projects/mlproject.js';
import { ENV_MANAGERS, PythonEnvironmentError, preparePythonEnvironment } from '../runtime/python/python-environment.js';
import type { EnvManager } from '../runtime/python/python-environment.js';
import { fetchProject } from './project-source.js';
import { readBackendConfig, runEntryPointOnDatabricks } from '../worker/databricks/run-command-remotely.js';

/** `mlflow run`'s backends: `local`, and `databricks` (worker/databricks: the job executor's path, one command). */
export const PROJECT_BACKENDS = ['local', 'databricks'] as const;

export interface RunProjectOptions {
  /** A folder or a Git URI, with an optional `#subdirectory`. */
  uri: string;
  entryPoint: string;
  /** `-P name=value`, in the order given (a later value for a name replaces an earlier one). */
  parameters: ReadonlyMap<string, string>;
  version?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  /** Unset: chosen from the project's environment, as MLflow does (python_env → virtualenv, conda_env → conda). */
  envManager?: EnvManager;
  backend: string;
  /** `--backend-config`: for databricks, a cluster.json file or a JSON string (MLflow's cluster spec). */
  backendConfig?: string;
  /** The interpreter `python` means in the entry point (local), or the base of a virtualenv. Unset: python on PATH. */
  python?: string;
  client: Client;
  /** Git mirrors and checkouts. */
  cacheDir: string;
  /** Built Python environments, shared with `modelyard serve` (MODELYARD_PYTHON_ENV_DIR). */
  envCacheDir: string;
  /** Progress lines (MLflow's `=== … ===` log). */
  log: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ProjectRunOutcome {
  runId: string;
  experimentId: string;
  status: RunStatus;
  /** The entry point's exit code (128 + n when a signal n ended it). */
  exitCode: number;
}

/**
 * `mlflow run` with the local backend: fetch the project, check the entry point and every
 * parameter, prepare the environment, then create the MLflow run with MLflow's project tags and
 * params, run the command with `bash -c` in the project folder (MLFLOW_RUN_ID,
 * MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID set), and end the run FINISHED or FAILED by the exit
 * code unless the code ended it itself. Everything that can be refused is refused before the run
 * is created, so a mistake leaves no run behind.
 */
export async function runProject(opts: RunProjectOptions): Promise<ProjectRunOutcome> {
  const env = opts.env ?? process.env;
  if (!(PROJECT_BACKENDS as readonly string[]).includes(opts.backend)) {
    throw new InvalidParameterError(`--backend ${opts.backend} is not available: use ${PROJECT_BACKENDS.join(' or ')}`);
  }
  if (opts.backend === 'databricks' && !opts.backendConfig) {
    throw new InvalidParameterError('--backend databricks needs --backend-config: a cluster.json file or a JSON string (a new_cluster spec, or {"existing_cluster_id": "…"})');
  }
  // Read before anything runs, so a bad cluster spec leaves no MLflow run behind.
  const databricks = opts.backend === 'databricks' ? await readBackendConfig(opts.backendConfig!, process.cwd()).catch((e: Error) => Promise.reject(new InvalidParameterError(e.message))) : undefined;
  if (opts.experimentId && opts.experimentName) throw new InvalidParameterError('give --experiment-name or --experiment-id, not both');
  if (opts.envManager !== undefined && !(ENV_MANAGERS as readonly string[]).includes(opts.envManager)) {
    throw new InvalidParameterError(`--env-manager must be one of ${ENV_MANAGERS.join(', ')}, got '${String(opts.envManager)}'`);
  }
  const fetched = await fetchProject(opts.uri, { ...(opts.version !== undefined ? { version: opts.version } : {}), cacheDir: opts.cacheDir });
  let shim: string | undefined;
  try {
    const project = await loadProject(fetched.dir);
    const entryPoint = entryPointFor(project, opts.entryPoint, { ...(env.SHELL ? { shell: env.SHELL } : {}), quote: shellWord });
    const values = parameterValues(entryPoint, opts.parameters);
    checkCommandTemplate(entryPoint);
    const command = entryPointCommand(entryPoint, withLocalPaths(values, pathParameters(entryPoint)));

    const manager = envManagerFor(project, opts.envManager);
    // On Databricks the cluster's Python runs the command; nothing is built here.
    const python: PreparedPython = databricks ? {} : await environment(project, fetched.dir, manager, opts);
    shim = python.shim;
    const experimentId = await resolveExperiment(opts, env);
    const tags: Record<string, string> = {
      // MLflow's getpass.getuser(): LOGNAME, USER, …, then the login name.
      'mlflow.user': env.LOGNAME || env.USER || loginName(),
      'mlflow.source.name': fetched.sourceName,
      'mlflow.source.type': 'PROJECT',
      'mlflow.project.entryPoint': entryPoint.name,
      'mlflow.project.backend': opts.backend,
      ...(fetched.commit ? { 'mlflow.source.git.commit': fetched.commit } : {}),
      // MLflow writes the repository URL and branch under both its current and legacy tag names.
      ...(fetched.repoUrl ? { 'mlflow.source.git.repoURL': fetched.repoUrl, 'mlflow.gitRepoURL': fetched.repoUrl } : {}),
      ...(fetched.branch ? { 'mlflow.source.git.branch': fetched.branch, 'mlflow.gitBranchName': fetched.branch } : {}),
      // As MLflow: the tag names the environment it built; with `local` it sets none.
      ...(python.tag ? { 'mlflow.project.env': python.tag } : {}),
      ...(opts.runName ? { 'mlflow.runName': opts.runName } : {}),
    };
    const run = await opts.client.tracking.createRun({ experimentId, tags, ...(opts.runName ? { runName: opts.runName } : {}) });
    const runId = run.info.runId;
    await opts.client.tracking.logBatch(runId, { params: loggedParameters(values) });
    opts.log(`=== Running command '${command}' in run with ID '${runId}' ===`);
    const mlflowEnv = { MLFLOW_RUN_ID: runId, MLFLOW_TRACKING_URI: opts.client.trackingUri, MLFLOW_EXPERIMENT_ID: experimentId };
    const exitCode = await (databricks
      ? runEntryPointOnDatabricks({ command, projectDir: fetched.dir, mlflowEnv, compute: databricks, runName: `mlflow project ${entryPoint.name} (run ${runId})`, log: opts.log })
      : runEntryPoint(command, fetched.dir, {
      ...env,
      ...(python.pathPrefix ? { PATH: `${python.pathPrefix}${delimiter}${env.PATH ?? ''}` } : {}),
      ...(python.virtualEnv ? { VIRTUAL_ENV: python.virtualEnv } : {}),
      ...mlflowEnv,
    })).catch(async (e: unknown) => {
      // The command never started: the run must not stay RUNNING.
      await opts.client.tracking.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => {});
      throw e;
    });
    // The entry point may have ended its run itself (mlflow.end_run()); MLflow then leaves it as it is.
    let status = (await opts.client.tracking.getRun(runId)).info.status;
    if (status === 'RUNNING' || status === 'SCHEDULED') {
      status = exitCode === 0 ? 'FINISHED' : 'FAILED';
      await opts.client.tracking.updateRun(runId, { status, endTime: Date.now() });
    }
    opts.log(exitCode === 0 ? `=== Run (ID '${runId}') succeeded ===` : `=== Run (ID '${runId}') failed: the entry point exited with code ${exitCode} ===`);
    return { runId, experimentId, status, exitCode };
  } finally {
    await fetched.cleanup();
    if (shim) await rm(shim, { recursive: true, force: true });
  }
}

async function loadProject(dir: string): Promise<MlProject> {
  const names = readdirSync(dir);
  // MLflow finds the file whatever its case (MLproject, mlproject…).
  const file = names.find((n) => n.toLowerCase() === 'mlproject');
  const text = file ? await readFile(join(dir, file), 'utf8') : undefined;
  try {
    return parseMlProject(text, { exists: (rel) => !isAbsolute(rel) && existsSync(resolve(dir, rel)) });
  } catch (e) {
    if (e instanceof InvalidParameterError) throw new InvalidParameterError(`${join(dir, file ?? 'MLproject')}: ${e.message}`);
    throw e;
  }
}

/**
 * `path` parameters as MLflow passes them: a local path (or file: URI) must exist and becomes
 * absolute, from the folder `projects run` was started in. MLflow downloads other URIs
 * (s3://, dbfs:/…) first; here they are refused, saying what to do.
 */
function withLocalPaths(values: ParameterValues, paths: string[]): ParameterValues {
  const declared = new Map(values.declared);
  for (const name of paths) {
    const value = declared.get(name)!;
    let local: string | undefined;
    if (/^file:/i.test(value)) local = fileURLToPath(value);
    else if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) local = value;
    if (local === undefined) {
      throw new InvalidParameterError(`parameter ${name} is a path and ${value} a remote URI: download it and pass the local path, or declare ${name} as a uri in the MLproject so the code reads it itself`);
    }
    const abs = resolve(local);
    if (!existsSync(abs)) throw new InvalidParameterError(`parameter ${name} is a path, and ${value} does not exist (${abs})`);
    declared.set(name, abs);
  }
  return { declared, extra: values.extra };
}

/** MLflow's choice when --env-manager is not given, and its refusals when it is. */
function envManagerFor(project: MlProject, chosen: EnvManager | undefined): EnvManager {
  const env = project.environment;
  if (env.kind === 'docker_env') {
    throw new InvalidParameterError(
      `the project declares docker_env (image ${env.image}), so MLflow runs it inside a Docker container; Modelyard does not start containers: ` +
        'run it with mlflow run, or give the project a python_env.yaml (or conda.yaml) to run it here',
    );
  }
  if (chosen === undefined) return env.kind === 'conda_env' ? 'conda' : 'virtualenv';
  if (env.kind === 'python_env' && chosen === 'conda') throw new InvalidParameterError("a python_env project cannot run with conda: use --env-manager virtualenv, uv or local");
  if (env.kind === 'conda_env' && (chosen === 'virtualenv' || chosen === 'uv')) {
    throw new InvalidParameterError(`the project's environment is a conda file (${env.file}): use --env-manager conda, or local to run it with the Python you have`);
  }
  return chosen;
}

interface PreparedPython {
  /** Folders put first on PATH: the environment's bin, or a shim naming --python `python`. */
  pathPrefix?: string;
  virtualEnv?: string;
  /** `mlflow.project.env`. */
  tag?: string;
  /** A temporary folder to remove after the run. */
  shim?: string;
}

/**
 * The Python the entry point's `python` runs. virtualenv, uv and conda environments are built by
 * the same code that builds a served model's (runtime/python), from the project's python_env.yaml
 * or conda.yaml, and cached by content; without network access a requirement is satisfied only
 * by what the base interpreter already has (the venv sees its site-packages).
 */
async function environment(project: MlProject, dir: string, manager: EnvManager, opts: RunProjectOptions): Promise<PreparedPython> {
  const env = project.environment;
  if (manager === 'local' || (env.kind === 'python_env' && env.file === undefined)) {
    if (manager !== 'local') opts.log(`=== The project declares no environment: running it with ${opts.python ?? 'the python on PATH'} as it is ===`);
    if (!opts.python) return {};
    // `python` and `python3` in the entry point's command mean the interpreter asked for.
    const shim = await mkdtemp(join(tmpdir(), 'modelyard-python-'));
    for (const name of ['python', 'python3']) await symlink(resolveExecutable(opts.python), join(shim, name));
    return { pathPrefix: shim, shim };
  }
  const file = env.kind === 'docker_env' ? undefined : env.file;
  // The environment builder reads a model's MLmodel; a project's environment file stands in for it.
  const mlmodel = { flavors: { python_function: { env: manager === 'conda' ? { conda: file } : { virtualenv: file } } } } as unknown as MlModel;
  opts.log(`=== Preparing the ${manager} environment of the project from ${file} ===`);
  try {
    const prepared = await preparePythonEnvironment(dir, mlmodel, { envManager: manager, python: opts.python, envCacheDir: opts.envCacheDir, onLog: (m) => opts.log(m) });
    const bin = prepared.dir ? join(prepared.dir, 'bin') : undefined;
    return { ...(bin ? { pathPrefix: bin } : {}), ...(prepared.dir ? { virtualEnv: prepared.dir } : {}), tag: manager === 'uv' ? 'virtualenv' : manager };
  } catch (e) {
    if (e instanceof PythonEnvironmentError) {
      throw new InvalidParameterError(`cannot prepare the project's ${manager} environment (${file}): ${e.message.replace(/the model's/g, "the project's").replace(/the model/g, 'the project')}`);
    }
    throw e;
  }
}

function resolveExecutable(python: string): string {
  if (python.includes('/')) return resolve(python);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, python))) return join(dir, python);
  throw new InvalidParameterError(`--python ${python} is not on PATH: pass the interpreter's path`);
}

/** MLflow's `_resolve_experiment_id`: an id as given, a name looked up or created, else the environment's, else Default (0). */
async function resolveExperiment(opts: RunProjectOptions, env: NodeJS.ProcessEnv): Promise<string> {
  if (opts.experimentId) return (await opts.client.tracking.getExperiment(opts.experimentId)).experimentId;
  const name = opts.experimentName ?? (env.MLFLOW_EXPERIMENT_ID ? undefined : env.MLFLOW_EXPERIMENT_NAME);
  if (!name) return env.MLFLOW_EXPERIMENT_ID || '0';
  try {
    return (await opts.client.tracking.getExperimentByName(name)).experimentId;
  } catch (e) {
    if (!(e instanceof MlflowApiError) || e.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw e;
    opts.log(`=== Experiment '${name}' does not exist: creating it ===`);
    return opts.client.tracking.createExperiment(name);
  }
}

/**
 * `bash -c <command>` in the project folder, output passed through. The child leads a process
 * group of its own, so Ctrl-C or a SIGTERM to `modelyard` stops everything the command started,
 * and the run then ends FAILED as MLflow's does when interrupted.
 */
function runEntryPoint(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: 'inherit', detached: true });
    const forward = (signal: NodeJS.Signals) => () => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const off = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    child.on('error', (e) => {
      off();
      fail(new InvalidParameterError(`cannot start bash to run the entry point: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      off();
      done(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
