import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MAIN = join(ROOT, 'packages/server/src/main.ts');
/** tsx by path: the CLI runs from folders outside the repository, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
/** Debian's Python: no mlflow package, so the scripts log through the REST API with urllib. */
const PYTHON = '/usr/bin/python3';

/**
 * The script of MLflow's example projects (mlflow/examples/sklearn_elasticnet_wine and the like),
 * cut to what the runner must get right: it prints its argv as JSON and logs a metric into the
 * run the runner created, found through MLFLOW_RUN_ID and MLFLOW_TRACKING_URI.
 */
const TRAIN_PY = `import json, os, sys, urllib.request
print("ARGS " + json.dumps(sys.argv[1:]))
print("ENV " + json.dumps({k: os.environ.get(k) for k in ["MLFLOW_RUN_ID", "MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID"]}))
print("PYTHON " + os.path.realpath(sys.executable))
print("PREFIX " + sys.prefix)
body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "argc", "value": len(sys.argv) - 1, "timestamp": 0, "step": 0}).encode()
req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-metric", data=body, headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
sys.exit(int(os.environ.get("EXIT_CODE", "0")))
`;

const MLPROJECT = `name: wine-elasticnet

python_env: python_env.yaml

entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      l1_ratio: {type: float, default: 1.0}
      epochs: {type: int, default: 3}
      label: {type: string, default: "quality score"}
    command: "python train.py --alpha {alpha} --l1-ratio {l1_ratio} --epochs {epochs} --label {label}"
  validate:
    parameters:
      data_file: path
      model_uri: uri
    command: "python train.py {data_file} {model_uri}"
  quoted:
    parameters:
      label: {type: string, default: plain}
    command: "python train.py \\"{label}\\""
`;

const PYTHON_ENV = `python: "3.11"
build_dependencies:
  - pip
dependencies:
  - -r requirements.txt
`;

function writeProject(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'MLproject'), MLPROJECT);
  writeFileSync(join(dir, 'python_env.yaml'), PYTHON_ENV);
  writeFileSync(join(dir, 'requirements.txt'), '');
  writeFileSync(join(dir, 'train.py'), TRAIN_PY);
  writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, MAIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const argsOf = (out: string) => JSON.parse(/^ARGS (.*)$/m.exec(out)![1]!) as string[];

