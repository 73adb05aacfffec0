import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactTestApp } from './artifact-test-app.js';
import type { ArtifactTestApp } from './artifact-test-app.js';

let t: ArtifactTestApp;

beforeAll(async () => {
  t = await startArtifactTestApp();
});

afterAll(() => t.close());

const list = (query: string, prefix = '/api/2.0/mlflow') => t.app.inject({ method: 'GET', url: `${prefix}/artifacts/list?${query}` });
const upload = (path: string, payload: string) =>
  t.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${path}`, payload, headers: { 'content-type': 'text/plain' } });

function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

describe('GET /artifacts/list', () => {
  it('lists a proxied run (mlflow-artifacts:/) from the artifacts destination, paths relative to the run root', async () => {
    t.runs.set('r1', 'mlflow-artifacts:/1/r1/artifacts');
    await upload('1/r1/artifacts/model/MLmodel', 'flavors: {}\n');
    await upload('1/r1/artifacts/model/model.onnx', 'onnx-bytes');
    await upload('1/r1/artifacts/metrics.json', '{}');
    await upload('1/other-run/artifacts/not-mine.txt', 'x');

    const root = await list('run_id=r1');
    expect(root.statusCode).toBe(200);
    expect(root.json()).toEqual({
      root_uri: 'mlflow-artifacts:/1/r1/artifacts',
      files: [
        { path: 'metrics.json', is_dir: false, file_size: 2 },
        { path: 'model', is_dir: true },
      ],
    });
    expect((await list('run_id=r1&path=model', '/ajax-api/2.0/mlflow')).json()).toEqual({
      root_uri: 'mlflow-artifacts:/1/r1/artifacts',
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: 12 },
        { path: 'model/model.onnx', is_dir: false, file_size: 10 },
      ],
    });
  });

  it('accepts the host form mlflow-artifacts://host:port/… and the deprecated run_uuid', async () => {
    t.runs.set('r1-host', 'mlflow-artifacts://tracking.example:5000/1/r1/artifacts');
    expect((await list('run_uuid=r1-host&path=model')).json()).toMatchObject({
      root_uri: 'mlflow-artifacts://tracking.example:5000/1/r1/artifacts',
      files: [{ path: 'model/MLmodel' }, { path: 'model/model.onnx' }],
    });
  });

  it('lists file:// and plain-path run roots directly', async () => {
    const local = join(t.dir, 'local-store', '2', 'r2', 'artifacts');
    writeTree(local, { 'plots/loss.png': 'png', 'README.md': '# r2' });
    t.runs.set('r2-file', pathToFileURL(local).href);
    t.runs.set('r2-path', local);
    for (const id of ['r2-file', 'r2-path']) {
      const res = (await list(`run_id=${id}`)).json() as { files: unknown };
      expect(res.files).toEqual([
        { path: 'README.md', is_dir: false, file_size: 4 },
        { path: 'plots', is_dir: true },
      ]);
    }
    expect((await list('run_id=r2-path&path=plots')).json()).toEqual({
      root_uri: local,
      files: [{ path: 'plots/loss.png', is_dir: false, file_size: 3 }],
    });
  });

  it('leaves files out when a run has no artifacts yet, or the path is not a folder', async () => {
    t.runs.set('r3', 'mlflow-artifacts:/1/r3/artifacts');
    expect((await list('run_id=r3')).json()).toEqual({ root_uri: 'mlflow-artifacts:/1/r3/artifacts' });
    expect((await list('run_id=r1&path=metrics.json')).json()).toEqual({ root_uri: 'mlflow-artifacts:/1/r1/artifacts' });
  });

  it('answers MLflow errors for a missing run id, an unknown run and an unsupported store', async () => {
    const missing = await list('path=model');
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
    });
    const unknown = await list('run_id=nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=nope not found' });
    t.runs.set('r-gs', 'gs://bucket/1/r/artifacts');
    const gs = await list('run_id=r-gs');
    expect(gs.statusCode).toBe(501);
    expect(gs.json()).toMatchObject({ error_code: 'NOT_IMPLEMENTED', message: expect.stringContaining("scheme 'gs:'") });
    // A bucket that is none of the server's artifact roots is not read with its credentials.
    t.runs.set('r-s3', 's3://bucket/1/r/artifacts');
    const s3 = await list('run_id=r-s3');
    expect(s3.statusCode).toBe(400);
    expect(s3.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('--allowed-artifact-roots') });
  });

  it('refuses paths that leave the run root, and artifact locations that leave the destination', async () => {
    for (const path of ['..', '../r1-other', '..%2F..%2F..', '%2Fetc', 'model%00', 'model%5C..']) {
      const res = await list(`run_id=r1&path=${path}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Invalid path /) });
    }
    // An experiment's artifact_location is client input too.
    t.runs.set('r-evil', 'mlflow-artifacts:/1/%2e%2e/%2e%2e/%2e%2e/etc');
    const evil = await list('run_id=r-evil');
    expect(evil.statusCode).toBe(400);
    expect(evil.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'artifact_uri'") });
  });
});
