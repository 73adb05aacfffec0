import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachServer } from '../helpers/mlflow-http.js';
import type { ServerContext } from '../helpers/mlflow-http.js';

// A folder outside every artifact root, holding a file a client must never read through the server.
const outside = mkdtempSync(join(tmpdir(), 'modelyard-outside-'));
const SECRET = 'secret-outside-the-artifact-roots';
writeFileSync(join(outside, 'passwd'), SECRET);
mkdirSync(join(outside, 'models'), { recursive: true });

afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** Every way a location could name `outside` (or /etc) while looking like something else. */
function hostileLocations(dest: string): string[] {
  const outUrl = pathToFileURL(outside).href;
  return [
    'file:///etc?',
    'file:///etc#',
    'file:///etc?x=1',
    'file:///etc#frag',
    `${outUrl}?`,
    `${outUrl}#`,
    'file:///etc;',
    'file:///etc',
    'file:/etc',
    'file://localhost/etc',
    'file://evil.example/etc',
    'file:etc',
    '/etc',
    outside,
    outUrl,
    `${pathToFileURL(dest).href}/..%2F..%2F..%2Fetc`,
    `${pathToFileURL(dest).href}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc`,
    `${pathToFileURL(dest).href}%2F..%2Fetc`,
    `${pathToFileURL(dest).href}/%5C..%5Cetc`,
    `${pathToFileURL(dest).href}/x%00`,
    `${dest}/../../../../etc`,
    `${dest}?/../../etc`,
    `${dest}/sub\u0000`,
    'mlflow-artifacts:/x?y',
    'mlflow-artifacts:/x#y',
    'mlflow-artifacts:/../../../../etc',
    'mlflow-artifacts:/%2e%2e/%2e%2e/etc',
    'http://127.0.0.1:1/elsewhere',
    `${pathToFileURL(join(dest, 'planted-link')).href}`,
  ];
}

function expectRefused(res: { status: number; body: Record<string, unknown> }, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.error_code, what).toBe('INVALID_PARAMETER_VALUE');
  expect(typeof res.body.message).toBe('string');
  expect(JSON.stringify(res.body)).not.toContain(SECRET);
}

