import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import type { ModelRuntimeOptions } from '../../src/runtime/model-runtime.js';
import { startScoringServer } from '../../src/serving/scoring-server.js';
import { DEBIAN_PYTHON, hasMlflow, hasSklearn, trainSklearnModels, writeSlowModel } from './python-model-fixtures.js';
import type { TrainedModel } from './python-model-fixtures.js';
import { diabetesFrame, pimaFrame, postJson } from './serving-fixtures.js';

const sklearnHere = hasSklearn();
if (!sklearnHere && process.env.CI !== 'true') console.warn('python-runtime tests skipped: /usr/bin/python3 cannot import sklearn and pandas (apt-get install python3-sklearn python3-pandas)');
if (sklearnHere && !hasMlflow()) console.warn('mlflow is not importable by /usr/bin/python3 (Debian does not package it): the Python runtime tests cover the built-in loaders, not mlflow.pyfunc.load_model');

/** The Python runtime on model folders, with Debian's interpreter and its scikit-learn. */
describe.skipIf(!sklearnHere && process.env.CI !== 'true')('python_function models in the model runtime', () => {
  let dir: string;
  let models: Record<string, TrainedModel>;
  const runtimes: ModelRuntime[] = [];
  const runtime = (opts: Partial<ModelRuntimeOptions> = {}) => {
    const r = new ModelRuntime({ source: new LocalFolderModelSource(), ...opts, python: { python: DEBIAN_PYTHON, workers: 2, envCacheDir: join(dir, 'envs'), ...opts.python } });
    runtimes.push(r);
    return r;
  };
  const pimaRows = (n: number) => pimaFrame().drop(['Outcome']).head(n).toRecords();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-runtime-'));
    models = trainSklearnModels(join(dir, 'models'), [
      { name: 'forest', kind: 'forest', trees: 30, rows: 768 },
      { name: 'ridge', kind: 'ridge', rows: 442 },
      { name: 'logistic-pickle', kind: 'logistic', serialization: 'pickle' },
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.clear()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly what scikit-learn answers: a random forest\'s classes and probabilities', async () => {
    const model = await runtime().load(models.forest!.dir);
    try {
      expect(model.runtime).toBe('python');
      expect(model.python!.loader).toMatch(/^(built-in sklearn|mlflow\.pyfunc)/);
      expect(model.python!.pids()).toHaveLength(2);
      expect(model.isClassifier).toBe(true);
      expect(model.classLabels).toEqual([0, 1]);
      const all = await model.predict(pimaRows(768), { probabilities: true });
      expect(all.predictions).toEqual(models.forest!.expected.predictions);
      expect(all.probabilities).toEqual(models.forest!.expected.probabilities);
      // 4,608 rows: split across both workers and put back in order.
      const big = await model.predict(Array.from({ length: 6 }, () => pimaRows(768)).flat(), { probabilities: true });
      expect(big.predictions).toEqual(Array.from({ length: 6 }, () => models.forest!.expected.predictions).flat());
      expect(big.probabilities).toEqual(Array.from({ length: 6 }, () => models.forest!.expected.probabilities!).flat());
      // Without asking, a Python classifier runs predict alone, as MLflow's pyfunc does.
      expect((await model.predict(pimaRows(2))).probabilities).toBeUndefined();
    } finally {
      await model.close();
    }
  });

  it('feeds text columns and missing values as pandas gets them from MLflow: a pipeline with an imputer and a one-hot encoder', async () => {
    const model = await runtime().load(models.ridge!.dir);
    try {
      expect(model.python!.loader).toMatch(/pickle|mlflow/);
      const frame = diabetesFrame().drop(['Y']);
      const records = frame.toRecords().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && Number.isNaN(v) ? null : v])));
      expect(records.some((r) => Object.values(r).includes(null))).toBe(true);
      const p = await model.predict(records);
      expect(p.predictions).toEqual(models.ridge!.expected.predictions);
      expect(model.isClassifier).toBe(false);
    } finally {
      await model.close();
    }
  });

  it('loads pickle and cloudpickle serialization formats', async () => {
    const model = await runtime().load(models['logistic-pickle']!.dir);
    try {
      expect(model.python!.loader).toMatch(/built-in sklearn \(pickle\)|mlflow/);
      expect((await model.predict(pimaRows(50))).predictions).toEqual(models['logistic-pickle']!.expected.predictions);
    } finally {
      await model.close();
    }
  });

  it('enforces the signature the way the ONNX path does, before any Python runs', async () => {
    const model = await runtime().load(models.forest!.dir);
    try {
      const [row] = pimaRows(1);
      const { Glucose: _, ...missing } = row!;
      await expect(model.predict([missing])).rejects.toThrow(/model input is missing column 'Glucose' \(long\)/);
      await expect(model.predict([{ ...row, Glucose: 'high' }])).rejects.toThrow(/column 'Glucose' expects long values, row 0 has "high"/);
      // MLflow refuses a fraction in a long column: it cannot be converted safely.
      await expect(model.predict([{ ...row, Glucose: 101.5 }])).rejects.toThrow(/column 'Glucose' expects long values, row 0 has 101.5; whole numbers only/);
      // A missing value is the model's to handle, as on the ONNX path (a forest without an imputer refuses NaN).
      await expect(model.predict([{ ...row, Pregnancies: null }])).rejects.toThrow(/error while evaluating the model.*ValueError: Input (X )?contains NaN/);
    } finally {
      await model.close();
    }
  });

  it('--flavor: python forces the Python runtime, onnx is refused for a model without an onnx flavor, naming its flavors', async () => {
    await expect(runtime({ flavor: 'onnx' }).load(models.forest!.dir)).rejects.toThrow(/has no onnx flavor \(flavors: python_function, sklearn\); run it in Python with --flavor python/);
    const forced = await runtime({ flavor: 'python' }).load(models.forest!.dir);
    expect(forced.runtime).toBe('python');
    await forced.close();
  });

  it('refuses a model whose loader needs mlflow when mlflow is not importable, saying what to install', async () => {
    if (hasMlflow()) return;
    const custom = join(dir, 'custom-pyfunc');
    cpSync(models.forest!.dir, custom, { recursive: true });
    const mlmodel = readFileSync(join(custom, 'MLmodel'), 'utf8').replace('loader_module: "mlflow.sklearn"', 'loader_module: "mlflow.pyfunc.model"').replace(/  sklearn:\n(    .*\n)+/, '');
    writeFileSync(join(custom, 'MLmodel'), mlmodel);
    await expect(runtime().load(custom)).rejects.toThrow(/loader is mlflow\.pyfunc\.model, which needs mlflow; .* cannot import mlflow\. Install mlflow==2\.9\.2/);
  });

  it('names the interpreter that is missing', async () => {
    await expect(runtime({ python: { python: '/nonexistent/python3' } }).load(models.forest!.dir)).rejects.toThrow(/no Python interpreter at '\/nonexistent\/python3': pass --python/);
  });

  it('--env-manager virtualenv builds the environment from python_env.yaml once and reuses it; a requirement that cannot be installed is refused by name', async () => {
    const envs = join(dir, 'venvs');
    const r = runtime({ python: { envManager: 'virtualenv', envCacheDir: envs } });
    const model = await r.load(models.forest!.dir);
    try {
      expect(model.python!.envManager).toBe('virtualenv');
      expect(model.python!.envDir).toMatch(new RegExp(`^${envs}/virtualenv-`));
      expect(model.python!.executable.startsWith(model.python!.envDir!)).toBe(true);
      expect((await model.predict(pimaRows(50))).predictions).toEqual(models.forest!.expected.predictions.slice(0, 50));
    } finally {
      await model.close();
    }
    // Another model with the same requirements runs in the same environment, built once.
    const other = await r.load(models['logistic-pickle']!.dir);
    expect(other.python!.envDir).toBe(model.python!.envDir);
    await other.close();
    const needy = trainSklearnModels(join(dir, 'needy'), [{ name: 'needy', kind: 'logistic' }], { extraRequirements: ['modelyard-no-such-package==9.9.9'] });
    await expect(r.load(needy.needy!.dir)).rejects.toThrow(/cannot install the model's requirements .*modelyard-no-such-package==9\.9\.9/);
    // A failed build leaves no environment behind.
    expect((await import('node:fs')).readdirSync(envs).filter((d) => !d.endsWith('.lock'))).toHaveLength(1);
  }, 120_000);

  it('--env-manager virtualenv refuses a model built for another Python version, naming both', async () => {
    const old = join(dir, 'old-python');
    cpSync(models.forest!.dir, old, { recursive: true });
    writeFileSync(join(old, 'python_env.yaml'), 'python: 3.8.18\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n');
    await expect(runtime({ python: { envManager: 'virtualenv' } }).load(old)).rejects.toThrow(/needs Python 3\.8\.18 \(python_env\.yaml\) and \/usr\/bin\/python3 is Python 3\.\d+\.\d+; pass --python with a Python 3\.8 interpreter/);
  });

  it('--env-manager virtualenv refuses environment files outside the model folder, without quoting them', async () => {
    const outside = join(dir, 'outside-requirements.txt');
    writeFileSync(outside, 'secret-package-name==1.0\n');
    const escaping = join(dir, 'escaping-env');
    cpSync(models.forest!.dir, escaping, { recursive: true });
    writeFileSync(join(escaping, 'python_env.yaml'), 'build_dependencies:\n  - pip\ndependencies:\n  - -r ../outside-requirements.txt\n');
    const refused = runtime({ python: { envManager: 'virtualenv' } }).load(escaping);
    await expect(refused).rejects.toThrow(/'-r \.\.\/outside-requirements\.txt'.*outside the model folder/);
    await expect(refused).rejects.not.toThrow(/secret-package-name/);
  });

  it('--env-manager uv and conda say what they need when their tool is not installed', async () => {
    if (!existsSync('/usr/bin/uv') && !process.env.UV) {
      await expect(runtime({ python: { envManager: 'uv' } }).load(models.forest!.dir)).rejects.toThrow(/--env-manager uv needs the uv command/);
    }
    if (!process.env.CONDA_EXE) {
      await expect(runtime({ python: { envManager: 'conda' } }).load(models.forest!.dir)).rejects.toThrow(/--env-manager conda needs the conda command/);
    }
  });

  describe('a worker that hangs or dies', () => {
    let slowDir: string;
    beforeAll(() => {
      slowDir = writeSlowModel(join(dir, 'slow'));
    });

    it('a call past the timeout is a 503 with a message, the worker is replaced, and the other worker kept answering', async () => {
      const r = runtime({ python: { requestTimeoutMs: 1500, workers: 2 } });
      const server = await startScoringServer({ runtime: r, modelUri: slowDir, port: 0 });
      try {
        const model = server.slot.current!;
        expect(model.python!.loader).toBe('slow_model._load_pyfunc');
        const before = model.python!.pids();
        const hung = postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 30, x: 1 }] });
        // While one worker hangs, the other answers.
        await new Promise((res) => setTimeout(res, 200));
        const quick = await postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 0, x: 21 }] });
        expect(quick).toMatchObject({ status: 200, json: { predictions: [42] } });
        const res = await hung;
        expect(res.status).toBe(503);
        expect(res.json.error_code).toBe('TEMPORARILY_UNAVAILABLE');
        expect(res.json.message).toMatch(/did not answer within 1\.5 s; it was stopped and is being replaced/);
        await waitFor(() => model.python!.pids().length === 2 && model.python!.pids().some((p) => !before.includes(p)));
        expect((await postJson(`${server.url}/invocations`, { dataframe_split: { columns: ['delay', 'x'], data: [[0, 1.5], [0, 2]] } })).json).toEqual({ predictions: [3, 4] });
      } finally {
        await server.close();
      }
    }, 60_000);

    it('merges single requests that wait for a busy worker into one call; a bad one among them fails alone', async () => {
      const r = runtime({ python: { workers: 1 } });
      const server = await startScoringServer({ runtime: r, modelUri: slowDir, port: 0 });
      const calls = join(slowDir, 'calls.log');
      try {
        rmSync(calls, { force: true });
        const busy = postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 1, x: 0 }] });
        await waitFor(() => existsSync(calls));
        const waiting = await Promise.all(Array.from({ length: 10 }, (_, i) => postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 0, x: i }] })));
        expect((await busy).status).toBe(200);
        expect(waiting.map((w) => w.json.predictions[0])).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
        // One call for the busy request, one for the ten that waited.
        expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['1', '10']);

        rmSync(calls, { force: true });
        const busyAgain = postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 1, x: 0 }] });
        await waitFor(() => existsSync(calls));
        const mixed = await Promise.all([3, -1, 4].map((x) => postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 0, x }] })));
        await busyAgain;
        expect(mixed.map((m) => m.status)).toEqual([200, 400, 200]);
        expect(mixed[1]!.json.message).toMatch(/error while evaluating the model.*ValueError: x must not be negative/);
        expect([mixed[0]!.json.predictions, mixed[2]!.json.predictions]).toEqual([[6], [8]]);
      } finally {
        await server.close();
      }
    }, 60_000);

    it('a worker killed mid-request fails that request with 503 and is replaced; the next requests succeed', async () => {
      const r = runtime({ python: { workers: 1 } });
      const server = await startScoringServer({ runtime: r, modelUri: slowDir, port: 0 });
      const pidFile = join(slowDir, 'busy.pid');
      rmSync(pidFile, { force: true });
      try {
        const pending = postJson(`${server.url}/invocations`, { dataframe_records: [{ delay: 20, x: 1 }] });
        await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '');
        const pid = Number(readFileSync(pidFile, 'utf8'));
        expect(server.slot.current!.python!.pids()).toEqual([pid]);
        process.kill(pid, 'SIGKILL');
        const res = await pending;
        expect(res.status).toBe(503);
        expect(res.json.message).toMatch(new RegExp(`the Python worker \\(pid ${pid}\\) exited \\(signal SIGKILL\\) while serving the model; it is being replaced, retry the request`));
        // Requests sent while the replacement loads wait for it rather than failing.
        const next = await postJson(`${server.url}/invocations`, { inputs: { delay: [0], x: [5] } });
        expect(next).toMatchObject({ status: 200, json: { predictions: [10] } });
        expect(server.slot.current!.python!.pids()).not.toContain(pid);
      } finally {
        await server.close();
      }
    }, 60_000);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
