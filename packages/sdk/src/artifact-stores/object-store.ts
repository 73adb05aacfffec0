import type { Readable } from 'node:stream';

/** One entry of an object-store folder; `path` is relative to the store's root URI, `/`-separated. */
export interface ObjectEntry {
  path: string;
  isDir: boolean;
  /** Bytes; unset for folders. */
  fileSize?: number;
}

/**
 * A byte range of a file, as an HTTP `Range: bytes=…` header asks for it: from `start` to `end`
 * inclusive (to the end of the file when `end` is unset), or the last `suffixLength` bytes.
 */
export type ByteRange = { start: number; end?: number } | { suffixLength: number };

export interface ObjectRead {
  stream: Readable;
  /** Size of the whole file, bytes. */
  size: number;
  /** The inclusive byte range `stream` holds, when a range was asked for. */
  range?: { start: number; end: number };
}

/**
 * Files below one object-store URI (`s3://bucket/prefix`, `wasbs://…`, `abfss://…`). Paths are
 * relative to that root, `/`-separated, `''` for the root itself; folders are key prefixes, as
 * MLflow's S3 and Azure repositories see them. Every transfer streams.
 */
export interface ObjectStore {
  /** The root, canonical (`formatObjectStoreUri`). */
  readonly uri: string;
  /** Entries directly inside folder `path`, sorted by path (every page of the store's listing). */
  list(path: string): Promise<ObjectEntry[]>;
  /** Every file below folder `path`, at any depth, in the store's key order. */
  walk(path: string): AsyncIterable<ObjectEntry>;
  /** ObjectNotFoundError when `path` is not a file; RangeNotSatisfiableError for a range past its end. */
  openRead(path: string, range?: ByteRange): Promise<ObjectRead>;
  /**
   * Stores `body` at `path` in parallel blocks / parts, holding at most a few parts in memory.
   * The object appears whole when the upload completes (readers never see part of it).
   */
  write(path: string, body: Readable | Uint8Array, options?: { contentType?: string }): Promise<void>;
  /** Deletes file `path` and everything below folder `path`; missing is not an error. */
  delete(path: string): Promise<void>;
  /** Whether `path` is a file or a non-empty folder. */
  exists(path: string): Promise<boolean>;
  /**
   * Lists one key below the root: throws ObjectStoreAccessError, saying what to fix, when the
   * store cannot be reached, the credentials are missing or refused, or the bucket/container
   * does not exist.
   */
  checkAccess(): Promise<void>;
  /** Frees the client's sockets. */
  close(): void;
}

export interface ObjectStoreOptions {
  /** Where credentials and endpoints are read from; `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Block / part size of uploads (default 8 MiB; S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 4): memory held by one upload is about parts × part size. */
  concurrency?: number;
  /** Keys per listing request (default: the service's maximum, 1000 for S3, 5000 for Azure). */
  listPageSize?: number;
}

export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

export class ObjectNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectNotFoundError';
  }
}

export class RangeNotSatisfiableError extends Error {
  constructor(
    message: string,
    /** Size of the whole file, for `Content-Range: bytes *\/<size>`. */
    readonly size: number,
  ) {
    super(message);
    this.name = 'RangeNotSatisfiableError';
  }
}

/** The store cannot be reached or authorised, or its bucket/container is missing. */
export class ObjectStoreAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObjectStoreAccessError';
  }
}

/**
 * The inclusive byte range `range` selects of a `size`-byte file (RFC 9110 §14.1.2): an end past
 * the file is clipped; undefined when nothing of the file is selected (a start at or past the end,
 * a zero-length suffix, or any range of an empty file).
 */
export function resolveByteRange(range: ByteRange, size: number): { start: number; end: number } | undefined {
  if ('suffixLength' in range) {
    if (range.suffixLength <= 0 || size === 0) return undefined;
    return { start: Math.max(0, size - range.suffixLength), end: size - 1 };
  }
  if (range.start >= size || (range.end !== undefined && range.end < range.start)) return undefined;
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** The span `range` selects of a `size`-byte file `what` (quoted), or RangeNotSatisfiableError (416). */
export function byteRangeWithin(range: ByteRange, size: number, what: string): { start: number; end: number } {
  const span = resolveByteRange(range, size);
  if (span === undefined) throw new RangeNotSatisfiableError(`The range asked for lies outside ${what} (${size} bytes)`, size);
  return span;
}

/** `folder/name` for a key prefix and a relative path, either possibly empty. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/**
 * The name of `key` below listing prefix `folderKey + '/'`, or undefined for keys no path can
 * name safely: the folder marker itself (`folder/`), and `''`, `.` or `..` segments, which a
 * copy to a local folder would turn into a different place.
 */
export function childName(folderKey: string, key: string): string | undefined {
  const name = key.slice(folderKey === '' ? 0 : folderKey.length + 1).replace(/\/$/, '');
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return undefined;
  return name;
}
