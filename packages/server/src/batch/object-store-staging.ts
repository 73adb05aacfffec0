import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatObjectStoreUri, isObjectStoreUri, ObjectNotFoundError, ObjectStoreUriError, openObjectStore, parseObjectStoreUri } from '@modelyard/sdk';
import type { ObjectStore, ObjectStoreLocation } from '@modelyard/sdk';
import { artifactContentType } from '../artifacts/content-type.js';
import { InvalidParameterError } from '../errors.js';
import { isAlive, publish } from './output-files.js';

/**
 * Part files downloaded at once. Each download is a stream piped to a local file with
 * back-pressure, so this bounds memory (a few socket buffers each) as much as it buys throughput
 * on folders of many small parts.
 */
const DOWNLOAD_CONCURRENCY = 4;
const STAGING_MARK = 'modelyard-batch-';

export interface InputRules {
  /** Which files of a folder are data, by file name (others are skipped). */
  accept(name: string): boolean;
  /** Why a file named directly is not taken: "is neither CSV … nor Parquet …; rename it". */
  refusal: string;
  /** What a folder must hold, for messages: "CSV or Parquet files". */
  files: string;
  /** Whether a folder of part files may be named (default true). */
  folders?: boolean;
  /** What the path is called in messages (default `input`). */
  what?: string;
}

/** A file a job writes, under its final name only once it is complete. */
export interface StagedOutput {
  /** What the job reports: the object-store URI as given, or the absolute local path. */
  readonly name: string;
  /**
   * Where the finished file stays on this machine: the final path of a local output; a copy in
   * the staging folder for an object store (the run's output sample is read back from it).
   */
  readonly localPath: string;
  /** Puts finished file `file` under the final name (moving it to `localPath`). */
  commit(file: string): Promise<void>;
  /** Removes what an earlier job left under the final name. */
  remove(): Promise<void>;
}

/**
 * A batch job's inputs and outputs at `s3://`, `wasbs://` and `abfss://` URIs, passed through one
 * local staging folder per job (below TMPDIR): DuckDB reads and writes local files only here,
 * because its httpfs and azure extensions are downloaded from DuckDB's servers at first use,
 * which locked-down workers (and this project's CI) cannot reach. Downloads and uploads go
 * through the SDK's object stores (the artifact proxy's code), streamed in both directions, so
 * memory stays bounded whatever the size: a download is a piped stream; an upload holds at most
 * `concurrency × partSize` (4 × 8 MiB) of parts. The price is local disk for the input and the
 * output. An upload is the store's all-or-nothing kind: S3 completes a multipart upload (or puts
 * a small object) in one step, Azure commits the block list last, so a reader of the final name
 * sees the previous object or the whole new one, never a part of it.
 *
 * Credentials come from the environment, as for artifacts (docs/batch-scoring.md).
 */
export class ObjectStoreStaging {
  private readonly folder: string;
  private created: Promise<string> | undefined;
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  private next = 0;

  constructor(private readonly opts: { env?: Record<string, string | undefined>; tmpRoot?: string; signal?: AbortSignal } = {}) {
    this.folder = join(resolve(opts.tmpRoot ?? tmpdir()), `${STAGING_MARK}${process.pid}-${randomUUID().slice(0, 8)}`);
  }

  /**
   * A local path holding `path`'s data: `path` itself when it is local; otherwise a copy of the
   * object it names, or of every accepted file below it when it names a folder (relative paths
   * kept, so name order is key order). Files and folders whose name starts with `.` or `_` are
   * skipped at any depth: markers (`_SUCCESS`) and Spark's `_temporary/` attempts, whose parts are
   * not the data yet.
   */
  async input(path: string, rules: InputRules): Promise<string> {
    if (!isObjectStoreUri(path)) return path;
    const what = rules.what ?? 'input';
    const location = this.parse(path, what);
    const store = await this.store(location);
    const key = location.prefix;
    const local = join(await this.ensureFolder(), `in-${this.next++}`);
    const name = key.split('/').pop() ?? '';
    if (key !== '' && rules.accept(name)) {
      try {
        const file = join(local, name);
        await this.download(store, key, file);
        return file;
      } catch (e) {
        // Not an object: maybe a folder named like a file (Spark writes `scores.parquet/part-…`).
        if (!(e instanceof ObjectNotFoundError)) throw e;
      }
    }
    const parts: Array<{ key: string; rel: string }> = [];
    let isFolder = false;
    for await (const entry of store.walk(key)) {
      isFolder = true;
      const rel = key === '' ? entry.path : entry.path.slice(key.length + 1);
      const segments = rel.split('/');
      if (segments.some((s) => s.startsWith('.') || s.startsWith('_')) || !rules.accept(segments[segments.length - 1]!)) continue;
      parts.push({ key: entry.path, rel });
    }
    if (isFolder && parts.length === 0) throw new InvalidParameterError(`${what} folder '${path}' holds no ${rules.files} (names starting with '.' or '_' are skipped)`);
    if (parts.length === 0) {
      if (key !== '' && (await store.exists(key))) throw new InvalidParameterError(`${what} '${path}' ${rules.refusal}`);
      throw new InvalidParameterError(`${what} '${path}' does not exist: there is no object with that name and nothing below it; check the URI and that the credentials may list it`);
    }
    if (rules.folders === false) throw new InvalidParameterError(`${what} '${path}' is a folder; name one file in it`);
    let at = 0;
    const worker = async () => {
      while (at < parts.length) {
        const part = parts[at++]!;
        await this.download(store, part.key, join(local, ...part.rel.split('/')));
      }
    };
    await Promise.all(Array.from({ length: Math.min(DOWNLOAD_CONCURRENCY, parts.length) }, worker));
    return local;
  }

