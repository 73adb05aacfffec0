import type { Readable } from 'node:stream';
import type { ByteRange } from '@modelyard/sdk';

export type { ByteRange };

/** One entry of an artifact folder. `path` is relative to the repository root, `/`-separated. */
export interface FileInfo {
  path: string;
  isDir: boolean;
  /** Bytes; unset for folders (MLflow's FileInfo leaves it unset too). */
  fileSize?: number;
}

/** An open artifact: the bytes, and how many the whole file has (for Content-Length / Content-Range). */
export interface ArtifactRead {
  stream: Readable;
  size: number;
  /** The inclusive byte range `stream` holds, when a range was asked for. */
  range?: { start: number; end: number };
}

/**
 * A place artifacts live: a local folder, or a prefix of a blob container or bucket. Every `path`
 * is relative to the repository root, `/`-separated, with `''` meaning the root; an implementation
 * must refuse (InvalidParameterError) any path that would leave its root.
 */
export interface ArtifactRepository {
  /** Entries directly inside folder `path`, sorted by path; `[]` when `path` is not a folder. */
  list(path: string): Promise<FileInfo[]>;
  /**
   * Opens file `path`, or the part of it `range` selects; NotFoundError when it is missing or a
   * folder, the SDK's RangeNotSatisfiableError (with the file's size) when the range lies past its end.
   */
  openRead(path: string, range?: ByteRange): Promise<ArtifactRead>;
  /**
   * Stores `body` at `path`, streaming (never holding the whole body in memory). A reader sees
   * the previous file or the whole new one, never a partial write.
   */
  write(path: string, body: Readable): Promise<void>;
  /** Deletes file or folder `path` (recursively); deleting what is not there is not an error. */
  delete(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

/**
 * Where an artifact URI points: a repository and the folder inside it. `mlflow-artifacts:/0/r/artifacts`
 * is the proxied destination repository at `0/r/artifacts`; `file:///data/x` is a local repository
 * rooted at `/data/x` with base `''`.
 */
export interface ArtifactLocation {
  repository: ArtifactRepository;
  basePath: string;
}
