import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { azureBlobClientFromEnv } from './azure-blob-client-from-env.js';
import type { AzureBlobClientSetup } from './azure-blob-client-from-env.js';
import {
  childName,
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_UPLOAD_CONCURRENCY,
  joinKey,
  ObjectNotFoundError,
  ObjectStoreAccessError,
  byteRangeWithin,
} from './object-store.js';
import type { ByteRange, ObjectEntry, ObjectRead, ObjectStore, ObjectStoreOptions } from './object-store.js';
import { formatObjectStoreUri, objectKeyOfPath } from './object-store-uri.js';
import type { AzureBlobLocation } from './object-store-uri.js';

/** Deletes in flight at once when a folder is removed blob by blob. */
const DELETE_CONCURRENCY = 16;
/** Blobs per listing page (the service's maximum). */
const PAGE_SIZE = 5000;

interface RestErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { errorCode?: string };
}

function codeOf(e: unknown): string | undefined {
  const err = e as RestErrorShape | undefined;
  return err?.details?.errorCode ?? err?.code;
}

function isNotFound(e: unknown): boolean {
  return (e as RestErrorShape | undefined)?.statusCode === 404;
}

/**
 * ADLS Gen2 (hierarchical namespace) accounts keep real directories, which the Blob API shows as
 * empty blobs with this metadata: they are folders, never files.
 */
function isFolderBlob(metadata: Record<string, string> | undefined): boolean {
  return metadata?.hdi_isfolder === 'true';
}

function depth(key: string): number {
  return key.split('/').length;
}

/** Files below one `wasbs://` or `abfss://` location, through the Blob API. */
export class AzureBlobObjectStore implements ObjectStore {
  readonly uri: string;
  private readonly container: ContainerClient;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly pageSize: number;

  constructor(
    private readonly location: AzureBlobLocation,
    private readonly setup: AzureBlobClientSetup,
    options: ObjectStoreOptions = {},
  ) {
    this.uri = formatObjectStoreUri(location);
    this.container = setup.service.getContainerClient(location.container);
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    this.concurrency = options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    this.pageSize = options.listPageSize ?? PAGE_SIZE;
  }

  private key(path: string): string {
    return joinKey(this.location.prefix, objectKeyOfPath(path, `Invalid path ${JSON.stringify(path)}`));
  }

