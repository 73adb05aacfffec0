import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ArtifactsApi } from '../client/artifacts-api.js';
import { artifactLocation } from '../client/artifacts-api.js';
import type { Client } from '../client/client.js';
import { filterLiteral } from '../client/filter-literal.js';
import type { RegistryApi } from '../client/registry-api.js';
import type { ModelVersion } from '../entities.js';
import { MlflowApiError } from '../errors.js';
import { awaitReady } from './await-ready.js';
import { readMlmodel } from './mlmodel.js';
import type { MlModel } from './mlmodel.js';
import { resolveModelUri } from './model-uri.js';

/** Tags a copied version carries, so the registry knows where it came from. */
export const LINEAGE_TAGS = {
  /** The run that produced the model (on the source tracking server). */
  runId: 'modelyard.source.run_id',
  /** The server the files were copied from. */
  server: 'modelyard.source.server',
  /** The exact source, with aliases and stages resolved to a version: `models:/m/3`, `runs:/…`. */
  modelUri: 'modelyard.source.model_uri',
  /** sha256 over the model folder's files: the same digest means the same bytes. */
  digest: 'modelyard.source.digest',
  /** The MLmodel signature as JSON (when it fits a tag value), readable without downloading. */
  signature: 'modelyard.signature',
} as const;

/** MLflow caps registry tag values at 5,000 characters. */
const MAX_TAG_VALUE = 5000;

/** Where a copy goes: a registry server and the artifact store behind its proxy. */
export interface RegistryTarget {
  registry: RegistryApi;
  artifacts: ArtifactsApi;
  /** The target server's URL (for lineage and messages). */
  uri: string;
}

export interface CopyModelVersionOptions {
  /** Registered model on the target; created when missing. */
  name: string;
  description?: string;
  /** Extra tags on the new version (lineage tags are added and win). */
  tags?: Record<string, string>;
  /**
   * Return an existing version of `name` copied from the same source with the same files instead
   * of creating another (default true): re-running a copy is then harmless.
   */
  reuseExisting?: boolean;
  /** How long to wait for the new version to be READY (default 300 s). */
  timeoutMs?: number;
}

export interface CopiedModelVersion {
  version: ModelVersion;
  /** False when an identical earlier copy was reused. */
  created: boolean;
  /** The source with aliases and stages resolved. */
  sourceModelUri: string;
  sourceServer?: string;
  /** Where the files are on the target. */
  targetSource: string;
  files: number;
  bytes: number;
  digest: string;
  mlmodel: MlModel;
}

/** The target's registry side of a client: what `registerModel` copies into. */
export function registryTargetOf(client: Client): RegistryTarget {
  return { registry: client.registry, artifacts: client.registryArtifacts, uri: client.registryUri };
}

/** Where the source's files are read from: the registry server for `models:/<name>/…`, else the tracking server (or a local folder). */
function sourceServerOf(client: Client, uri: string, viaRegistry: boolean, rootUri: string): string | undefined {
  if (viaRegistry) return client.registryUri;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('file:')) return undefined;
  return artifactLocation(rootUri).kind === 'local' ? undefined : client.trackingUri;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const parent = e.parentPath ?? (e as unknown as { path: string }).path;
    out.push(relative(dir, join(parent, e.name)).split('\\').join('/'));
  }
  return out.sort();
}

/** sha256 over (path, size, bytes) of every file in path order: independent of where the folder is. */
async function folderDigest(dir: string, files: string[]): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    const size = (await stat(join(dir, f))).size;
    bytes += size;
    hash.update(`${f}\0${size}\0`);
    for await (const chunk of createReadStream(join(dir, f))) hash.update(chunk as Buffer);
  }
  return { digest: hash.digest('hex'), bytes };
}

/** A proxy path that is stable for the same model and bytes, so a retried copy overwrites itself. */
function targetRoot(name: string, digest: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'model';
  return `mlflow-artifacts:/model-registry/${safe}/${digest.slice(0, 32)}`;
}

