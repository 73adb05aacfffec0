import type { Readable } from 'node:stream';

/** One entry of an artifact folder. `path` is relative to the repository root, `/`-separated. */
export interface FileInfo {
  path: string;
  isDir: boolean;
  /** Bytes; unset for folders (MLflow's FileInfo leaves it unset too). */
  fileSize?: number;
}

/** An open artifact: the bytes and how many there are (for Content-Length). */
export interface ArtifactRead {
  stream: Readable;
  size: number;
}

/**
 * A place artifacts live: a local folder today, a blob container or bucket later. Every `path`
 * is relative to the repository root, `/`-separated, with `''` meaning the root; an implementation
 * must refuse (InvalidParameterError) any path that would leave its root.
 */
export interface ArtifactRepository {
  /** Entries directly inside folder `path`, sorted by path; `[]` when `path` is not a folder. */
  list(path: string): Promise<FileInfo[]>;
  /** Opens file `path`; NotFoundError when it is missing or a folder. */
  openRead(path: string): Promise<ArtifactRead>;
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
