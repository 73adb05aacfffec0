import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModelUri } from '@modelyard/sdk';
import type { Client } from '@modelyard/sdk';
import type { ModelSource, ResolvedModelFiles } from './model-runtime.js';

/** A URI with no scheme (or file://) is a folder on this machine: it is used in place, never copied. */
export function localModelDir(uri: string): string | undefined {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) return resolvePath(uri);
  return undefined;
}

/**
 * Resolves model URIs through an MLflow-compatible server with the SDK client (what `modelyard
 * serve` and `modelyard score` use: MLFLOW_TRACKING_URI / MLFLOW_REGISTRY_URI). Registry
 * versions are downloaded once into `cacheDir/<name>/<version>`; other remote URIs into a fresh
 * folder per resolve.
 */
export class ClientModelSource implements ModelSource {
  private readonly cacheDir: string;
  private readonly remoteFilesOnly: boolean;

  /**
   * `remoteFilesOnly`: accept only models whose files the server serves over HTTP
   * (`mlflow-artifacts:`, `http(s):`). A server process resolving through another server (a
   * central registry) sets it: that server's answer is not trusted to name a path on this
   * machine's disk, or a bucket this process's own cloud credentials would open.
   */
  constructor(
    private readonly client: Client,
    opts: { cacheDir?: string; remoteFilesOnly?: boolean } = {},
  ) {
    this.cacheDir = opts.cacheDir ?? join(tmpdir(), 'modelyard-models');
    this.remoteFilesOnly = opts.remoteFilesOnly ?? false;
  }

  async resolve(uri: string): Promise<ResolvedModelFiles> {
    const local = this.remoteFilesOnly ? undefined : localModelDir(uri);
    if (local) return { uri, localDir: local };
    const resolved = await resolveModelUri(this.client, uri);
    if (this.remoteFilesOnly && !/^(mlflow-artifacts|https?):/i.test(resolved.rootUri)) {
      throw new Error(
        `${uri} at ${this.client.registryUri} keeps its files at ${JSON.stringify(resolved.rootUri.slice(0, 200))}; ` +
          'a model from another registry must be served by that server over HTTP (mlflow-artifacts:/), not read from a path or bucket by this one',
      );
    }
    const version = resolved.version;
    // Registry versions, run folders and logged models do not change once their MLmodel is
    // written, so they are downloaded once per cache folder.
    const fixed = version ? join('registry', encodeURIComponent(version.name), version.version) : immutableCacheKey(uri);
    const dest = join(this.cacheDir, fixed ?? join('uri', `${Date.now()}-${Math.random().toString(36).slice(2)}`));
    if (!fixed || !(await exists(join(dest, 'MLmodel')))) await downloadAtomically(dest, (tmp) => resolved.artifacts.download(resolved.rootUri, resolved.path, tmp));
    return {
      uri,
      localDir: dest,
      ...(version ? { name: version.name, version: version.version, ...(version.runId ? { runId: version.runId } : {}) } : {}),
    };
  }
}

/** A cache folder for `runs:/<id>/<path>` and `models:/m-<id>`; undefined for other URIs. */
function immutableCacheKey(uri: string): string | undefined {
  const runs = /^runs:\/+([^/?#]+)(?:\/([^?#]*))?$/i.exec(uri);
  if (runs) return join('runs', runs[1]!, encodeURIComponent((runs[2] ?? '').replace(/\/+$/, '') || '_root'));
  const logged = /^models:\/+(m-[0-9a-f]+)\/?$/i.exec(uri);
  return logged ? join('logged-models', logged[1]!) : undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Downloads into a sibling temporary folder and renames it into place, so a concurrent or later
 * resolve never opens a half-downloaded model. Losing the rename race to another process is fine:
 * both downloaded the same immutable version.
 */
export async function downloadAtomically(dest: string, download: (tmpDir: string) => Promise<string>): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(tmp, { recursive: true });
  try {
    const got = await download(tmp);
    await mkdir(join(dest, '..'), { recursive: true });
    try {
      await rename(got, dest);
    } catch (e) {
      if (!(await exists(join(dest, 'MLmodel')))) throw e;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Local model folders only (a path or file:// URI): for tools and benchmarks that need no server. */
export class LocalFolderModelSource implements ModelSource {
  async resolve(uri: string): Promise<ResolvedModelFiles> {
    const local = localModelDir(uri);
    if (!local) throw new Error(`'${uri}' is not a local model folder; resolving registry or run URIs needs a tracking server (MLFLOW_TRACKING_URI)`);
    return { uri, localDir: local };
  }
}
