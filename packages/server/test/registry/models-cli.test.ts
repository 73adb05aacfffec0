import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogisticRegression, Pipeline, StandardScaler, parseCsv, toOnnx } from '@modelyard/learn';
import { Client, LINEAGE_TAGS, Tracker, logModelWith, signatureFromSchemas } from '@modelyard/sdk';
import type { ModelVersion, RegistryEvent } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { PIMA_CSV } from '../helpers/datasets.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const DATA = PIMA_CSV;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A port nothing listens on (fetch refuses "bad ports" such as 1 before connecting). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A developer's own server settings must not leak into the child. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MLFLOW_|MODELYARD_)/.test(k)));
  return { ...env, NODE_OPTIONS: '', ...extra };
}

describe('modelyard models (the real CLI against real servers)', () => {
  let dev: TestServer;
  let prod: TestServer;
  let devClient: Client;

  const modelyard = (args: string[]): Promise<CliResult> => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', TSX_LOADER, join(ROOT, 'packages/server/src/main.ts'), 'models', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv({ MLFLOW_TRACKING_URI: dev.url, MODELYARD_USER: 'cli-tester' }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await modelyard([...args, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    [dev, prod] = await Promise.all([startTestServer(), startTestServer()]);
    const frame = parseCsv(readFileSync(DATA, 'utf8'));
    const tracker = new Tracker({ trackingUri: dev.url, env: {} });
    devClient = tracker.client;
    await tracker.setExperiment('cli');
    for (const c of [0.01, 10]) {
      const p = new Pipeline([new StandardScaler()], new LogisticRegression({ c })).fit(frame, 'Outcome');
      await tracker.withRun({}, () =>
        logModelWith(tracker, toOnnx(p, { name: 'pima' }), { signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()), registeredModelName: 'diabetes' }),
      );
    }
    await devClient.registry.createRegisteredModel('other-model', { description: 'not a diabetes model' });
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it('lists, searches, shows versions and resolves download URIs', async () => {
    const [list, search, versions, uri] = await Promise.all([
      modelyard(['list']),
      json<Array<{ name: string }>>(['search', '--filter', "name LIKE 'diab%'"]),
      modelyard(['versions', 'diabetes']),
      json<{ artifactUri: string; version: string }>(['download-uri', 'models:/diabetes/latest']),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +LATEST VERSIONS +ALIASES +UPDATED +DESCRIPTION\n/);
    expect(list.stdout).toMatch(/\ndiabetes +2 \(None\) +- +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n/);
    expect(list.stdout).toMatch(/\nother-model +- +- +\S+ \S+ +not a diabetes model\n/);
    expect(search.map((m) => m.name)).toEqual(['diabetes']);
    expect(versions.stdout.split('\n').filter(Boolean).map((l) => l.split(/ +/).slice(0, 3).join(' '))).toEqual(['VERSION STAGE STATUS', '2 None READY', '1 None READY']);
    expect(uri.version).toBe('2');
    expect(uri.artifactUri).toBe(await devClient.registry.getModelVersionDownloadUri('diabetes', '2'));
  }, 120_000);

  it('transitions, moves aliases and prints the audit trail with who and why', async () => {
    const first = await modelyard(['transition', 'diabetes', '1', 'production', '--comment', 'first release']);
    expect([first.code, first.stdout, first.stderr]).toEqual([0, 'diabetes version 1: None → Production\n', '']);
    const second = await modelyard(['transition', 'diabetes', '2', 'Production', '--archive-existing', '--comment', 'AUC +2%']);
    expect(second.stdout).toBe('diabetes version 2: None → Production; archived version(s) 1\n');
    await devClient.registry.setAlias('diabetes', 'champion', '1');
    expect((await modelyard(['alias', 'set', 'diabetes', 'champion', '2'])).stdout).toBe('diabetes@champion → version 2 (was 1)\n');
    expect((await devClient.registry.getModelVersionByAlias('diabetes', 'champion')).version).toBe('2');

    const [events, table, show] = await Promise.all([
      json<RegistryEvent[]>(['history', 'diabetes', '--kind', 'stage_transition', '--kind', 'alias_set']),
      modelyard(['history', 'diabetes', '--version', '2']),
      modelyard(['show', 'diabetes']),
    ]);
    expect(events.map((e) => [e.kind, e.version, e.alias ?? null, e.from ?? null, e.to, e.actor, e.comment ?? null])).toEqual([
      ['stage_transition', '1', null, 'None', 'Production', 'cli-tester', 'first release'],
      ['stage_transition', '2', null, 'None', 'Production', 'cli-tester', 'AUC +2%'],
      ['stage_transition', '1', null, 'Production', 'Archived', 'cli-tester', 'AUC +2%'],
      ['alias_set', '1', 'champion', null, '1', 'anonymous', null],
      ['alias_set', '2', 'champion', '1', '2', 'cli-tester', null],
    ]);
    expect(table.stdout).toMatch(/^TIME +VERSION +EVENT +CHANGE +ACTOR +COMMENT\n/);
    expect(table.stdout).toMatch(/ 2 +stage_transition +None → Production +cli-tester +AUC \+2%\n/);
    expect(table.stdout).toMatch(/ 2 +alias_set +@champion 1 → 2 +cli-tester\n/);
    expect(table.stdout).not.toMatch(/ 1 +stage_transition/);
    expect(show.stdout).toMatch(/^registered model diabetes: 2 version\(s\), created /);
    expect(show.stdout).toContain('\nSTAGE       VERSIONS\nProduction  2\nStaging     -\nNone        -\nArchived    1\n');
    expect(show.stdout).toContain('\nALIAS     VERSION\nchampion  2\n');

    const gone = await modelyard(['alias', 'delete', 'diabetes', 'champion']);
    expect(gone.stdout).toBe('deleted diabetes@champion (was version 2)\n');
    await expect(devClient.registry.getModelVersionByAlias('diabetes', 'champion')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  }, 120_000);

  it('requests a transition, approves one (which moves the stage) and rejects another', async () => {
    const req = await modelyard(['request', 'diabetes', '1', 'staging', '--comment', 'retest the old one']);
    expect(req.stdout).toBe('requested diabetes version 1 → Staging by cli-tester; approve with: modelyard models approve diabetes 1 Staging\n');
    const open = await modelyard(['requests', 'diabetes', '1']);
    expect(open.stdout).toMatch(/^ID +TO_STAGE +REQUESTED_BY +CREATED +COMMENT\n\d+ +Staging +cli-tester +\S+ \S+ +retest the old one\n$/);
    expect((await devClient.registry.getModelVersion('diabetes', '1')).currentStage).toBe('Archived');
    const approved = await modelyard(['approve', 'diabetes', '1', 'Staging', '--comment', 'ok']);
    expect(approved.stdout).toBe('approved: diabetes version 1 Archived → Staging\n');
    expect((await devClient.registry.getModelVersion('diabetes', '1')).currentStage).toBe('Staging');

    await devClient.registryGovernance.createTransitionRequest('diabetes', '2', 'Archived');
    const rejected = await modelyard(['reject', 'diabetes', '2', 'archived', '--comment', 'still champion']);
    expect(rejected.stdout).toBe('rejected the request to move diabetes version 2 to Archived\n');
    expect((await devClient.registry.getModelVersion('diabetes', '2')).currentStage).toBe('Production');
    const trail = await devClient.registryGovernance.allEvents({ name: 'diabetes', kinds: ['transition_approved', 'transition_rejected'] });
    expect(trail.map((e) => [e.kind, e.version, e.actor, e.comment])).toEqual([
      ['transition_approved', '1', 'cli-tester', 'ok'],
      ['transition_rejected', '2', 'cli-tester', 'still champion'],
    ]);
  }, 120_000);

  it('copies a version with its files and lineage to another server, and a re-run reuses the copy', async () => {
    const first = await modelyard(['copy', 'models:/diabetes/Production', '--to', prod.url]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(new RegExp(`^copied models:/diabetes/2 on ${dev.url} → diabetes version 1 on ${prod.url} \\(3 files, [\\d.]+ kB; models:/diabetes/1\\)\\n$`));
    const again = await modelyard(['copy', 'models:/diabetes/2', '--to', prod.url, '--name', 'diabetes']);
    expect(again.stdout).toBe(`already copied: diabetes version 1 on ${prod.url} has the same files from models:/diabetes/2 on ${dev.url}; nothing uploaded (--no-reuse makes a new version)\n`);
    const fresh = await json<{ created: boolean; version: string; modelVersion: ModelVersion }>(['copy', 'models:/diabetes/1', '--to', prod.url, '--name', 'diabetes-archive', '--no-reuse']);
    expect([fresh.created, fresh.version]).toEqual([true, '1']);

    const prodClient = new Client({ trackingUri: prod.url, env: {} });
    const copied = await prodClient.registry.getModelVersion('diabetes', '1');
    const original = await devClient.registry.getModelVersion('diabetes', '2');
    expect(copied.tags).toMatchObject({ [LINEAGE_TAGS.runId]: original.runId, [LINEAGE_TAGS.server]: dev.url, [LINEAGE_TAGS.modelUri]: 'models:/diabetes/2' });
    expect(JSON.parse(copied.tags[LINEAGE_TAGS.signature]!).inputs).toHaveLength(8);
    const mlmodel = (await prodClient.registryArtifacts.readBytes(copied.source, 'MLmodel')).toString('utf8');
    expect(mlmodel).toBe((await devClient.artifacts.readBytes(original.source, 'MLmodel')).toString('utf8'));
    expect(copied.source).toMatch(/^mlflow-artifacts:\/model-registry\/diabetes\/[0-9a-f]{32}$/);
  }, 120_000);

  it('answers bad input with one line on stderr and exit code 1', async () => {
    const cases: Array<[string[], string]> = [
      [['show', 'nope'], `modelyard: ${dev.url}: Registered Model with name=nope not found (RESOURCE_DOES_NOT_EXIST)\n`],
      [['history', 'diabetes', '--version', 'x'], "modelyard: a model version is a positive whole number, got 'x'\n"],
      [['transition', 'diabetes', '1', 'Prod'], "modelyard: stage 'Prod' is not one of None, Staging, Production, Archived\n"],
      [['approve', 'diabetes', '2', 'Staging'], `modelyard: ${dev.url}: No open transition request to stage 'Staging' for model version (name=diabetes, version=2) (RESOURCE_DOES_NOT_EXIST)\n`],
      [['copy', 'models:/diabetes/1'], 'modelyard: copy needs --to <url>: the registry server to copy into, e.g. --to http://prod:5000\n'],
      [['copy', 'models:/diabetes/9', '--to', 'http://127.0.0.1:1'], `modelyard: ${dev.url}: Model Version (name=diabetes, version=9) not found (RESOURCE_DOES_NOT_EXIST)\n`],
    ];
    const results = await Promise.all(cases.map(([args]) => modelyard(args)));
    results.forEach((r, i) => expect([r.code, r.stdout, r.stderr], cases[i]![0].join(' ')).toEqual([1, '', cases[i]![1]]));
    const closed = await closedPort();
    const down = await modelyard(['list', '--registry-uri', `http://127.0.0.1:${closed}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^modelyard: cannot reach http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED.*\n$`));
    expect(down.stderr.split('\n')).toHaveLength(2);
  }, 120_000);
});