describeEachServer('attack: artifact locations outside the artifact roots', (ctx: ServerContext) => {
  let dest: string;

  beforeAll(() => {
    dest = ctx.server.artifactsDir;
    mkdirSync(dest, { recursive: true });
    // A link planted inside the destination (by hand: the API cannot make links) pointing out of it.
    symlinkSync(outside, join(dest, 'planted-link'));
  });

  it('refuses every hostile artifact_location at experiments/create', async () => {
    let n = 0;
    for (const location of hostileLocations(dest)) {
      const res = await ctx.http.post('/experiments/create', { name: `hostile-${n++}`, artifact_location: location });
      expectRefused(res, `artifact_location ${JSON.stringify(location)}`);
    }
    // None of them was created.
    const found = await ctx.http.ok('/experiments/search', { filter: "name LIKE 'hostile-%'", max_results: 1000 });
    expect(found.experiments ?? []).toEqual([]);
  });

  it('accepts locations inside the artifact roots and object-store URIs', async () => {
    for (const [name, location] of [
      ['inside-file-url', pathToFileURL(join(dest, 'team-a')).href],
      ['inside-path', join(dest, 'team-b')],
      ['inside-localhost', `file://localhost${join(dest, 'team-c')}`],
      ['inside-proxied', 'mlflow-artifacts:/team-d'],
      ['object-store', 's3://bucket/team-e'],
    ] as const) {
      const { experiment_id } = await ctx.http.ok('/experiments/create', { name, artifact_location: location });
      expect((await ctx.http.okGet('/experiments/get', { experiment_id })).experiment.artifact_location).toBe(location);
    }
  });

  it('refuses to read or list through locations stored before the check (every artifact route)', async () => {
    for (const [i, location] of hostileLocations(dest).entries()) {
      if (location.includes('\u0000')) continue; // PostgreSQL cannot store NUL in text at all
      // Stored directly, as a database written by an older version (or by hand) could hold it.
      const { experiment_id } = await ctx.http.ok('/experiments/create', { name: `legacy-${i}` });
      await ctx.server.db.db.updateTable('experiments').set({ artifact_location: location }).where('experiment_id', '=', Number(experiment_id)).execute();
      const what = `legacy location ${JSON.stringify(location)}`;

      const { run } = await ctx.http.ok('/runs/create', { experiment_id });
      for (const path of [undefined, 'passwd', '..', 'models']) {
        const listed = await ctx.http.get('/artifacts/list', { run_id: run.info.run_id, ...(path ? { path } : {}) });
        if (location.startsWith('http:')) expect(listed.status, what).toBeGreaterThanOrEqual(400);
        else expectRefused(listed, `${what}: artifacts/list ${path ?? ''}`);
      }

      const created = await ctx.http.post('/logged-models', { experiment_id, name: `lm-${i}` });
      if (created.status !== 200) {
        expect(created.status, what).toBeGreaterThanOrEqual(400);
        expect(created.status, what).toBeLessThan(500);
        continue;
      }
      const modelId = created.body.model.info.model_id as string;
      const files = await fetch(`${ctx.server.url}/api/2.0/mlflow/logged-models/${modelId}/artifacts/files?artifact_file_path=passwd`);
      const filesBody = await files.text();
      expect(filesBody, what).not.toContain(SECRET);
      expect(files.status, what).toBeGreaterThanOrEqual(400);
      expect(files.status, what).toBeLessThan(500);
      const dirs = await ctx.http.get(`/logged-models/${modelId}/artifacts/directories`, {});
      expect(dirs.status, what).toBeGreaterThanOrEqual(400);
      expect(dirs.status, what).toBeLessThan(500);
      expect(JSON.stringify(dirs.body)).not.toContain('passwd');
    }
  });

  it('refuses model version sources that leave the run, with ?, #, ; or encoded separators', async () => {
    await ctx.http.ok('/registered-models/create', { name: 'hostile-sources' });
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'sources-exp', artifact_location: join(dest, 'sources') });
    const { run } = await ctx.http.ok('/runs/create', { experiment_id });
    const runDir = run.info.artifact_uri as string;
    const runUrl = pathToFileURL(runDir).href;
    const sources = [
      'file:///etc?',
      'file:///etc#',
      `${runUrl}?/../../../../etc`,
      `${runUrl}#/../../../../etc`,
      `file:///etc?${runDir}`,
      `/etc?${runDir}`,
      `${runUrl}/..%2F..%2F..%2F..%2Fetc`,
      `${runUrl}/%5C..`,
      `${runUrl}/model%00`,
      'file:///etc;',
      '/etc',
      outside,
      `${runDir}/../../..`,
      `${runUrl}/../../../..`,
      'file://evil.example/model',
      'mlflow-artifacts:/x?y',
    ];
    for (const source of sources) {
      const res = await ctx.http.post('/model-versions/create', { name: 'hostile-sources', source, run_id: run.info.run_id });
      expectRefused(res, `source ${JSON.stringify(source)}`);
    }
    const versions = await ctx.http.ok('/model-versions/search', { filter: "name = 'hostile-sources'" });
    expect(versions.model_versions ?? []).toEqual([]);
    // Inside the run's own folder is fine, as in MLflow.
    const ok = await ctx.http.ok('/model-versions/create', { name: 'hostile-sources', source: `${runUrl}/model`, run_id: run.info.run_id });
    expect(ok.model_version.version).toBe('1');
  });

  it('serves a run whose local location is inside the roots', async () => {
    const root = join(dest, 'served');
    const { experiment_id } = await ctx.http.ok('/experiments/create', { name: 'served', artifact_location: pathToFileURL(root).href });
    const { run } = await ctx.http.ok('/runs/create', { experiment_id });
    const runDir = join(root, run.info.run_id, 'artifacts');
    mkdirSync(join(runDir, 'model'), { recursive: true });
    writeFileSync(join(runDir, 'model', 'MLmodel'), 'flavors: {}\n');
    const listed = await ctx.http.okGet('/artifacts/list', { run_id: run.info.run_id, path: 'model' });
    expect(listed.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
  });
});