describe('modelyard projects run (MLflow Projects, --env-manager local, Debian python3)', () => {
  let server: TestServer;
  let client: Client;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer();
    client = new Client({ trackingUri: server.url, maxRetries: 0 });
    work = realpathSync(mkdtempSync(join(tmpdir(), 'modelyard-projects-')));
    writeProject(join(work, 'wine'));
    env = { ...process.env, MLFLOW_TRACKING_URI: server.url, MODELYARD_PROJECTS_DIR: join(work, 'cache'), MODELYARD_PYTHON_ENV_DIR: join(work, 'envs') };
    for (const k of ['MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME', 'MODELYARD_TRACKING_URI', 'NODE_OPTIONS']) delete env[k];
  });

  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const runsOf = async (experimentId: string) => (await client.tracking.searchRuns([experimentId])).items;

  it('runs the main entry point with typed parameters, defaults, an undeclared parameter and MLflow tags', async () => {
    const r = await cli(
      ['projects', 'run', 'wine', '--env-manager', 'local', '--python', PYTHON, '-P', 'alpha=0.25', '-P', 'label=it\'s good; rm -rf /', '-P', 'extra-flag=x y', '--experiment-name', 'wine', '--run-name', 'first'],
      { cwd: work, env },
    );
    expect(r.code, r.stderr).toBe(0);
    // Every value arrives as one argument, whatever shell characters it holds; declared defaults
    // are Python's str() of the YAML value (1.0, not 1); the undeclared parameter comes last.
    expect(argsOf(r.stdout)).toEqual(['--alpha', '0.25', '--l1-ratio', '1.0', '--epochs', '3', '--label', "it's good; rm -rf /", '--extra-flag', 'x y']);
    expect(r.stdout).toContain(`PYTHON ${realpathSync(PYTHON)}`);
    const childEnv = JSON.parse(/^ENV (.*)$/m.exec(r.stdout)![1]!) as Record<string, string>;
    const experiment = await client.tracking.getExperimentByName('wine');
    expect(childEnv.MLFLOW_EXPERIMENT_ID).toBe(experiment.experimentId);
    expect(childEnv.MLFLOW_TRACKING_URI).toBe(server.url);
    const run = await client.tracking.getRun(childEnv.MLFLOW_RUN_ID!);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.runName).toBe('first');
    expect(run.data.metrics.argc).toBe(10);
    expect(run.data.tags).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.source.name': join(work, 'wine'),
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.backend': 'local',
      'mlflow.runName': 'first',
    });
    // MLflow tags the environment it built; `local` builds none.
    expect(run.data.tags['mlflow.project.env']).toBeUndefined();
    // Logged as MLflow logs them: each value as the shell word it substituted.
    expect(run.data.params).toEqual({ alpha: '0.25', l1_ratio: '1.0', epochs: '3', label: `'it'\\''s good; rm -rf /'`, 'extra-flag': "'x y'" });
    expect(r.stdout).toContain(`MLflow run ${run.info.runId}`);
  });

  it('ends the run FAILED with the exit code of the entry point', async () => {
    const r = await cli(['projects', 'run', 'wine', '--env-manager', 'local', '--python', PYTHON, '--experiment-name', 'wine-failing'], { cwd: work, env: { ...env, EXIT_CODE: '3' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^modelyard: run \w+ failed: the entry point exited with code 3$/m);
    const [run] = await runsOf((await client.tracking.getExperimentByName('wine-failing')).experimentId);
    expect(run!.info.status).toBe('FAILED');
  });

  it('refuses a bad parameter type, a missing parameter, a missing path and an unsafe placement before anything runs', async () => {
    const experimentId = await client.tracking.createExperiment('wine-refused');
    const cases: Array<[string[], RegExp]> = [
      [['-P', 'alpha=lots'], /^modelyard: .*-P alpha=lots is not a number, and alpha is a float$/m],
      [['-P', 'epochs=2.5'], /-P epochs=2\.5 is not a whole number, and epochs is an int/],
      [['-e', 'validate', '-P', 'data_file=data.csv'], /needs a value for 'model_uri', which has no default: pass -P model_uri=…/],
      [['-e', 'validate', '-P', 'data_file=nope.csv', '-P', 'model_uri=runs:/x/model'], /parameter data_file is a path, and nope\.csv does not exist/],
      [['-e', 'validate', '-P', 'data_file=data.csv', '-P', 'model_uri=model'], /-P model_uri=model is not a URI/],
      [['-e', 'quoted', '-P', 'label=$(touch pwned)'], /\{label\} is inside double quotes in the command of entry point 'quoted'/],
      [['-e', 'nope'], /has no entry point 'nope' \(entry points: main, validate, quoted\)/],
      [['-P', 'bad;name=1'], /a parameter the entry point does not declare is passed as --bad;name/],
    ];
    for (const [args, message] of cases) {
      // Run from the project's folder: a relative path parameter resolves from where the command runs.
      const r = await cli(['projects', 'run', '.', '--env-manager', 'local', '--python', PYTHON, '--experiment-id', experimentId, ...args], { cwd: join(work, 'wine'), env });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).not.toContain('ARGS');
    }
    expect(await runsOf(experimentId)).toEqual([]);
  }, 120_000);

  it('passes a path parameter as an absolute path and a safe value inside quotes unchanged', async () => {
    const r = await cli(['projects', 'run', '.', '-e', 'validate', '--env-manager', 'local', '--python', PYTHON, '-P', 'data_file=data.csv', '-P', 'model_uri=models:/wine/1'], { cwd: join(work, 'wine'), env });
    expect(r.code, r.stderr).toBe(0);
    expect(argsOf(r.stdout)).toEqual([join(work, 'wine', 'data.csv'), 'models:/wine/1']);
    const q = await cli(['projects', 'run', '.', '-e', 'quoted', '--env-manager', 'local', '--python', PYTHON, '-P', 'label=v1.2'], { cwd: join(work, 'wine'), env });
    expect(q.code, q.stderr).toBe(0);
    expect(argsOf(q.stdout)).toEqual(['v1.2']);
  });

  it('runs a Git repository at a --version, from its #subdirectory, with the Git tags', async () => {
    const src = join(work, 'src-repo');
    writeProject(join(src, 'projects', 'wine'));
    git(['init', '-q', '-b', 'main'], src);
    git(['add', '.'], src);
    git(['commit', '-q', '-m', 'first'], src);
    const first = git(['rev-parse', 'HEAD'], src);
    git(['checkout', '-q', '-b', 'tuned'], src);
    writeFileSync(join(src, 'projects', 'wine', 'MLproject'), MLPROJECT.replace('default: 0.5', 'default: 0.75'));
    git(['commit', '-q', '-am', 'tuned alpha'], src);
    const tuned = git(['rev-parse', 'HEAD'], src);
    const bare = join(work, 'wine.git');
    git(['clone', '-q', '--bare', src, bare], work);
    const uri = `file://${bare}#projects/wine`;

    const atBranch = await cli(['projects', 'run', uri, '--version', 'tuned', '--env-manager', 'local', '--python', PYTHON, '--experiment-name', 'wine-git'], { cwd: work, env });
    expect(atBranch.code, atBranch.stderr).toBe(0);
    expect(argsOf(atBranch.stdout).slice(0, 2)).toEqual(['--alpha', '0.75']);
    const atCommit = await cli(['projects', 'run', uri, '--version', first, '--env-manager', 'local', '--python', PYTHON, '--experiment-name', 'wine-git'], { cwd: work, env });
    expect(atCommit.code, atCommit.stderr).toBe(0);
    expect(argsOf(atCommit.stdout).slice(0, 2)).toEqual(['--alpha', '0.5']);

    const runs = await runsOf((await client.tracking.getExperimentByName('wine-git')).experimentId);
    const byCommit = new Map(runs.map((r) => [r.data.tags['mlflow.source.git.commit'], r]));
    expect(byCommit.get(tuned)!.data.tags).toMatchObject({
      'mlflow.source.name': uri,
      'mlflow.source.type': 'PROJECT',
      'mlflow.gitRepoURL': `file://${bare}`,
      'mlflow.source.git.repoURL': `file://${bare}`,
      'mlflow.source.git.branch': 'tuned',
      'mlflow.project.entryPoint': 'main',
    });
    // A commit is not a branch: no branch tag, as in MLflow.
    expect(byCommit.get(first)!.data.tags['mlflow.source.git.branch']).toBeUndefined();

    // A local folder inside a Git work tree: named as MLflow names it, with the work tree's commit.
    const local = await cli(['projects', 'run', join(src, 'projects', 'wine'), '--env-manager', 'local', '--python', PYTHON, '--experiment-name', 'wine-local-git'], { cwd: work, env });
    expect(local.code, local.stderr).toBe(0);
    const [localRun] = await runsOf((await client.tracking.getExperimentByName('wine-local-git')).experimentId);
    expect(localRun!.data.tags).toMatchObject({ 'mlflow.source.name': `file://${src}#projects/wine`, 'mlflow.source.git.commit': tuned });
    expect(localRun!.data.tags['mlflow.gitRepoURL']).toBeUndefined();

    const unknown = await cli(['projects', 'run', uri, '--version', 'no-such-ref', '--env-manager', 'local'], { cwd: work, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^modelyard: version 'no-such-ref' is not a branch, tag or commit of file:\/\/.*wine\.git: pass one it has to --version$/m);
  }, 120_000);

  it('runs a python_env project in a virtualenv by default, built offline from what the base Python has', async () => {
    const dir = join(work, 'venv-project');
    writeProject(dir);
    // pip is in Debian's python3: satisfied from the base's site-packages, nothing downloaded.
    writeFileSync(join(dir, 'requirements.txt'), 'pip\n');
    const r = await cli(['projects', 'run', dir, '--python', PYTHON, '--experiment-name', 'wine-venv'], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`PREFIX ${join(work, 'envs')}/virtualenv-`);
    const [run] = await runsOf((await client.tracking.getExperimentByName('wine-venv')).experimentId);
    expect(run!.data.tags['mlflow.project.env']).toBe('virtualenv');
    expect(run!.info.status).toBe('FINISHED');

    writeFileSync(join(dir, 'requirements.txt'), 'no-such-package-modelyard-test==1.0\n');
    const refused = await cli(['projects', 'run', dir, '--python', PYTHON, '--experiment-name', 'wine-venv'], { cwd: work, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^modelyard: cannot prepare the project's virtualenv environment \(python_env\.yaml\): cannot install the project's requirements \(no-such-package-modelyard-test==1\.0\)/m);
    expect(await runsOf(run!.info.experimentId)).toHaveLength(1);
  }, 120_000);

  it('refuses conda and docker environments it cannot make, naming what is missing', async () => {
    const docker = join(work, 'docker-project');
    mkdirSync(docker);
    writeFileSync(join(docker, 'MLproject'), 'name: d\ndocker_env:\n  image: python:3.11\nentry_points:\n  main:\n    command: python train.py\n');
    const d = await cli(['projects', 'run', docker], { cwd: work, env });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/declares docker_env \(image python:3\.11\).*Modelyard does not start containers/);
    const conda = join(work, 'conda-project');
    mkdirSync(conda);
    writeFileSync(join(conda, 'MLproject'), 'name: c\nconda_env: conda.yaml\nentry_points:\n  main:\n    command: python train.py\n');
    writeFileSync(join(conda, 'conda.yaml'), 'name: c\ndependencies:\n  - python=3.11\n');
    const c = await cli(['projects', 'run', conda], { cwd: work, env: { ...env, CONDA_EXE: join(work, 'no-conda') } });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/needs the conda command/);
  });
});
