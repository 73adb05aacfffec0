import type { Readable } from 'node:stream';
import { ObjectNotFoundError, openObjectStore } from '@modelyard/sdk';
import type { ObjectStore, ObjectStoreOptions } from '@modelyard/sdk';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import { normalizeArtifactPath } from '../artifact-path.js';
import { artifactContentType } from '../content-type.js';
import type { ArtifactRead, ArtifactRepository, ByteRange, FileInfo } from '../artifact-repository.js';

/**
 * An artifact repository over an S3 bucket or Azure container prefix (the SDK's object stores, the
 * same code the SDK's direct mode uses). Paths get the same checks as local ones; the store's own
 * errors become the catalogue's (404, 400), and its client opens once, on first use.
 */
export class ObjectStoreRepository implements ArtifactRepository {
  private store: Promise<ObjectStore> | undefined;

  constructor(
    /** The root: `s3://bucket/prefix`, `wasbs://…`, `abfss://…`. */
    readonly uri: string,
    private readonly options: ObjectStoreOptions = {},
  ) {}

  /** The SDK's store, opened once (a failed open is retried on the next call). */
  open(): Promise<ObjectStore> {
    this.store ??= openObjectStore(this.uri, this.options).catch((e: unknown) => {
      this.store = undefined;
      throw e;
    });
    return this.store;
  }

  /** Throws ObjectStoreAccessError saying what to fix when the store cannot be listed. */
  async checkAccess(): Promise<void> {
    await (await this.open()).checkAccess();
  }

  async list(path: string): Promise<FileInfo[]> {
    const rel = this.path(path);
    return (await this.open()).list(rel);
  }

  async openRead(path: string, range?: ByteRange): Promise<ArtifactRead> {
    const rel = this.path(path);
    try {
      return await (await this.open()).openRead(rel, range);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) throw new NotFoundError(`No artifact file at path ${JSON.stringify(rel)}`);
      throw e;
    }
  }

  async write(path: string, body: Readable): Promise<void> {
    const rel = this.path(path);
    if (rel === '') throw new InvalidParameterError("Invalid path \"\" for parameter 'path': name a file below the artifact root");
    await (await this.open()).write(rel, body, { contentType: artifactContentType(rel) });
  }

  async delete(path: string): Promise<void> {
    const rel = this.path(path);
    if (rel === '') {
      throw new InvalidParameterError("Invalid path \"\" for parameter 'path': name a file or folder below the artifact root");
    }
    await (await this.open()).delete(rel);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.open()).exists(this.path(path));
  }

  close(): void {
    void this.store?.then((s) => s.close(), () => undefined);
  }

  /** The artifact-path checks (`..`, absolute, `\\`, NUL…), the same as a local repository's. */
  private path(path: string): string {
    return normalizeArtifactPath(path);
  }
}
