import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;

let server: TestServer;
let http: MlflowHttp;
let localRoot: string;

beforeAll(async () => {
  // A 1 MiB JSON limit on the real app: uploads must not be subject to it.
  localRoot = mkdtempSync(join(tmpdir(), 'modelyard-local-artifacts-'));
  server = await startTestServer({ config: { bodyLimitBytes: MiB, allowedArtifactRoots: localRoot } });
  http = new MlflowHttp(server.url);
});

afterAll(async () => {
  await server.close();
  rmSync(localRoot, { recursive: true, force: true });
});

const proxyUrl = (path: string) => `${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`;

async function newRun(experimentBody: Record<string, unknown>): Promise<{ run_id: string; artifact_uri: string; experiment_id: string }> {
  const experimentId = (await http.ok('/experiments/create', experimentBody)).experiment_id;
  return (await http.ok('/runs/create', { experiment_id: experimentId, start_time: 1 })).run.info;
}

describe('artifacts on the real server', () => {
  it('uploads through the proxy into a run created over REST, lists it and downloads it', async () => {
    const run = await newRun({ name: 'artifacts-proxied' });
    expect(run.artifact_uri).toBe(`mlflow-artifacts:/${run.experiment_id}/${run.run_id}/artifacts`);
    const runPath = `${run.experiment_id}/${run.run_id}/artifacts`;

    const big = Buffer.alloc(3 * MiB, 0x5a);
    expect((await fetch(proxyUrl(`${runPath}/model/model.onnx`), { method: 'PUT', body: big })).status).toBe(200);
    const mlmodel = 'artifact_path: model\nflavors:\n  onnx: {}\n';
    expect((await fetch(proxyUrl(`${runPath}/model/MLmodel`), { method: 'PUT', body: mlmodel })).status).toBe(200);

    expect(await http.okGet('/artifacts/list', { run_id: run.run_id })).toEqual({
      root_uri: run.artifact_uri,
      files: [{ path: 'model', is_dir: true }],
    });
    expect(await http.okGet('/artifacts/list', { run_id: run.run_id, path: 'model' })).toEqual({
      root_uri: run.artifact_uri,
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: mlmodel.length },
        { path: 'model/model.onnx', is_dir: false, file_size: big.length },
      ],
    });
    const back = await fetch(proxyUrl(`${runPath}/model/model.onnx`));
    expect(Buffer.from(await back.arrayBuffer()).equals(big)).toBe(true);
  });

  it('lists a run whose experiment stores artifacts in a local folder (file://)', async () => {
    const run = await newRun({ name: 'artifacts-local', artifact_location: pathToFileURL(localRoot).href });
    expect(run.artifact_uri).toBe(`${pathToFileURL(localRoot).href}/${run.run_id}/artifacts`);
    expect(await http.okGet('/artifacts/list', { run_id: run.run_id })).toEqual({ root_uri: run.artifact_uri });
  });

  it('answers RESOURCE_DOES_NOT_EXIST for an unknown run and 400 for a path that leaves the run', async () => {
    const unknown = await http.get('/artifacts/list', { run_id: 'f'.repeat(32) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const run = await newRun({ name: 'artifacts-escape' });
    const escape = await http.get('/artifacts/list', { run_id: run.run_id, path: '../../..' });
    expect(escape.status).toBe(400);
    expect(escape.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