  async list(path: string): Promise<ObjectEntry[]> {
    const folderKey = this.key(path);
    const folder = objectKeyOfPath(path, 'path');
    const entries = new Map<string, ObjectEntry>();
    const pages = this.container
      .listBlobsByHierarchy('/', { prefix: folderKey === '' ? undefined : `${folderKey}/`, includeMetadata: true })
      .byPage({ maxPageSize: this.pageSize });
    for await (const page of pages) {
      for (const p of page.segment.blobPrefixes ?? []) {
        const name = childName(folderKey, p.name);
        if (name !== undefined) entries.set(name, { path: joinKey(folder, name), isDir: true });
      }
      for (const b of page.segment.blobItems) {
        const name = childName(folderKey, b.name);
        if (name === undefined || (entries.has(name) && entries.get(name)!.isDir)) continue;
        entries.set(
          name,
          isFolderBlob(b.metadata)
            ? { path: joinKey(folder, name), isDir: true }
            : { path: joinKey(folder, name), isDir: false, fileSize: b.properties.contentLength ?? 0 },
        );
      }
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every blob below `folderKey/`, folder blobs included. */
  private async *blobs(folderKey: string): AsyncGenerator<{ name: string; size: number; folder: boolean }> {
    const pages = this.container
      .listBlobsFlat({ prefix: folderKey === '' ? undefined : `${folderKey}/`, includeMetadata: true })
      .byPage({ maxPageSize: this.pageSize });
    for await (const page of pages) {
      for (const b of page.segment.blobItems) {
        yield { name: b.name, size: b.properties.contentLength ?? 0, folder: isFolderBlob(b.metadata) };
      }
    }
  }

  async *walk(path: string): AsyncIterable<ObjectEntry> {
    const rootLength = this.location.prefix === '' ? 0 : this.location.prefix.length + 1;
    for await (const b of this.blobs(this.key(path))) {
      if (b.folder || b.name.endsWith('/')) continue;
      const rel = b.name.slice(rootLength);
      if (rel.split('/').some((s) => s === '' || s === '.' || s === '..')) continue;
      yield { path: rel, isDir: false, fileSize: b.size };
    }
  }

  async openRead(path: string, range?: ByteRange): Promise<ObjectRead> {
    const key = this.key(path);
    const notFound = () => new ObjectNotFoundError(`No artifact file at ${JSON.stringify(path)} in ${this.uri}`);
    if (key === this.location.prefix) throw notFound();
    const blob = this.container.getBlobClient(key);
    try {
      if (range === undefined) {
        const res = await blob.download(0, undefined, { maxRetryRequests: 5 });
        if (isFolderBlob(res.metadata)) throw notFound();
        return { stream: res.readableStreamBody as Readable, size: res.contentLength ?? 0 };
      }
      const props = await blob.getProperties();
      if (isFolderBlob(props.metadata)) throw notFound();
      const size = props.contentLength ?? 0;
      const span = byteRangeWithin(range, size, JSON.stringify(path));
      // maxRetryRequests: a dropped connection resumes where it stopped; ifMatch keeps the
      // range on the version that was measured.
      const res = await blob.download(span.start, span.end - span.start + 1, {
        maxRetryRequests: 5,
        ...(props.etag ? { conditions: { ifMatch: props.etag } } : {}),
      });
      return { stream: res.readableStreamBody as Readable, size, range: span };
    } catch (e) {
      if (isNotFound(e)) throw notFound();
      throw e;
    }
  }

  async write(path: string, body: Readable | Uint8Array, options: { contentType?: string } = {}): Promise<void> {
    const key = this.key(path);
    if (key === this.location.prefix) throw new Error('name a file below the artifact root to write');
    const blob = this.container.getBlockBlobClient(key);
    const headers = options.contentType ? { blobHTTPHeaders: { blobContentType: options.contentType } } : {};
    // Blocks are staged in parallel and committed in one call at the end: the blob changes from
    // the old content to the whole new one, never to a part of it.
    const stream = body instanceof Readable ? body : Readable.from([Buffer.from(body)]);
    await blob.uploadStream(stream, this.partSize, this.concurrency, headers);
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const names: string[] = [];
    for await (const b of this.blobs(key)) names.push(b.name);
    if (key !== this.location.prefix) names.push(key);
    // Deepest first: an ADLS Gen2 directory can only go once it is empty.
    names.sort((a, b) => depth(b) - depth(a));
    let at = 0;
    while (at < names.length) {
      const level = depth(names[at]!);
      const batch: string[] = [];
      while (at < names.length && depth(names[at]!) === level) batch.push(names[at++]!);
      for (let i = 0; i < batch.length; i += DELETE_CONCURRENCY) {
        await Promise.all(batch.slice(i, i + DELETE_CONCURRENCY).map((name) => this.container.getBlobClient(name).deleteIfExists()));
      }
    }
  }

  async exists(path: string): Promise<boolean> {
    const key = this.key(path);
    if (key !== this.location.prefix && (await this.container.getBlobClient(key).exists())) return true;
    const page = await this.container
      .listBlobsFlat({ prefix: key === '' ? undefined : `${key}/` })
      .byPage({ maxPageSize: 1 })
      .next();
    return !page.done && page.value.segment.blobItems.length > 0;
  }

  async checkAccess(): Promise<void> {
    try {
      await this.container
        .listBlobsFlat({ prefix: this.location.prefix === '' ? undefined : `${this.location.prefix}/` })
        .byPage({ maxPageSize: 1 })
        .next();
    } catch (e) {
      throw new ObjectStoreAccessError(this.explainAccessFailure(e), { cause: e });
    }
  }

  private explainAccessFailure(e: unknown): string {
    const err = (e ?? {}) as RestErrorShape;
    const code = codeOf(e);
    const where = `${this.uri} (through ${this.setup.service.url.replace(/\?.*$/, '')}, credentials from ${this.setup.credentialSource})`;
    const detail = `${code ?? err.name ?? 'Error'}: ${(err.message ?? String(e)).split('\n')[0]}`;
    if (code === 'ContainerNotFound') return `Cannot use ${where}: container '${this.location.container}' does not exist; create it or fix the URI`;
    if (err.name === 'CredentialUnavailableError' || err.name === 'AuthenticationRequiredError' || err.name === 'AggregateAuthenticationError') {
      return `Cannot use ${where}: no Azure credential available; set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCESS_KEY, or a service principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET) / managed identity (${detail})`;
    }
    if (err.name === 'AuthenticationError' || err.statusCode === 401 || err.statusCode === 403) {
      return `Cannot use ${where}: the account refused the credentials (${detail}); check the key or connection string, or grant the identity "Storage Blob Data Contributor" on the container`;
    }
    if (err.statusCode === undefined) return `Cannot reach ${where}: ${detail}; check the account name, the endpoint and the network`;
    return `Cannot use ${where}: the account answered ${err.statusCode} (${detail})`;
  }

  close(): void {
    // The Azure SDK shares its HTTP agent across clients and keeps no per-client sockets to free.
  }
}

export function createAzureBlobObjectStore(location: AzureBlobLocation, options: ObjectStoreOptions = {}): AzureBlobObjectStore {
  return new AzureBlobObjectStore(location, azureBlobClientFromEnv(location, options.env ?? process.env), options);
}