  /**
   * The file a job writes at `path`. A local output is renamed into place; an object-store one is
   * checked now (reachable, authorised, bucket or container present), so a job does not score for
   * an hour to find out it cannot write, and uploaded on commit.
   */
  async output(path: string, what = 'output'): Promise<StagedOutput> {
    if (!isObjectStoreUri(path)) {
      const localPath = resolve(path);
      return {
        name: localPath,
        localPath,
        commit: (file) => publish(file, localPath),
        remove: () => rm(localPath, { force: true }),
      };
    }
    const location = this.parse(path, what);
    const key = location.prefix;
    const name = key.split('/').pop() ?? '';
    if (name === '') throw new InvalidParameterError(`${what} '${path}' names a bucket or container, not a file; add a file name such as /scores.parquet`);
    const store = await this.store(location);
    await store.checkAccess();
    const localPath = join(await this.ensureFolder(), `out-${this.next++}`, name);
    const signal = this.opts.signal;
    return {
      name: path,
      localPath,
      commit: async (file) => {
        await publish(file, localPath);
        signal?.throwIfAborted();
        const body = createReadStream(localPath);
        const abort = () => body.destroy(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
        signal?.addEventListener('abort', abort, { once: true });
        try {
          await store.write(key, body, { contentType: artifactContentType(name) });
        } finally {
          signal?.removeEventListener('abort', abort);
        }
      },
      remove: () => store.delete(key),
    };
  }

  /** Deletes the staging folder and frees the stores' sockets. */
  async release(): Promise<void> {
    for (const store of this.stores.values()) void store.then((s) => s.close(), () => undefined);
    this.stores.clear();
    if (this.created) await rm(this.folder, { recursive: true, force: true });
  }

  private parse(uri: string, what: string): ObjectStoreLocation {
    try {
      return parseObjectStoreUri(uri);
    } catch (e) {
      if (e instanceof ObjectStoreUriError) throw new InvalidParameterError(`${what}: ${e.message}`);
      throw e;
    }
  }

  /** One client per bucket or container, rooted there (keys are the URIs' own prefixes). */
  private store(location: ObjectStoreLocation): Promise<ObjectStore> {
    const root = formatObjectStoreUri({ ...location, prefix: '' });
    let store = this.stores.get(root);
    if (!store) {
      store = openObjectStore(root, this.opts.env ? { env: this.opts.env } : {});
      store.catch(() => this.stores.delete(root));
      this.stores.set(root, store);
    }
    return store;
  }

  private ensureFolder(): Promise<string> {
    this.created ??= (async () => {
      await removeStaleStagingFolders(resolve(this.folder, '..'));
      await mkdir(this.folder, { recursive: true });
      return this.folder;
    })();
    return this.created;
  }

  private async download(store: ObjectStore, key: string, file: string): Promise<void> {
    const read = await store.openRead(key);
    await mkdir(resolve(file, '..'), { recursive: true });
    const signal = this.opts.signal;
    await (signal ? pipeline(read.stream, createWriteStream(file), { signal }) : pipeline(read.stream, createWriteStream(file)));
  }
}

/** Staging folders of jobs whose process is gone (killed mid-job) are removed by the next job. */
async function removeStaleStagingFolders(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(STAGING_MARK)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(STAGING_MARK.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}
