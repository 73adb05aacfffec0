import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tracker } from '@modelyard/sdk';
import { loadConfig } from '../../src/config/config.js';
import { runModelyard } from '../helpers/cli-process.js';
import { flagsToConfig } from '../../src/cli/store-options.js';
import { isAlive, pythonWrapper } from './python-custom-model-fixtures.js';
import { hasSklearn, logFolderAndRegister, writeSlowModel } from './python-model-fixtures.js';
import { postJson } from './serving-fixtures.js';


const modelyard = (args: string[], until?: RegExp) => runModelyard(args, until ? { until } : {});


describe('modelyard server flags for python_function models', () => {
  it('map to the server\'s settings, over the environment\'s; bad values name the setting', () => {
    const flags = flagsToConfig({ flavor: 'python', envManager: 'virtualenv', python: '/opt/py/bin/python3', pythonWorkers: '3', pythonTimeoutMs: '1500', pythonIdleStopMs: '0' });
    const config = loadConfig({ flags, env: { MODELYARD_PYTHON_WORKERS: '8', MODELYARD_PYTHON_TIMEOUT_MS: '9000' } });
    expect(config).toMatchObject({ modelFlavor: 'python', pythonEnvManager: 'virtualenv', pythonExecutable: '/opt/py/bin/python3', pythonWorkers: 3, pythonTimeoutMs: 1500, pythonIdleStopMs: 0 });
    // Without flags: the environment, then the defaults.
    expect(loadConfig({ env: { MODELYARD_PYTHON_IDLE_STOP_MS: '5000' } })).toMatchObject({ modelFlavor: 'auto', pythonEnvManager: 'local', pythonWorkers: 0, pythonTimeoutMs: 60_000, pythonIdleStopMs: 5000 });
    expect(loadConfig({ env: {} }).pythonIdleStopMs).toBe(600_000);
    expect(() => loadConfig({ env: {}, flags: flagsToConfig({ flavor: 'tensorflow' }) })).toThrow("modelFlavor must be one of auto, onnx, python, got 'tensorflow'");
    expect(() => loadConfig({ env: {}, flags: flagsToConfig({ envManager: 'pipenv' }) })).toThrow("pythonEnvManager must be one of local, virtualenv, uv, conda, got 'pipenv'");
    expect(() => loadConfig({ env: {}, flags: flagsToConfig({ pythonWorkers: 'two' }) })).toThrow(/pythonWorkers must be a whole number of processes, or 0 for one per core, got 'two'/);
    expect(() => loadConfig({ env: {}, flags: flagsToConfig({ pythonTimeoutMs: '0' }) })).toThrow(/pythonTimeoutMs must be a whole number of milliseconds above 0, got '0'/);
    expect(() => loadConfig({ env: {}, flags: flagsToConfig({ pythonIdleStopMs: '-1' }) })).toThrow(/pythonIdleStopMs must be a whole number of milliseconds, or 0 to keep idle models' workers, got '-1'/);
  });

  it('are in `modelyard server --help`', async () => {
    const help = await modelyard(['server', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--flavor <flavor>', '--env-manager <manager>', '--python <path>', '--python-workers <n>', '--python-timeout-ms <ms>', '--python-idle-stop-ms <ms>']) expect(help.stdout).toContain(flag);
  }, 60_000);

  describe.skipIf(!hasSklearn() && process.env.CI !== 'true')('on a real server process', () => {
    let dir: string;
    let server: ChildProcess | undefined;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'modelyard-python-server-flags-'));
    });
    afterAll(async () => {
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server!.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('--python, --python-workers, --python-timeout-ms and --python-idle-stop-ms run an endpoint\'s model as they say', async () => {
      const startLog = join(dir, 'starts.log');
      // Logs its pid (the worker's, after exec) for each process the server starts.
      const python = pythonWrapper(join(dir, 'python'), { startLog });
      const started = await modelyard(
        [
          'server', '--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'warn',
          '--flavor', 'python', '--env-manager', 'local', '--python', python,
          '--python-workers', '1', '--python-timeout-ms', '1500', '--python-idle-stop-ms', '500',
        ],
        /listening on (http:\/\/\S+)/,
      );
      expect(started.match, started.stderr()).toBeDefined();
      server = started.child;
      const url = started.match![1]!;
      const tracker = new Tracker({ trackingUri: url, env: {} });
      await tracker.setExperiment('server-flags');
      await logFolderAndRegister(tracker, writeSlowModel(join(dir, 'slow')), 'slow-flags');
      const created = await postJson(`${url}/api/v1/serving-endpoints`, { name: 'slow', config: { served_models: [{ name: 'main', model_uri: 'models:/slow-flags/1' }] } });
      expect(created.json.config?.served_models?.[0]?.state, JSON.stringify(created.json)).toEqual({ deployment: 'READY' });
      const starts = () => (existsSync(startLog) ? readFileSync(startLog, 'utf8').trim().split('\n').map(Number) : []);
      // --python-workers 1, through --python.
      expect(starts()).toHaveLength(1);
      const invocations = `${url}/api/v1/serving-endpoints/slow/invocations`;
      expect((await postJson(invocations, { dataframe_records: [{ delay: 0, x: 4 }] })).json).toEqual({ predictions: [8] });
      // --python-timeout-ms 1500: a call that runs longer is a 503 and its worker is replaced.
      const hung = await postJson(invocations, { dataframe_records: [{ delay: 30, x: 1 }] });
      expect(hung.status).toBe(503);
      expect(hung.json.message).toMatch(/did not answer within 1\.5 s; it was stopped and is being replaced/);
      const deadline = Date.now() + 30_000;
      while (starts().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await postJson(invocations, { dataframe_records: [{ delay: 0, x: 5 }] })).json).toEqual({ predictions: [10] });
      const replacement = starts()[1]!;
      // The endpoint holds its model: past --python-idle-stop-ms its worker still runs.
      await new Promise((r) => setTimeout(r, 1500));
      expect(isAlive(replacement)).toBe(true);
      // Once no endpoint serves it, it is stopped after 500 ms.
      expect((await fetch(`${invocations.replace('/invocations', '')}`, { method: 'DELETE' })).status).toBe(200);
      const stopBy = Date.now() + 15_000;
      while (isAlive(replacement) && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
      expect(isAlive(replacement)).toBe(false);
    }, 120_000);
  });
});