async function findExistingCopy(target: RegistryTarget, name: string, lineage: Record<string, string>): Promise<ModelVersion | undefined> {
  let pageToken: string | undefined;
  do {
    const page = await target.registry.searchModelVersions({ filter: `name = ${filterLiteral(name)}`, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    const hit = page.items.find((v) => Object.entries(lineage).every(([k, value]) => v.tags[k] === value));
    if (hit) return hit;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return undefined;
}

async function ensureRegisteredModel(registry: RegistryApi, name: string): Promise<void> {
  try {
    await registry.createRegisteredModel(name);
  } catch (e) {
    if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
  }
}

/**
 * The run's page on its tracking server. Only a convenience link: a run that cannot be read there
 * (a copy of a copy, a server without tracking) keeps the source version's link, or none.
 */
async function runLinkOf(client: Client, runId: string | undefined, fallback: string | undefined): Promise<string | undefined> {
  if (!runId) return fallback;
  try {
    const run = await client.tracking.getRun(runId);
    return `${client.trackingUri}/experiments/${run.info.experimentId}/runs/${runId}`;
  } catch {
    return fallback;
  }
}

/**
 * Copies a model (any model URI `client` can resolve: `models:/m/3`, `models:/m@champion`,
 * `runs:/…`, `models:/m-…`, a local folder) into another registry as a new version of `name`:
 * downloads its files, uploads them into the target's artifact store (the target cannot read the
 * source's store), MLmodel last, then creates the version there with lineage tags and `run_link`.
 * The one implementation behind `registerModel` with a separate registry URI and
 * `modelyard models copy`.
 */
export async function copyModelVersion(client: Client, modelUri: string, target: RegistryTarget, opts: CopyModelVersionOptions): Promise<CopiedModelVersion> {
  if (!opts.name) throw new Error('copying a model version needs the target registered model name');
  const resolved = await resolveModelUri(client, modelUri);
  const viaRegistry = resolved.version !== undefined;
  const sourceModelUri = resolved.version ? `models:/${resolved.version.name}/${resolved.version.version}` : modelUri;
  const sourceServer = sourceServerOf(client, modelUri, viaRegistry, resolved.rootUri);
  // Checked before downloading: a run folder that is not a model may be large.
  const top = await resolved.artifacts.list(resolved.rootUri, resolved.path);
  if (!top.some((f) => !f.isDir && f.path.split('/').pop() === 'MLmodel')) {
    throw new Error(`'${modelUri}' is not an MLflow model: no MLmodel file at ${resolved.rootUri}${resolved.path ? `/${resolved.path}` : ''}`);
  }
  const work = await mkdtemp(join(tmpdir(), 'modelyard-copy-'));
  try {
    const localDir = await resolved.artifacts.download(resolved.rootUri, resolved.path, join(work, 'model'));
    const files = await listFiles(localDir);
    const mlmodel = readMlmodel(await readFile(join(localDir, 'MLmodel'), 'utf8'));
    const { digest, bytes } = await folderDigest(localDir, files);
    const runId = resolved.version?.runId ?? resolved.version?.tags[LINEAGE_TAGS.runId] ?? mlmodel.runId;
    const signature = mlmodel.signature ? JSON.stringify(mlmodel.signature) : undefined;
    const lineage: Record<string, string> = {
      [LINEAGE_TAGS.modelUri]: sourceModelUri,
      [LINEAGE_TAGS.digest]: digest,
      ...(sourceServer ? { [LINEAGE_TAGS.server]: sourceServer } : {}),
    };
    const targetSource = targetRoot(opts.name, digest);
    const summary = { sourceModelUri, ...(sourceServer ? { sourceServer } : {}), targetSource, files: files.length, bytes, digest, mlmodel };

    if (opts.reuseExisting ?? true) {
      const existing = await findExistingCopy(target, opts.name, lineage);
      if (existing) return { ...summary, version: existing, created: false };
    }

    // MLmodel last: a reader that sees it finds every file it points at.
    for (const f of [...files.filter((f) => f !== 'MLmodel'), 'MLmodel']) await target.artifacts.uploadFile(targetSource, join(localDir, f), f);
    await ensureRegisteredModel(target.registry, opts.name);
    const runLink = await runLinkOf(client, runId, resolved.version?.runLink);
    const description = opts.description ?? resolved.version?.description;
    const created = await target.registry.createModelVersion({
      name: opts.name,
      source: targetSource,
      ...(runId ? { runId } : {}),
      ...(runLink ? { runLink } : {}),
      ...(description ? { description } : {}),
      tags: {
        ...(opts.tags ?? {}),
        ...lineage,
        ...(runId ? { [LINEAGE_TAGS.runId]: runId } : {}),
        ...(signature && signature.length <= MAX_TAG_VALUE ? { [LINEAGE_TAGS.signature]: signature } : {}),
      },
    });
    return { ...summary, version: await awaitReady(target.registry, created, opts.timeoutMs), created: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
