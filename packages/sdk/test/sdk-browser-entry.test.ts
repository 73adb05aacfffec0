import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/helpers/server.js';
import type { TestServer } from '../../server/test/helpers/server.js';
import { BrowserClient, Client, MlflowApiError, isNotFound, proxiedArtifactPath, resolveBrowserClientOptions } from '../src/browser.js';

const SDK_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES_DIR = resolve(SDK_DIR, '..');
const BROWSER_ENTRY = join(SDK_DIR, 'src/browser.ts');
const NODE_BUILTINS = new Set(builtinModules);

interface ImportGraph {
  /** Reachable source files, relative to packages/. */
  modules: string[];
  /** Imports a page cannot satisfy: Node built-ins and onnxruntime. */
  forbidden: { from: string; specifier: string }[];
  /** Third-party packages reached (each would need its own check). */
  external: string[];
}

/** The file a workspace package's export resolves to under the `source` condition. */
function workspaceSource(specifier: string): string | undefined {
  const m = /^@modelyard\/([^/]+)(\/.*)?$/.exec(specifier);
  if (!m) return undefined;
  const dir = join(PACKAGES_DIR, m[1]!);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, { source?: string }> };
  const source = manifest.exports[m[2] ? `.${m[2]}` : '.']?.source;
  if (!source) throw new Error(`${specifier} has no "source" export condition`);
  return join(dir, source);
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${relative(PACKAGES_DIR, from)} imports '${specifier}', which resolves to no source file`);
}

/**
 * Every module reachable from `entry` through static imports, re-exports, type-only imports and
 * dynamic import() calls, read from the TypeScript sources. Type-only imports count too: a page's
 * type check (DOM lib, no @types/node) would fail on them just as a bundle fails on a value import.
 */
function importGraph(entry: string): ImportGraph {
  const seen = new Set<string>();
  const forbidden: ImportGraph['forbidden'] = [];
  const external = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const from = relative(PACKAGES_DIR, file);
      if (specifier.startsWith('.')) {
        queue.push(resolveRelative(file, specifier));
        continue;
      }
      const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(packageName) || packageName.startsWith('onnxruntime')) {
        forbidden.push({ from, specifier });
      } else if (workspaceSource(specifier)) {
        queue.push(workspaceSource(specifier)!);
      } else {
        external.add(packageName);
      }
    }
  }
  return { modules: [...seen].map((f) => relative(PACKAGES_DIR, f)).sort(), forbidden, external: [...external].sort() };
}

describe('@modelyard/sdk/client import graph', () => {
  it('is the package export "./client", resolved to TypeScript sources through the `source` condition', async () => {
    expect(workspaceSource('@modelyard/sdk/client')).toBe(BROWSER_ENTRY);
    const viaPackage = await import('@modelyard/sdk/client');
    expect(viaPackage.Client).toBe(BrowserClient);
  });

  it('reaches no Node built-in, no onnxruntime and no third-party package', () => {
    const graph = importGraph(BROWSER_ENTRY);
    expect(graph.forbidden).toEqual([]);
    expect(graph.external).toEqual([]);
    // The walk did follow the client's real dependencies (so an empty result above means something).
    for (const module of ['sdk/src/transport.ts', 'sdk/src/client/tracking-api.ts', 'sdk/src/client/mappers.ts', 'sdk/src/browser-artifacts-api.ts']) {
      expect(graph.modules).toContain(module);
    }
    expect(graph.modules).not.toContain('sdk/src/client/artifacts-api.ts');
  });

  it('flags the main entry, which does import node:fs and onnxruntime-node', () => {
    const specifiers = importGraph(join(SDK_DIR, 'src/index.ts')).forbidden.map((f) => f.specifier);
    expect(specifiers).toContain('node:fs');
    expect(specifiers).toContain('onnxruntime-node');
  });
});

describe('@modelyard/sdk/client against a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('tracks, reads and writes artifacts in memory, registers and reads logged models', async () => {
    const client = new Client({ trackingUri: server.url });
    const experimentId = await client.tracking.createExperiment('browser-entry');
    const run = await client.tracking.createRun({ experimentId, runName: 'from-a-page' });
    const runId = run.info.runId;
    await client.tracking.logMetric(runId, { key: 'auc', value: 0.84, timestamp: 1_700_000_000_000, step: 0 });
    await client.tracking.logParam(runId, 'trees', 100);
    const found = await client.tracking.searchRuns([experimentId], { filter: 'metrics.auc > 0.8' });
    expect(found.items.map((r) => r.info.runId)).toEqual([runId]);
    expect(found.items[0]!.data).toMatchObject({ metrics: { auc: 0.84 }, params: { trees: '100' } });

    const root = run.info.artifactUri;
    expect(root.startsWith('mlflow-artifacts:')).toBe(true);
    const bytes = Uint8Array.of(0, 1, 2, 250, 255);
    await client.artifacts.upload(root, 'model/model.onnx', bytes.slice().buffer);
    await client.artifacts.upload(root, 'model/MLmodel', new Blob(['flavors:\n  onnx: {}\n']));
    await client.artifacts.upload(root, 'notes/zoë.txt', 'héllo');
    expect(await client.artifacts.listRunArtifacts(runId)).toEqual([
      { path: 'model', isDir: true },
      { path: 'notes', isDir: true },
    ]);
    expect(await client.artifacts.list(root, 'model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: 20 },
      { path: 'model/model.onnx', isDir: false, fileSize: 5 },
    ]);
    expect(new Uint8Array(await client.artifacts.readArrayBuffer(root, 'model/model.onnx'))).toEqual(bytes);
    const blob = await client.artifacts.readBlob(root, 'model/MLmodel');
    expect(blob.size).toBe(20);
    expect(await blob.text()).toBe('flavors:\n  onnx: {}\n');
    expect(await client.artifacts.readText(root, 'notes/zoë.txt')).toBe('héllo');
    const direct = await fetch(client.artifacts.downloadUrl(root, 'notes/zoë.txt'));
    expect(await direct.text()).toBe('héllo');

    await client.registry.createRegisteredModel('browser-model');
    const version = await client.registry.createModelVersion({ name: 'browser-model', source: `${root}/model`, runId });
    await client.registry.setAlias('browser-model', 'champion', version.version);
    expect((await client.registry.getModelVersionByAlias('browser-model', 'champion')).runId).toBe(runId);
    const events = await client.registryGovernance.allEvents({ name: 'browser-model' });
    expect(events.length).toBeGreaterThan(0);

    const model = await client.loggedModels.create({ experimentId, name: 'page-model', sourceRunId: runId });
    await client.artifacts.upload(model.artifactUri, 'MLmodel', 'artifact_path: model\n');
    expect(await client.artifacts.listLoggedModelArtifacts(model.modelId)).toEqual([{ path: 'MLmodel', isDir: false, fileSize: 21 }]);
    expect(await (await client.artifacts.readLoggedModelArtifact(model.modelId, 'MLmodel')).text()).toBe('artifact_path: model\n');
  });

  it('raises MLflow errors as MlflowApiError and refuses artifact URIs a page cannot reach', async () => {
    const client = new Client({ trackingUri: server.url, maxRetries: 0 });
    const error = await client.tracking.getExperiment('987654').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowApiError);
    expect(error).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', httpStatus: 404 });
    expect(isNotFound(error)).toBe(true);
    expect(() => proxiedArtifactPath('s3://bucket/1/abc/artifacts')).toThrow(/not behind the server's artifact proxy/);
    await expect(client.artifacts.readText('file:///tmp/x', 'a.txt')).rejects.toThrow(/not behind the server's artifact proxy/);
    expect(proxiedArtifactPath('mlflow-artifacts://host:5000/1/abc/artifacts/')).toBe('1/abc/artifacts');
  });

  it('resolves options without the process environment and encodes Basic credentials as UTF-8', () => {
    expect(() => resolveBrowserClientOptions({}, 'tracking')).toThrow(/trackingUri is required here/);
    const opts = resolveBrowserClientOptions({ trackingUri: `${server.url}/`, username: 'zoë', password: 'pä:ss' }, 'tracking');
    expect(opts.baseUrl).toBe(server.url);
    expect(opts.authorization).toBe(`Basic ${Buffer.from('zoë:pä:ss', 'utf8').toString('base64')}`);
    expect(resolveBrowserClientOptions({ trackingUri: server.url, token: 't', username: 'u', password: 'p' }, 'tracking').authorization).toBe('Bearer t');
    expect(resolveBrowserClientOptions({ trackingUri: server.url, registryUri: 'http://registry:5000' }, 'registry').baseUrl).toBe('http://registry:5000');
  });

  it('runs in a sandbox with only browser globals — no process, Buffer or require — defaulting to the page origin', async () => {
    const sandbox = loadInSandbox(BROWSER_ENTRY, { location: { origin: server.url } });
    expect(vm.runInContext('typeof process + typeof Buffer + typeof require', sandbox.context)).toBe('undefinedundefinedundefined');
    const SandboxClient = sandbox.exports.Client as typeof Client;
    const client = new SandboxClient();
    expect(client.trackingUri).toBe(server.url);
    const experimentId = await client.tracking.createExperiment('sandboxed');
    expect((await client.tracking.getExperimentByName('sandboxed')).experimentId).toBe(experimentId);
    const run = await client.tracking.createRun({ experimentId });
    await client.artifacts.upload(run.info.artifactUri, 'a.txt', 'from the sandbox');
    expect(await client.artifacts.readText(run.info.artifactUri, 'a.txt')).toBe('from the sandbox');
    const resolveInSandbox = sandbox.exports.resolveBrowserClientOptions as typeof resolveBrowserClientOptions;
    expect(resolveInSandbox({ username: 'zoë', password: 'p' }, 'tracking').authorization).toBe(`Basic ${Buffer.from('zoë:p').toString('base64')}`);
    const missing = await client.registry.getRegisteredModel('nope').catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'MlflowApiError', errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

/**
 * Loads the entry's module graph, compiled to CommonJS, into a fresh V8 context that has a
 * browser's networking and encoding globals and nothing of Node's: a module that touched
 * `process`, `Buffer` or `require` of anything outside the graph would throw here.
 */
function loadInSandbox(entry: string, page: Record<string, unknown>): { context: vm.Context; exports: Record<string, unknown> } {
  const context = vm.createContext({
    ...page,
    fetch,
    Request,
    Response,
    Headers,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    Blob,
    TextEncoder,
    TextDecoder,
    btoa,
    atob,
    setTimeout,
    clearTimeout,
    console,
  });
  const cache = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module);
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
      fileName: file,
    });
    const factory = vm.runInContext(`(function (exports, require, module) {\n${outputText}\n})`, context, { filename: file }) as (
      e: unknown,
      r: (s: string) => unknown,
      m: unknown,
    ) => void;
    const requireFromGraph = (specifier: string) => {
      if (!specifier.startsWith('.')) throw new Error(`${relative(PACKAGES_DIR, file)} requires '${specifier}', which a page does not have`);
      return load(resolveRelative(file, specifier));
    };
    factory(module.exports, requireFromGraph, module);
    return module.exports;
  };
  return { context, exports: load(entry) };
}
