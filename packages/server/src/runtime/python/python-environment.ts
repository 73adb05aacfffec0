import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import YAML from 'yaml';
import type { MlModel } from '@modelyard/sdk';

/** MLflow's `--env-manager` choices. */
export const ENV_MANAGERS = ['local', 'virtualenv', 'uv', 'conda'] as const;
export type EnvManager = (typeof ENV_MANAGERS)[number];

export interface PythonEnvironmentOptions {
  envManager: EnvManager;
  /** `local`: the interpreter to run; `virtualenv`: the base interpreter of the environment. Default `python3` on PATH. */
  python?: string | undefined;
  /** Where built environments are kept, one folder per environment hash. */
  envCacheDir: string;
  /** Progress and warnings while an environment is built. */
  onLog?: ((message: string) => void) | undefined;
}

export interface PythonEnvironment {
  /** The interpreter the workers run. */
  python: string;
  manager: EnvManager;
  /** The built environment's folder (not for `local`). */
  dir?: string;
}

/** The model's environment cannot be made here; the message names what is missing and what to do. */
export class PythonEnvironmentError extends Error {}

/** Longest a build may wait for another process building the same environment. */
const LOCK_WAIT_MS = 15 * 60_000;

/** What an environment is made of, as MLflow's `python_env.yaml` says it. */
interface EnvSpec {
  python?: string;
  buildDependencies: string[];
  /** pip arguments: requirement specifiers, `-r <absolute path>`… */
  dependencies: string[];
  /** What the hash covers: the requirement files' contents rather than their paths. */
  fingerprint: string[];
}

/**
 * Makes the Python environment a model runs in, as MLflow's `--env-manager` does: `local` runs
 * the given interpreter as it is; `virtualenv` builds a venv from the model's `python_env.yaml`
 * (or its `requirements.txt`), `uv` the same with uv, `conda` from its `conda.yaml`. Built
 * environments are cached by the hash of what they are made of, so every version of a model with
 * the same requirements reuses one.
 *
 * A venv is made with `--system-site-packages`: what the base interpreter already has (Debian's
 * python3-sklearn, say) satisfies a requirement without a download, and a requirement pinned to
 * another version is installed into the venv, where it shadows the base's copy.
 */
export async function preparePythonEnvironment(modelDir: string, mlmodel: MlModel, opts: PythonEnvironmentOptions): Promise<PythonEnvironment> {
  const base = opts.python ?? 'python3';
  if (opts.envManager === 'local') return { python: base, manager: 'local' };
  if (opts.envManager === 'conda') return condaEnvironment(modelDir, mlmodel, opts);
  const spec = await virtualenvSpec(modelDir, mlmodel);
  const baseVersion = opts.envManager === 'virtualenv' ? await pythonVersion(base) : undefined;
  if (baseVersion && spec.python && majorMinor(spec.python) !== majorMinor(baseVersion)) {
    throw new PythonEnvironmentError(
      `the model's environment needs Python ${spec.python} (python_env.yaml) and ${base} is Python ${baseVersion}; ` +
        `pass --python with a Python ${majorMinor(spec.python)} interpreter (Modelyard does not download Python), or use --env-manager local to run the model with ${base} as it is`,
    );
  }
  const hash = createHash('sha256')
    .update(JSON.stringify({ manager: opts.envManager, python: spec.python ? majorMinor(spec.python) : baseVersion, base, build: spec.buildDependencies, deps: spec.fingerprint }))
    .digest('hex')
    .slice(0, 20);
  const dir = join(opts.envCacheDir, `${opts.envManager}-${hash}`);
  const python = join(dir, 'bin', 'python');
  await buildOnce(dir, opts, async () => {
    if (opts.envManager === 'uv') await buildWithUv(dir, base, spec, opts);
    else await buildVirtualenv(dir, base, spec, opts);
  });
  return { python, manager: opts.envManager, dir };
}

/**
 * A file the MLmodel or python_env.yaml names, inside the model folder: a name such as
 * `../../etc/x` would have this process read (and quote in its errors) a file the model does not own.
 */
