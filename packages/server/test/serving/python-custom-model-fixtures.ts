import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_PYTHON } from './python-model-fixtures.js';

/**
 * A custom python_function model in the shape `mlflow.pyfunc.save_model(path, loader_module=…,
 * data_path=…, code_paths=[…])` writes (MLflow's custom-loader models): `MLmodel` with a
 * python_function flavor naming `loader_module`, `data` and `code`; the module in `code/`; its
 * parameters in `data/params.json`, which `_load_pyfunc(<model>/data)` reads. No mlflow needed.
 *
 * `predict` answers `x * scale + offset`, plus 10 where `group` is "b". Two hooks let tests kill
 * workers: a row with `x == 666` makes the worker SIGKILL itself (a poison row, every time); and
 * when `<model>/hang-once` exists, the first worker to predict removes it, writes its pid to
 * `<model>/hung.pid` and sleeps a minute (for a test to kill it mid-batch).
 */
export function writeAffineModel(dir: string, params: { scale: number; offset: number }): string {
  mkdirSync(join(dir, 'code'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'params.json'), JSON.stringify(params) + '\n');
  writeFileSync(
    join(dir, 'code', 'affine_model.py'),
    [
      'import json, os, signal, time',
      '',
      'class AffineModel:',
      '    def __init__(self, data_path):',
      '        with open(os.path.join(data_path, "params.json")) as f:',
      '            p = json.load(f)',
      '        self.scale, self.offset = p["scale"], p["offset"]',
      '        self.root = os.path.dirname(os.path.abspath(data_path))',
      '',
      '    def predict(self, df):',
      '        if (df["x"] == 666).any():',
      '            os.kill(os.getpid(), signal.SIGKILL)',
      '        try:',
      '            os.remove(os.path.join(self.root, "hang-once"))',
      '        except FileNotFoundError:',
      '            pass',
      '        else:',
      '            tmp = os.path.join(self.root, "hung.pid.tmp")',
      '            with open(tmp, "w") as f:',
      '                f.write(str(os.getpid()))',
      '            os.rename(tmp, os.path.join(self.root, "hung.pid"))',
      '            time.sleep(60)',
      '        return df["x"] * self.scale + self.offset + (df["group"] == "b") * 10',
      '',
      'def _load_pyfunc(data_path):',
      '    return AffineModel(data_path)',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'MLmodel'),
    [
      'artifact_path: model',
      'flavors:',
      '  python_function:',
      '    code: code',
      '    data: data',
      '    env:',
      '      conda: conda.yaml',
      '      virtualenv: python_env.yaml',
      '    loader_module: affine_model',
      '    python_version: 3.11.2',
      'mlflow_version: 2.9.2',
      'model_uuid: 0d9a3c1e5b7f4e2a9c8d7b6a5f4e3d2c',
      'signature:',
      `  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "group", "required": true}]'`,
      `  outputs: '[{"type": "double", "required": true}]'`,
      '  params: null',
      "utc_time_created: '2026-01-01 00:00:00.000000'",
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'requirements.txt'), 'pandas\n');
  writeFileSync(join(dir, 'python_env.yaml'), 'python: 3.11.2\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n');
  writeFileSync(join(dir, 'conda.yaml'), 'channels:\n  - conda-forge\ndependencies:\n  - python=3.11.2\n  - pip\n  - pip:\n    - pandas\nname: mlflow-env\n');
  return dir;
}

/** What the affine model answers for a row. */
export function affine(params: { scale: number; offset: number }, x: number, group: string): number {
  return x * params.scale + params.offset + (group === 'b' ? 10 : 0);
}

/** Whether Debian's Python has cloudpickle (python3-cloudpickle; .ci/run installs it). */
export function hasCloudpickle(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import cloudpickle'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * An interpreter that runs Debian's Python with the extra environment given, as a shell script
 * (what `--python` takes): e.g. a PYTHONPATH whose `cloudpickle` cannot be imported, or a log
 * line per process started, with its pid.
 */
export function pythonWrapper(path: string, opts: { hideCloudpickle?: boolean; startLog?: string }): string {
  const lines = ['#!/bin/sh'];
  if (opts.hideCloudpickle) {
    const stub = join(`${path}.stub`, 'cloudpickle');
    mkdirSync(stub, { recursive: true });
    writeFileSync(join(stub, '__init__.py'), 'raise ModuleNotFoundError("No module named \'cloudpickle\'", name="cloudpickle")\n');
    lines.push(`export PYTHONPATH="${path}.stub\${PYTHONPATH:+:$PYTHONPATH}"`);
  }
  // $$ is the shell's pid, which exec hands to Python: the worker's pid.
  if (opts.startLog) lines.push(`echo $$ >> "${opts.startLog}"`);
  lines.push(`exec ${DEBIAN_PYTHON} "$@"`, '');
  writeFileSync(path, lines.join('\n'));
  chmodSync(path, 0o755);
  return path;
}

/** Whether a process (a worker, by its pid) is still running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
