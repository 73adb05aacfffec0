import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { registerStaticUi } from '../../src/http/plugins/static-ui.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { ensureWebBuilt } from './helpers/web-build.js';

describe('static UI plugin', () => {
  const dirs: string[] = [];
  let app: FastifyInstance | undefined;

  async function appServing(files: Record<string, string> | undefined): Promise<FastifyInstance> {
    const dir = mkdtempSync(join(tmpdir(), 'modelyard-ui-'));
    dirs.push(dir);
    for (const [name, body] of Object.entries(files ?? {})) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } });
    registerErrorHandling(app, silentLogger());
    app.get('/api/2.0/mlflow/experiments/get', async () => ({ experiment: { experiment_id: '0' } }));
    registerStaticUi(app, { uiDir: dir });
    await app.ready();
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('says at / how to build the UI when it is not built, and keeps JSON 404s elsewhere', async () => {
    const a = await appServing(undefined);
    const root = await a.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toContain('text/html');
    expect(root.body).toContain('The web UI is not built');
    expect(root.body).toContain('npm run build');
    const other = await a.inject({ method: 'GET', url: '/experiments/1' });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('serves files, falls back to index.html for client routes, and lets the API win', async () => {
    const a = await appServing({ 'index.html': '<div id="root"></div>', 'assets/app-1a2b.js': 'console.log(1)', 'favicon.svg': '<svg/>' });
    const index = await a.inject({ method: 'GET', url: '/' });
    expect(index.body).toBe('<div id="root"></div>');
    expect(index.headers['cache-control']).toBe('no-cache');

    const asset = await a.inject({ method: 'GET', url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await a.inject({ method: 'GET', url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');

    const route = await a.inject({ method: 'GET', url: '/experiments/12/runs/abc/metrics?x=step' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toBe('<div id="root"></div>');

    expect((await a.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get' })).json()).toEqual({ experiment: { experiment_id: '0' } });
    const unknownApi = await a.inject({ method: 'GET', url: '/ajax-api/2.0/mlflow/not-a-route' });
    expect(unknownApi.statusCode).toBe(404);
    expect(unknownApi.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    const missingAsset = await a.inject({ method: 'GET', url: '/assets/gone-9z.js' });
    expect(missingAsset.statusCode).toBe(404);
    expect(missingAsset.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('never serves a file outside its folder', async () => {
    const a = await appServing({ 'index.html': 'index' });
    const secretDir = dirs[0]!;
    writeFileSync(join(secretDir, '..', `modelyard-secret-${process.pid}.txt`), 'CONTENT-OUTSIDE-THE-UI-FOLDER');
    try {
      for (const url of [`/..%2Fmodelyard-secret-${process.pid}.txt`, `/%2e%2e/modelyard-secret-${process.pid}.txt`, '/%00']) {
        const res = await a.inject({ method: 'GET', url });
        expect(res.body, url).not.toContain('CONTENT-OUTSIDE-THE-UI-FOLDER');
        expect([200, 404], url).toContain(res.statusCode);
      }
    } finally {
      rmSync(join(secretDir, '..', `modelyard-secret-${process.pid}.txt`), { force: true });
    }
  });
});

describe('the real server serves the built UI', () => {
  let server: TestServer;
  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
  }, 240_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers / and client routes with the app, and API routes with JSON', async () => {
    const page = await fetch(`${server.url}/experiments/0/runs/x`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${server.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');

    const api = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(api.status).toBe(200);
    expect(((await api.json()) as { experiment: { name: string } }).experiment.name).toBe('Default');
    const health = await fetch(`${server.url}/health`);
    expect(await health.text()).toBe('OK');
  });
});