function modelFile(modelDir: string, name: string, field: string): string {
  const root = realpathOrSelf(resolve(modelDir));
  const path = resolve(root, name);
  const real = realpathOrSelf(path);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  if (!inside(path) || !inside(real)) {
    throw new PythonEnvironmentError(`${field} names ${JSON.stringify(name.slice(0, 200))}, which is outside the model folder; a model's environment files must be inside it`);
  }
  return path;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

async function virtualenvSpec(modelDir: string, mlmodel: MlModel): Promise<EnvSpec> {
  const pyfunc = mlmodel.flavors.python_function ?? {};
  const env = pyfunc.env as { virtualenv?: string } | string | undefined;
  const envFile = modelFile(modelDir, typeof env === 'object' && env?.virtualenv ? env.virtualenv : 'python_env.yaml', 'python_function env.virtualenv');
  if (existsSync(envFile)) {
    const doc = (YAML.parse(await readFile(envFile, 'utf8')) ?? {}) as { python?: unknown; build_dependencies?: unknown; dependencies?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const { dependencies, fingerprint } = await expandRequirements(modelDir, list(doc.dependencies));
    return { ...(doc.python ? { python: String(doc.python) } : {}), buildDependencies: list(doc.build_dependencies), dependencies, fingerprint };
  }
  const requirements = join(modelDir, 'requirements.txt');
  if (!existsSync(requirements)) {
    throw new PythonEnvironmentError(`the model folder has neither python_env.yaml nor requirements.txt, so its environment is unknown; use --env-manager local with an interpreter that has what the model needs`);
  }
  const { dependencies, fingerprint } = await expandRequirements(modelDir, ['-r requirements.txt']);
  const pythonVersionOfModel = pyfunc.python_version;
  return { ...(pythonVersionOfModel ? { python: String(pythonVersionOfModel) } : {}), buildDependencies: [], dependencies, fingerprint };
}

/** `-r file` entries point into the model folder: pip gets the absolute path, the hash the file's requirements. */
async function expandRequirements(modelDir: string, deps: string[]): Promise<{ dependencies: string[]; fingerprint: string[] }> {
  const dependencies: string[] = [];
  const fingerprint: string[] = [];
  for (const dep of deps) {
    const m = /^-r\s*(.+)$/.exec(dep.trim());
    if (!m) {
      dependencies.push(dep.trim());
      fingerprint.push(dep.trim());
      continue;
    }
    const file = modelFile(modelDir, m[1]!.trim(), `the requirement '-r ${m[1]!.trim().slice(0, 200)}'`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new PythonEnvironmentError(`python_env.yaml lists '${dep}', and the model folder has no ${m[1]!.trim()}`);
    }
    dependencies.push('-r', file);
    fingerprint.push(...text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));
  }
  return { dependencies, fingerprint };
}

async function buildVirtualenv(dir: string, base: string, spec: EnvSpec, opts: PythonEnvironmentOptions): Promise<void> {
  opts.onLog?.(`building the model's virtualenv in ${dir} from ${base}`);
  await run(base, ['-m', 'venv', '--system-site-packages', '--without-pip', dir], `create a virtualenv with ${base} -m venv (Debian: python3-venv)`);
  const python = join(dir, 'bin', 'python');
  // Without pip of its own, the venv uses the base interpreter's (installing into the venv);
  // only a base without pip needs ensurepip, which copies a bundled pip in (seconds).
  if ((await exec(python, ['-m', 'pip', '--version'])).code !== 0) await run(python, ['-m', 'ensurepip', '--default-pip'], 'install pip into the virtualenv (ensurepip)');
  await pipInstall(python, spec, opts, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input']);
}

async function buildWithUv(dir: string, base: string, spec: EnvSpec, opts: PythonEnvironmentOptions): Promise<void> {
  const uv = process.env.UV ?? 'uv';
  if ((await exec(uv, ['--version'])).code !== 0) {
    throw new PythonEnvironmentError(`--env-manager uv needs the uv command, and '${uv}' cannot be run; install uv, or use --env-manager virtualenv (python -m venv) or local`);
  }
  opts.onLog?.(`building the model's environment with uv in ${dir}`);
  await run(uv, ['venv', '--system-site-packages', '--python', spec.python ?? base, dir], `create the environment with uv venv (Python ${spec.python ?? base})`);
  const python = join(dir, 'bin', 'python');
  await pipInstall(uv, spec, opts, ['pip', 'install', '--python', python]);
}

/**
 * Build dependencies (pip, setuptools, wheel pins from the machine that logged the model) only
 * shape how the environment is built: when they cannot be installed the build goes on with what
 * the environment has, saying so. The model's own dependencies must install.
 */
async function pipInstall(cmd: string, spec: EnvSpec, opts: PythonEnvironmentOptions, prefix: string[]): Promise<void> {
  if (spec.buildDependencies.length > 0) {
    const r = await exec(cmd, [...prefix, ...spec.buildDependencies]);
    if (r.code !== 0) opts.onLog?.(`could not install the build dependencies ${spec.buildDependencies.join(' ')}; building with the installer the environment has. ${pipErrors(r.output)}`);
  }
  if (spec.dependencies.length === 0) return;
  const r = await exec(cmd, [...prefix, ...spec.dependencies]);
  if (r.code !== 0) {
    throw new PythonEnvironmentError(
      `cannot install the model's requirements (${spec.fingerprint.join(', ')}): ${pipErrors(r.output)}. ` +
        `Make the missing packages installable (pip's index or find-links in its config), or use --env-manager local with an interpreter that has them`,
    );
  }
}

async function condaEnvironment(modelDir: string, mlmodel: MlModel, opts: PythonEnvironmentOptions): Promise<PythonEnvironment> {
  const pyfunc = mlmodel.flavors.python_function ?? {};
  const env = pyfunc.env as { conda?: string } | string | undefined;
  const file = modelFile(modelDir, typeof env === 'string' ? env : (env?.conda ?? 'conda.yaml'), 'python_function env.conda');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PythonEnvironmentError(`--env-manager conda needs the model's conda.yaml, and the model folder has none; use --env-manager virtualenv or local`);
  }
  const conda = process.env.CONDA_EXE ?? 'conda';
  if ((await exec(conda, ['--version'])).code !== 0) {
    throw new PythonEnvironmentError(`--env-manager conda needs the conda command, and '${conda}' cannot be run (set CONDA_EXE or put conda on PATH); or use --env-manager virtualenv or local`);
  }
  const hash = createHash('sha256').update(JSON.stringify({ manager: 'conda', conda: text })).digest('hex').slice(0, 20);
  const dir = join(opts.envCacheDir, `conda-${hash}`);
  await buildOnce(dir, opts, async () => {
    opts.onLog?.(`building the model's conda environment in ${dir}`);
    await run(conda, ['env', 'create', '--prefix', dir, '--file', file], `create the conda environment from ${file}`);
  });
  return { python: join(dir, 'bin', 'python'), manager: 'conda', dir };
}

const READY = '.modelyard-env-ready';

/**
 * Builds `dir` unless a finished build is there. A lock folder beside it keeps two processes
 * from building the same environment at once; the loser waits and reuses the winner's. A failed
 * build leaves nothing behind, so the next try starts clean.
 */
async function buildOnce(dir: string, opts: PythonEnvironmentOptions, build: () => Promise<void>): Promise<void> {
  if (existsSync(join(dir, READY))) return;
  await mkdir(opts.envCacheDir, { recursive: true });
  const lock = `${dir}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (existsSync(join(dir, READY))) return;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_WAIT_MS) await rm(lock, { recursive: true, force: true });
      else if (Date.now() - started > LOCK_WAIT_MS) throw new PythonEnvironmentError(`another process has been building ${dir} for over ${LOCK_WAIT_MS / 60_000} minutes; remove ${lock} if it died`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(join(dir, READY))) return;
    await rm(dir, { recursive: true, force: true });
    try {
      await build();
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    await writeFile(join(dir, READY), new Date().toISOString());
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export async function pythonVersion(python: string): Promise<string> {
  const r = await exec(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  if (r.code !== 0) throw new PythonEnvironmentError(`cannot run the Python interpreter '${python}' (${r.output.trim().slice(-300) || `exit ${r.code}`}); pass --python with the path of one`);
  return r.output.trim();
}

function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** pip's ERROR lines (what could not be found), else its last words. */
function pipErrors(output: string): string {
  const errors = output.split('\n').filter((l) => /^ERROR:/.test(l.trim()));
  return (errors.length > 0 ? errors.join(' ') : output.trim().split('\n').slice(-3).join(' ')).slice(0, 1500);
}

async function run(cmd: string, args: string[], what: string): Promise<void> {
  const r = await exec(cmd, args);
  if (r.code !== 0) throw new PythonEnvironmentError(`could not ${what}: ${r.output.trim().slice(-1000) || `exit ${r.code}`}`);
}

/** Runs a command without a shell; code -1 when it cannot start (ENOENT). */
function exec(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ code: -1, output: e.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
