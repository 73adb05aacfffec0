import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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
import type { S3Location } from './object-store-uri.js';
import { s3ClientFromEnv } from './s3-client-from-env.js';

/** DeleteObjects takes at most this many keys (S3's limit). */
const DELETE_BATCH = 1000;

interface S3ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(e: unknown): number | undefined {
  return (e as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as S3ErrorShape | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(e) === 404;
}

/** Files below one `s3://bucket/prefix`, through the AWS SDK (see s3ClientFromEnv for settings). */
export class S3ObjectStore implements ObjectStore {
  readonly uri: string;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly pageSize: number | undefined;

  constructor(
    private readonly location: S3Location,
    private readonly client: S3Client,
    private readonly setup: { endpoint: string | undefined; uploadExtraArgs: Record<string, unknown> },
    options: ObjectStoreOptions = {},
  ) {
    this.uri = formatObjectStoreUri(location);
    this.partSize = Math.max(options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES, 5 * 1024 * 1024);
    this.concurrency = options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    this.pageSize = options.listPageSize;
  }

  private key(path: string): string {
    return joinKey(this.location.prefix, objectKeyOfPath(path, `Invalid path ${JSON.stringify(path)}`));
  }

  /** Every page of a listing below `folderKey/` (the whole bucket for `''`). */
  private async *pages(folderKey: string, delimiter: boolean): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: folderKey === '' ? undefined : `${folderKey}/`,
          ...(delimiter ? { Delimiter: '/' } : {}),
          ...(this.pageSize ? { MaxKeys: this.pageSize } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async list(path: string): Promise<ObjectEntry[]> {
    const folderKey = this.key(path);
    const folder = objectKeyOfPath(path, 'path');
    const entries = new Map<string, ObjectEntry>();
    for await (const page of this.pages(folderKey, true)) {
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix === undefined ? undefined : childName(folderKey, p.Prefix);
        if (name !== undefined) entries.set(name, { path: joinKey(folder, name), isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key === undefined || o.Key.endsWith('/') ? undefined : childName(folderKey, o.Key);
        // A key that is also a folder's name (`a` beside `a/b`) shows as the folder, as in MLflow.
        if (name !== undefined && !entries.has(name)) entries.set(name, { path: joinKey(folder, name), isDir: false, fileSize: o.Size ?? 0 });
      }
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async *walk(path: string): AsyncIterable<ObjectEntry> {
    const folderKey = this.key(path);
    const rootLength = this.location.prefix === '' ? 0 : this.location.prefix.length + 1;
    for await (const page of this.pages(folderKey, false)) {
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue;
        const rel = o.Key.slice(rootLength);
        if (rel.split('/').some((s) => s === '' || s === '.' || s === '..')) continue;
        yield { path: rel, isDir: false, fileSize: o.Size ?? 0 };
      }
    }
  }

  async openRead(path: string, range?: ByteRange): Promise<ObjectRead> {
    const key = this.key(path);
    const notFound = () => new ObjectNotFoundError(`No artifact file at ${JSON.stringify(path)} in ${this.uri}`);
    if (key === '' || key === this.location.prefix) throw notFound();
    try {
      if (range === undefined) {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
        return { stream: res.Body as Readable, size: res.ContentLength ?? 0 };
      }
      // The size first, so every store answers ranges alike (suffixes, clipping, 416); the ETag
      // pins the read to the version measured.
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
      const size = head.ContentLength ?? 0;
      const span = byteRangeWithin(range, size, JSON.stringify(path));
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: key,
          Range: `bytes=${span.start}-${span.end}`,
          ...(head.ETag ? { IfMatch: head.ETag } : {}),
        }),
      );
      return { stream: res.Body as Readable, size, range: span };
    } catch (e) {
      if (isNotFound(e)) throw notFound();
      throw e;
    }
  }

  async write(path: string, body: Readable | Uint8Array, options: { contentType?: string } = {}): Promise<void> {
    const key = this.key(path);
    if (key === this.location.prefix) throw new Error('name a file below the artifact root to write');
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: this.concurrency,
      leavePartsOnError: false,
      params: {
        ...this.setup.uploadExtraArgs,
        Bucket: this.location.bucket,
        Key: key,
        Body: body,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      },
    });
    // A failed body stream must fail (and abort) the upload, not leave it waiting.
    if (body instanceof Readable) body.once('error', () => void upload.abort().catch(() => undefined));
    await upload.done();
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const keys: string[] = key === this.location.prefix ? [] : [key];
    const flush = async (batch: string[]) => {
      if (batch.length === 0) return;
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (res.Errors ?? []).filter((err) => err.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(`Could not delete ${failed.length} object(s) below ${this.uri}: ${failed[0]!.Code ?? ''} ${failed[0]!.Message ?? ''} (${failed[0]!.Key ?? ''})`);
      }
    };
    for await (const page of this.pages(key, false)) {
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) keys.push(o.Key);
        if (keys.length >= DELETE_BATCH) await flush(keys.splice(0, DELETE_BATCH));
      }
    }
    await flush(keys);
  }

  async exists(path: string): Promise<boolean> {
    const key = this.key(path);
    if (key !== this.location.prefix) {
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
        return true;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const page = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: key === '' ? undefined : `${key}/`, MaxKeys: 1 }),
    );
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }

  async checkAccess(): Promise<void> {
    try {
      await this.client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.prefix === '' ? undefined : `${this.location.prefix}/`, MaxKeys: 1 }),
      );
    } catch (e) {
      throw new ObjectStoreAccessError(this.explainAccessFailure(e), { cause: e });
    }
  }

  private explainAccessFailure(e: unknown): string {
    const err = (e ?? {}) as S3ErrorShape;
    const where = `${this.uri}${this.setup.endpoint ? ` (endpoint ${withoutUserInfo(this.setup.endpoint)})` : ''}`;
    const detail = `${err.name ?? err.code ?? 'Error'}: ${err.message ?? String(e)}`;
    const status = statusOf(e);
    if (err.name === 'NoSuchBucket') return `Cannot use ${where}: bucket '${this.location.bucket}' does not exist; create it or fix the URI`;
    if (err.name === 'CredentialsProviderError') {
      return `Cannot use ${where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an IAM role (${detail})`;
    }
    if (status === 401 || status === 403 || ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken'].includes(err.name ?? '')) {
      return `Cannot use ${where}: the store refused the credentials (${detail}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the role, and that they may list and write this bucket`;
    }
    if (status === undefined) {
      return `Cannot reach ${where}: ${detail}; check MLFLOW_S3_ENDPOINT_URL, AWS_REGION and the network`;
    }
    return `Cannot use ${where}: the store answered ${status} (${detail})`;
  }

  close(): void {
    this.client.destroy();
  }
}

export function createS3ObjectStore(location: S3Location, options: ObjectStoreOptions = {}): S3ObjectStore {
  const setup = s3ClientFromEnv(options.env ?? process.env);
  return new S3ObjectStore(location, setup.client, setup, options);
}

/** An endpoint URL as messages show it: a `user:password@` written into MLFLOW_S3_ENDPOINT_URL is left out. */
function withoutUserInfo(url: string): string {
  return url.replace(/^(https?:\/\/)[^/@?#]*@/i, '$1');
}
