import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { FileInfo } from '../entities.js';
import type { Transport } from '../transport.js';
import { openObjectStore } from '../artifact-stores/open-object-store.js';
import type { ObjectStore } from '../artifact-stores/object-store.js';
import { formatObjectStoreUri, isObjectStoreUri, parseObjectStoreUri } from '../artifact-stores/object-store-uri.js';
import { toFileInfo } from './mappers.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * Where an artifact URI lives: behind this server's artifact proxy, on a local filesystem, or in
 * an object store the client reaches itself (`store` is the bucket or container, `prefix` the
 * location's key prefix in it).
 */
export type ArtifactLocation =
  | { kind: 'proxy'; path: string }
  | { kind: 'local'; dir: string }
  | { kind: 'object-store'; store: string; prefix: string };

/**
 * `mlflow-artifacts:/a/b` and `mlflow-artifacts://host/a/b` go through the server's proxy;
 * `file:///x` and plain paths are local folders; `s3://`, `wasbs://` and `abfss://` are read and
 * written directly, as MLflow's clients do when the server runs with `--no-serve-artifacts`
 * (credentials from the environment: see docs/tracking-server.md). Other schemes are refused.
 */
export function artifactLocation(uri: string): ArtifactLocation {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (m) return { kind: 'proxy', path: m[1]!.replace(/\/+$/, '') };
  if (uri.startsWith('file://')) return { kind: 'local', dir: fileURLToPath(uri) };
  if (isObjectStoreUri(uri)) {
    const location = parseObjectStoreUri(uri);
    return { kind: 'object-store', store: formatObjectStoreUri({ ...location, prefix: '' }), prefix: location.prefix };
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) return { kind: 'local', dir: uri };
  throw new Error(
    `artifact URI '${uri}' uses a scheme this client cannot reach directly; use mlflow-artifacts:/ (the server's proxy), s3://, wasbs://, abfss:// or a local path`,
  );
}

const joinPath = (...parts: string[]) => parts.filter((p) => p !== '').join('/').replace(/\/+/g, '/');
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/**
 * A listed name that cannot become a local file name safely: a server or a bucket could list
 * `..` or `a\\b`, and a download must not write outside its destination folder.
 */
function checkedName(path: string): string {
  const name = path.split('/').pop() ?? '';
  if (name === '' || name === '.' || name === '..' || name.includes('\\') || /[\u0000-\u001f]/.test(name)) {
    throw new Error(`refusing to download artifact ${JSON.stringify(path)}: its name cannot be a local file name`);
  }
  return name;
}

export interface ArtifactsApiOptions {
  /** Where object-store credentials and endpoints are read (the client's `env`; `process.env` by default). */
  env?: Record<string, string | undefined>;
}

/** Artifact listing, upload and download: through the proxy, a local folder, or an object store directly. */
export class ArtifactsApi {
  /** One client per bucket or container, opened on first use. */
  private readonly stores = new Map<string, Promise<ObjectStore>>();

  constructor(
    private readonly t: Transport,
    private readonly options: ArtifactsApiOptions = {},
  ) {}

  private objectStore(store: string): Promise<ObjectStore> {
    let opened = this.stores.get(store);
    if (opened === undefined) {
      opened = openObjectStore(store, this.options.env ? { env: this.options.env } : {});
      opened.catch(() => this.stores.delete(store));
      this.stores.set(store, opened);
    }
    return opened;
  }

  /** Frees the object-store clients' sockets. */
  close(): void {
    for (const store of this.stores.values()) void store.then((s) => s.close(), () => undefined);
    this.stores.clear();
  }

  /** A run's artifacts at `path` (MLflow's artifacts/list). */
  async listRunArtifacts(runId: string, path = ''): Promise<FileInfo[]> {
    const r = await this.t.get<{ files?: object[] }>('/api/2.0/mlflow/artifacts/list', { run_id: runId, ...(path ? { path } : {}) });
    return (r.files ?? []).map(toFileInfo);
  }

  /** Lists below an artifact root URI; `path` is relative to the root, and so are the results. */
  async list(rootUri: string, path = ''): Promise<FileInfo[]> {
    const loc = artifactLocation(rootUri);
    if (loc.kind === 'local') {
      const dir = join(loc.dir, path);
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      return Promise.all(
        entries.map(async (e) => {
          const rel = joinPath(path, e.name);
          if (e.isDirectory()) return { path: rel, isDir: true };
          return { path: rel, isDir: false, fileSize: (await stat(join(dir, e.name))).size };
        }),
      );
    }
    if (loc.kind === 'object-store') {
      const entries = await (await this.objectStore(loc.store)).list(joinPath(loc.prefix, path));
      return entries.map((e) => ({ ...e, path: joinPath(path, e.path.split('/').pop()!) }));
    }
    const r = await this.t.get<{ files?: Array<{ path: string; is_dir?: boolean; file_size?: number }> }>(PROXY, { path: joinPath(loc.path, path) });
    return (r.files ?? []).map((f) => toFileInfo({ ...f, path: joinPath(path, f.path.split('/').pop()!) }));
  }

  /** Uploads one local file to `<rootUri>/<artifactPath>/<name>`, streamed. */
  async uploadFile(rootUri: string, localFile: string, artifactPath: string): Promise<void> {
    const loc = artifactLocation(rootUri);
    if (loc.kind === 'local') {
      const target = join(loc.dir, artifactPath);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(localFile, target);
      return;
    }
    if (loc.kind === 'object-store') {
      await (await this.objectStore(loc.store)).write(joinPath(loc.prefix, artifactPath), createReadStream(localFile));
      return;
    }
    await this.t.request('PUT', `${PROXY}/${encodePath(joinPath(loc.path, artifactPath))}`, {
      body: () => Readable.toWeb(createReadStream(localFile)) as unknown as NonNullable<RequestInit["body"]>,
      contentType: 'application/octet-stream',
    });
  }

  /** Uploads bytes or text to `<rootUri>/<artifactPath>`. */
  async uploadBytes(rootUri: string, artifactPath: string, data: Uint8Array | string): Promise<void> {
    const loc = artifactLocation(rootUri);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (loc.kind === 'local') {
      const target = join(loc.dir, artifactPath);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(Readable.from([bytes]), createWriteStream(target));
      return;
    }
    if (loc.kind === 'object-store') {
      await (await this.objectStore(loc.store)).write(joinPath(loc.prefix, artifactPath), bytes);
      return;
    }
    await this.t.request('PUT', `${PROXY}/${encodePath(joinPath(loc.path, artifactPath))}`, {
      body: () => new Blob([bytes]),
      contentType: 'application/octet-stream',
    });
  }

  /** Uploads a local folder, keeping its layout, under `<rootUri>/<artifactPath>`. */
  async uploadDir(rootUri: string, localDir: string, artifactPath = ''): Promise<void> {
    for (const entry of await readdir(localDir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      await this.uploadFile(rootUri, full, joinPath(artifactPath, relative(localDir, full).split('\\').join('/')));
    }
  }

  /** Reads one artifact into memory (small files: MLmodel, JSON). */
  async readBytes(rootUri: string, artifactPath: string): Promise<Buffer> {
    const loc = artifactLocation(rootUri);
    if (loc.kind === 'local') {
      const chunks: Buffer[] = [];
      for await (const c of createReadStream(join(loc.dir, artifactPath))) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    if (loc.kind === 'object-store') {
      const chunks: Buffer[] = [];
      for await (const c of (await (await this.objectStore(loc.store)).openRead(joinPath(loc.prefix, artifactPath))).stream) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    const res = await this.t.request('GET', `${PROXY}/${encodePath(joinPath(loc.path, artifactPath))}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Downloads a file or a whole folder below `rootUri` into `destDir`; returns the local path. */
  async download(rootUri: string, artifactPath: string, destDir: string): Promise<string> {
    const entries = await this.list(rootUri, artifactPath);
    const isFile = entries.length === 0 && artifactPath !== '';
    if (isFile) {
      const target = join(destDir, checkedName(artifactPath));
      await this.downloadFile(rootUri, artifactPath, target);
      return target;
    }
    const base = join(destDir, artifactPath.split('/').filter(Boolean).pop() ?? '');
    await this.downloadTree(rootUri, artifactPath, base);
    return base;
  }

  private async downloadTree(rootUri: string, path: string, localDir: string): Promise<void> {
    await mkdir(localDir, { recursive: true });
    for (const f of await this.list(rootUri, path)) {
      const name = checkedName(f.path);
      if (f.isDir) await this.downloadTree(rootUri, f.path, join(localDir, name));
      else await this.downloadFile(rootUri, f.path, join(localDir, name));
    }
  }

  private async downloadFile(rootUri: string, artifactPath: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    const loc = artifactLocation(rootUri);
    if (loc.kind === 'local') {
      await copyFile(join(loc.dir, artifactPath), target);
      return;
    }
    if (loc.kind === 'object-store') {
      const read = await (await this.objectStore(loc.store)).openRead(joinPath(loc.prefix, artifactPath));
      await pipeline(read.stream, createWriteStream(target));
      return;
    }
    const res = await this.t.request('GET', `${PROXY}/${encodePath(joinPath(loc.path, artifactPath))}`);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(target));
  }
}
