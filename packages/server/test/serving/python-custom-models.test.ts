import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker } from '@modelyard/sdk';
import { LocalFolderModelSource } from '../../src/runtime/client-model-source.js';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import type { ModelRuntimeOptions } from '../../src/runtime/model-runtime.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { affine, hasCloudpickle, pythonWrapper, writeAffineModel } from './python-custom-model-fixtures.js';
import { DEBIAN_PYTHON, hasSklearn, logFolderAndRegister, trainSklearnModels } from './python-model-fixtures.js';
import type { TrainedModel } from './python-model-fixtures.js';
import { pimaFrame, postJson } from './serving-fixtures.js';

const sklearnHere = hasSklearn();
const cloudpickleHere = sklearnHere && hasCloudpickle();
if (sklearnHere && !cloudpickleHere && process.env.CI !== 'true') console.warn('cloudpickle tests skipped: /usr/bin/python3 cannot import cloudpickle (apt-get install python3-cloudpickle)');

/**
 * Models saved the ways MLflow users save them beyond a plain pickled estimator: scikit-learn
 * with code only cloudpickle can load (a notebook's lambda), and a custom python_function whose
 * `loader_module` comes in the model's own `code/` folder with its parameters in `data/`.
 */
describe.skipIf(!sklearnHere && process.env.CI !== 'true')('custom and cloudpickled python_function models', () => {
  let dir: string;
  const runtimes: ModelRuntime[] = [];
  const runtime = (python: ModelRuntimeOptions['python'] = {}) => {
    const r = new ModelRuntime({ source: new LocalFolderModelSource(), python: { python: DEBIAN_PYTHON, workers: 1, envCacheDir: join(dir, 'envs'), ...python } });
    runtimes.push(r);
    return r;
  };
  const pimaRows = (n: number) => pimaFrame().drop(['Outcome']).head(n).toRecords();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-python-custom-'));
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.clear()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe.skipIf(!cloudpickleHere && process.env.CI !== 'true')('cloudpickle', () => {
    let models: Record<string, TrainedModel>;
    /** Debian's Python, seeing no cloudpickle (as on a machine without python3-cloudpickle). */
    let withoutCloudpickle: string;
    beforeAll(() => {
      models = trainSklearnModels(join(dir, 'models'), [
        { name: 'lambda', kind: 'lambda' },
        { name: 'plain', kind: 'logistic', serialization: 'cloudpickle' },
      ]);
      withoutCloudpickle = pythonWrapper(join(dir, 'python-without-cloudpickle'), { hideCloudpickle: true });
    }, 120_000);

    it('loads a pipeline whose FunctionTransformer holds a lambda, saved with cloudpickle, and answers as scikit-learn', async () => {
      const model = await runtime().load(models.lambda!.dir);
      try {
        expect(model.python!.loader).toMatch(/^(built-in sklearn \(cloudpickle\)|mlflow\.pyfunc)/);
        const p = await model.predict(pimaRows(50), { probabilities: true });
        expect(p.predictions).toEqual(models.lambda!.expected.predictions);
        expect(p.probabilities).toEqual(models.lambda!.expected.probabilities);
      } finally {
        await model.close();
      }
    });

    it('without cloudpickle: a cloudpickle file of a plain estimator still loads with pickle; one holding a lambda is refused, naming the package', async () => {
      const plain = await runtime({ python: withoutCloudpickle }).load(models.plain!.dir);
      try {
        expect(plain.python!.loader).toBe('built-in sklearn (cloudpickle)');
        expect((await plain.predict(pimaRows(50))).predictions).toEqual(models.plain!.expected.predictions);
      } finally {
        await plain.close();
      }
      await expect(runtime({ python: withoutCloudpickle }).load(models.lambda!.dir)).rejects.toThrow(
        /the model was saved with cloudpickle and holds code only cloudpickle can load; \/usr\/bin\/python3(\.\d+)? cannot import cloudpickle \(Debian: python3-cloudpickle; pip install cloudpickle\)/,
      );
    });
  });

  describe('a loader_module model with code/ and data/, registered and served by a server', () => {
    const PARAMS = { scale: 2.5, offset: -1 };
    let server: TestServer;
    let url: string;

    beforeAll(async () => {
      server = await startTestServer({ config: { pythonExecutable: DEBIAN_PYTHON, pythonWorkers: 1 } });
      const tracker = new Tracker({ trackingUri: server.url, env: {} });
      await tracker.setExperiment('custom-pyfunc');
      await logFolderAndRegister(tracker, writeAffineModel(join(dir, 'affine'), PARAMS), 'custom-py');
      const created = await postJson(`${server.url}/api/v1/serving-endpoints`, { name: 'custom', config: { served_models: [{ name: 'main', model_uri: 'models:/custom-py/1' }] } });
      expect(created.json.config?.served_models?.[0]?.state, JSON.stringify(created.json)).toEqual({ deployment: 'READY' });
      url = `${server.url}/api/v1/serving-endpoints/custom/invocations`;
    }, 120_000);
    afterAll(async () => {
      await server?.close();
    });

    it('loads through <loader_module>._load_pyfunc(<model>/data) with code/ on sys.path', async () => {
      const model = await server.services.serving.runtime.load('models:/custom-py/1');
      try {
        expect(model.runtime).toBe('python');
        expect(model.python!.loader).toBe('affine_model._load_pyfunc');
      } finally {
        await model.close();
      }
    });

    it('answers every input format of MLflow\'s scoring protocol', async () => {
      const rows = [
        { x: 1, group: 'a' },
        { x: 2.5, group: 'b' },
        { x: -4, group: 'b' },
      ];
      const want = { predictions: rows.map((r) => affine(PARAMS, r.x, r.group)) };
      const bodies: Array<[string, unknown]> = [
        ['dataframe_split', { dataframe_split: { columns: ['x', 'group'], data: rows.map((r) => [r.x, r.group]) } }],
        ['dataframe_split with an index (ignored)', { dataframe_split: { index: [10, 11, 12], columns: ['group', 'x'], data: rows.map((r) => [r.group, r.x]) } }],
        ['dataframe_records', { dataframe_records: rows }],
        ['instances as records', { instances: rows }],
        ['instances as rows in signature order', { instances: rows.map((r) => [r.x, r.group]) }],
        ['inputs as columns', { inputs: { x: rows.map((r) => r.x), group: rows.map((r) => r.group) } }],
        ['inputs as rows', { inputs: rows.map((r) => [r.x, r.group]) }],
        ['with params (handed to predict when it takes them)', { dataframe_records: rows, params: { unused: 1 } }],
      ];
      for (const [what, body] of bodies) {
        const res = await postJson(url, body);
        expect({ what, status: res.status, json: res.json }).toEqual({ what, status: 200, json: want });
      }
      for (const type of ['text/csv', 'text/csv; charset=utf-8']) {
        const csv = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body: ['x,group', ...rows.map((r) => `${r.x},${r.group}`)].join('\n') });
        expect({ type, status: csv.status, json: await csv.json() }).toEqual({ type, status: 200, json: want });
      }
    });

    it('enforces the signature before Python runs, and answers the model\'s own exception as MLflow does', async () => {
      const missing = await postJson(url, { dataframe_records: [{ x: 1 }] });
      expect(missing.status).toBe(400);
      expect(missing.json.message).toMatch(/model input is missing column 'group' \(string\)/);
      const wrongType = await postJson(url, { dataframe_records: [{ x: 'one', group: 'a' }] });
      expect(wrongType.status).toBe(400);
      expect(wrongType.json.message).toMatch(/column 'x' expects double values, row 0 has "one"/);
    });
  });
});
