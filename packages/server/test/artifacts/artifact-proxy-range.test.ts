import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactTestApp } from './artifact-test-app.js';
import type { ArtifactTestApp } from './artifact-test-app.js';

/** HTTP Range on the proxy's downloads over the local destination (object stores: artifact-proxy-object-stores.test.ts). */
const API = '/api/2.0/mlflow-artifacts/artifacts';
let t: ArtifactTestApp;

beforeAll(async () => {
  t = await startArtifactTestApp();
  await t.app.inject({ method: 'PUT', url: `${API}/r/file.txt`, payload: '0123456789', headers: { 'content-type': 'application/octet-stream' } });
  await t.app.inject({ method: 'PUT', url: `${API}/r/empty.txt` });
});

afterAll(() => t.close());

const get = (path: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `${API}/${path}`, headers });

describe('artifact proxy: Range', () => {
  it('offers ranges and answers one with 206 and Content-Range', async () => {
    const whole = await get('r/file.txt');
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    for (const [range, body, contentRange] of [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-2', '89', 'bytes 8-9/10'],
      ['bytes=5-100', '56789', 'bytes 5-9/10'],
    ] as const) {
      const res = await get('r/file.txt', { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.body).toBe(body);
      expect(res.headers['content-range']).toBe(contentRange);
      expect(res.headers['content-length']).toBe(String(body.length));
      expect(res.headers['content-disposition']).toMatch(/^attachment/);
    }
  });

  it('answers 416 with the size for a range past the end, and for any range of an empty file', async () => {
    const past = await get('r/file.txt', { range: 'bytes=10-' });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */10');
    expect(past.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('ask for bytes 0-9') });
    const empty = await get('r/empty.txt', { range: 'bytes=0-' });
    expect(empty.statusCode).toBe(416);
    expect(empty.headers['content-range']).toBe('bytes */0');
  });

  it('ignores ranges it does not take, and still answers 404 and 400 before any range', async () => {
    expect((await get('r/file.txt', { range: 'bytes=0-1,4-5' })).statusCode).toBe(200);
    expect((await get('r/missing.txt', { range: 'bytes=0-1' })).statusCode).toBe(404);
    expect((await get('..%2fsecret', { range: 'bytes=0-1' })).statusCode).toBe(400);
  });
});
