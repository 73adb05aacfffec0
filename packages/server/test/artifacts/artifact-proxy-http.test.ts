import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './raw-http.js';
import { startArtifactTestApp } from './artifact-test-app.js';
import type { ArtifactTestApp } from './artifact-test-app.js';

const API = '/api/2.0/mlflow-artifacts';

let t: ArtifactTestApp;
let port: number;
let outside: string;

beforeAll(async () => {
  t = await startArtifactTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
  outside = join(t.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
});

afterAll(() => t.close());

const put = (path: string, payload: string | Buffer, contentType = 'application/octet-stream') =>
  t.app.inject({ method: 'PUT', url: `${API}/artifacts/${path}`, payload, headers: { 'content-type': contentType } });
const get = (url: string) => t.app.inject({ method: 'GET', url });

function expectInvalidPath(res: { statusCode: number; json(): unknown }) {
  expect(res.statusCode).toBe(400);
  expect(res.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^Invalid path /) });
}

describe('artifact proxy: upload, download, list, delete', () => {
  it('round-trips text and binary files in nested folders, under both prefixes', async () => {
    const binary = randomBytes(300_000);
    expect((await put('0/run1/artifacts/model/MLmodel', 'flavors:\n  onnx: {}\n')).json()).toEqual({});
    expect((await put('0/run1/artifacts/model/data/model.onnx', binary)).statusCode).toBe(200);

    const text = await get(`${API}/artifacts/0/run1/artifacts/model/MLmodel`);
    expect(text.statusCode).toBe(200);
    expect(text.body).toBe('flavors:\n  onnx: {}\n');
    expect(text.headers['content-type']).toBe('text/plain');
    expect(text.headers['content-disposition']).toMatch(/^attachment; filename="MLmodel"/);
    expect(text.headers['x-content-type-options']).toBe('nosniff');

    const bin = await get(`/ajax-api/2.0/mlflow-artifacts/artifacts/0/run1/artifacts/model/data/model.onnx`);
    expect(bin.statusCode).toBe(200);
    expect(bin.rawPayload.equals(binary)).toBe(true);
    expect(bin.headers['content-type']).toBe('application/octet-stream');
    expect(Number(bin.headers['content-length'])).toBe(binary.length);
    expect(readFileSync(join(t.artifactsDir, '0/run1/artifacts/model/data/model.onnx')).equals(binary)).toBe(true);
  });

  it('stores a JSON body above the JSON body limit as raw bytes, and an empty body as an empty file', async () => {
    const json = JSON.stringify({ rows: 'x'.repeat(2 * 1024 * 1024) });
    expect((await put('json/big.json', json, 'application/json')).statusCode).toBe(200);
    expect(readFileSync(join(t.artifactsDir, 'json/big.json'), 'utf8')).toBe(json);
    const empty = await t.app.inject({ method: 'PUT', url: `${API}/artifacts/json/empty.bin` });
    expect(empty.statusCode).toBe(200);
    expect(readFileSync(join(t.artifactsDir, 'json/empty.bin')).length).toBe(0);
  });

  it('takes uploads without a Content-Type or with any other one, as MLflow clients send them', async () => {
    const none = await rawRequest(port, 'PUT', `${API}/artifacts/types/no-type.bin`, 'raw-bytes', null);
    expect(none).toMatchObject({ status: 200, body: '{}' });
    const form = await rawRequest(port, 'PUT', `${API}/artifacts/types/form.txt`, 'a=1&b=2', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(200);
    expect(readFileSync(join(t.artifactsDir, 'types/no-type.bin'), 'utf8')).toBe('raw-bytes');
    expect(readFileSync(join(t.artifactsDir, 'types/form.txt'), 'utf8')).toBe('a=1&b=2');
  });

  it('lists one folder with base names, file_size only on files, nothing when empty', async () => {
    await put('listing/b.txt', 'bb');
    await put('listing/sub/c.txt', 'c');
    expect((await get(`${API}/artifacts?path=listing`)).json()).toEqual({
      files: [
        { path: 'b.txt', is_dir: false, file_size: 2 },
        { path: 'sub', is_dir: true },
      ],
    });
    expect((await get(`/ajax-api/2.0/mlflow-artifacts/artifacts?path=listing/sub`)).json()).toEqual({
      files: [{ path: 'c.txt', is_dir: false, file_size: 1 }],
    });
    const root = (await get(`${API}/artifacts`)).json() as { files: Array<{ path: string }> };
    expect(root.files.map((f) => f.path)).toContain('listing');
    const none = await get(`${API}/artifacts?path=no/such/folder`);
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({});
  });

  it('answers RESOURCE_DOES_NOT_EXIST for a missing file or a folder', async () => {
    await put('present/a.txt', 'a');
    for (const path of ['present/missing.txt', 'present']) {
      const res = await get(`${API}/artifacts/${path}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    }
  });

  it('deletes a file and a whole folder; deleting again is still a success', async () => {
    await put('del/keep.txt', 'k');
    await put('del/gone.txt', 'g');
    await put('del/dir/x.txt', 'x');
    expect((await t.app.inject({ method: 'DELETE', url: `${API}/artifacts/del/gone.txt` })).json()).toEqual({});
    expect((await t.app.inject({ method: 'DELETE', url: `${API}/artifacts/del/dir` })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `${API}/artifacts/del/dir` })).statusCode).toBe(200);
    expect((await get(`${API}/artifacts?path=del`)).json()).toEqual({ files: [{ path: 'keep.txt', is_dir: false, file_size: 1 }] });
    expect((await get(`${API}/artifacts/del/gone.txt`)).statusCode).toBe(404);
  });

  it('answers the multipart-upload endpoints like MLflow with a local destination: 501 after checking the request', async () => {
    for (const action of ['create', 'complete', 'abort']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `${API}/mpu/${action}/0/run1/artifacts/big.bin`,
        payload: { path: 'big.bin', num_parts: 3, upload_id: 'u', parts: [] },
      });
      expect(res.statusCode).toBe(501);
      expect(res.json()).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        message: 'Multipart upload is not supported for the current artifact repository',
      });
    }
    const missing = await t.app.inject({ method: 'POST', url: `${API}/mpu/create/x.bin`, payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'path'") });
    expectInvalidPath(await t.app.inject({ method: 'POST', url: `${API}/mpu/create/..%2fx`, payload: { path: 'x' } }));
  });
});

describe('artifact proxy: confinement', () => {
  const attacks = ['..%2foutside%2fsecret.txt', '%252e%252e/outside/secret.txt', '%2Fetc/passwd', 'a%5C..%5C..%5Coutside', 'a%00.txt', 'file:%2F%2F%2Fetc%2Fpasswd'];

  it.each(attacks)('refuses %s on GET, PUT and DELETE with the MLflow error body', async (attack) => {
    expectInvalidPath(await get(`${API}/artifacts/${attack}`));
    expectInvalidPath(await put(attack, 'pwned'));
    expectInvalidPath(await t.app.inject({ method: 'DELETE', url: `${API}/artifacts/${attack}` }));
    expectInvalidPath(await get(`${API}/artifacts?path=${attack}`));
  });

  it.each(['../outside/secret.txt', '%2e%2e/outside/secret.txt', 'a/../../outside/secret.txt', '.%2e/outside/secret.txt'])(
    'refuses the raw request target %s (as an attacker sends it, unnormalised)',
    async (attack) => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await rawRequest(port, method, `${API}/artifacts/${attack}`, method === 'PUT' ? 'pwned' : '');
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toEqual({
          error_code: 'INVALID_PARAMETER_VALUE',
          message: expect.stringContaining("'..' segments are not allowed"),
        });
      }
      const list = await rawRequest(port, 'GET', `${API}/artifacts?path=${attack}`);
      expect(list.status).toBe(400);
    },
  );

  it('refuses to follow a symlink out of the artifacts destination', async () => {
    mkdirSync(t.artifactsDir, { recursive: true });
    symlinkSync(outside, join(t.artifactsDir, 'planted-link'));
    expectInvalidPath(await get(`${API}/artifacts/planted-link/secret.txt`));
    expectInvalidPath(await get(`${API}/artifacts?path=planted-link`));
    expectInvalidPath(await put('planted-link/new.txt', 'pwned'));
    expectInvalidPath(await t.app.inject({ method: 'DELETE', url: `${API}/artifacts/planted-link/secret.txt` }));
  });

  it('left everything outside the destination untouched', () => {
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(readdirSync(t.dir).sort()).toEqual(['artifacts', 'outside']);
  });
});
