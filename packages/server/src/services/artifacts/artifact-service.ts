import { Readable } from 'node:stream';
import type { Config } from '../../config/config.js';
import { AppError, TemporarilyUnavailableError } from '../../errors.js';
import { artifactBaseName, joinArtifactPath, parseArtifactPath } from '../../artifacts/artifact-path.js';
import type { ArtifactRepositories } from '../../artifacts/artifact-repositories.js';
import type { ArtifactLocation, ByteRange, FileInfo } from '../../artifacts/artifact-repository.js';
import { artifactContentType } from '../../artifacts/content-type.js';

export interface ArtifactServiceDeps {
  repos: ArtifactRepositories;
  config: Config;
  /** The run's artifact_uri; throws NotFoundError when the run does not exist. */
  runArtifactUri: (runId: string) => Promise<string>;
}

export interface RunArtifactListing {
  /** The run's artifact_uri, as MLflow's ListArtifacts answers it. */
  rootUri: string;
  /** Paths relative to the run's artifact root. */
  files: FileInfo[];
}

export interface ArtifactDownload {
  stream: Readable;
  /** Size of the whole file. */
  size: number;
  /** The inclusive byte range `stream` holds, when a range was asked for. */
  range?: { start: number; end: number };
  /** Last path segment, for Content-Disposition. */
  fileName: string;
  contentType: string;
}

/**
 * Artifact use cases: listing a run's artifacts wherever its artifact_uri points, and the
 * `--serve-artifacts` proxy onto the artifacts destination. Every client path goes through
 * `parseArtifactPath` here; repositories check again and also refuse symlink escapes.
 */
export class ArtifactService {
  private readonly repos: ArtifactRepositories;
  private readonly runArtifactUri: (runId: string) => Promise<string>;
  private readonly serveArtifacts: boolean;

  constructor(deps: ArtifactServiceDeps) {
    this.repos = deps.repos;
    this.runArtifactUri = deps.runArtifactUri;
    this.serveArtifacts = deps.config.serveArtifacts;
  }

  /**
   * MLflow's `--no-serve-artifacts`: the proxy routes answer 503 with MLflow's message, and
   * clients use the default artifact root themselves.
   */
  checkServing(): void {
    if (!this.serveArtifacts) {
      throw new TemporarilyUnavailableError(
        'Endpoint disabled due to the mlflow server running with `--no-serve-artifacts`. To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`',
      );
    }
  }

  /** MLflow's ListArtifacts: entries directly in `path` of the run's artifact folder. */
  async listRunArtifacts(runId: string, path?: string): Promise<RunArtifactListing> {
    const rel = path === undefined ? '' : parseArtifactPath(path);
    const rootUri = await this.runArtifactUri(runId);
    return { rootUri, files: await this.listAt(rootUri, rel) };
  }

  /** Entries directly in `path` below artifact URI `uri`, with paths relative to `uri`. */
  async listAt(uri: string, path = ''): Promise<FileInfo[]> {
    const rel = parseArtifactPath(path);
    return this.listIn(this.repos.resolve(uri), rel);
  }

  /** The folder a local URI names, refused (400, naming `field`) outside the artifact roots. */
  localDirOf(uri: string, field: string): string {
    return this.repos.policy.localDir(uri, field);
  }

  /** Opens file `path` (or the part `range` selects) below artifact URI `uri` (e.g. a model version's source). */
  async openAt(uri: string, path: string, range?: ByteRange): Promise<ArtifactDownload> {
    return this.openIn(this.repos.resolve(uri), parseArtifactPath(path), range);
  }

  /** `GET /mlflow-artifacts/artifacts?path=`: like MLflow, entries carry their base name only. */
  async listProxied(path?: string): Promise<FileInfo[]> {
    this.checkServing();
    const rel = path === undefined ? '' : parseArtifactPath(path);
    const files = await this.listIn(this.repos.proxied, rel);
    return files.map((f) => ({ ...f, path: artifactBaseName(f.path) }));
  }

  async downloadProxied(path: string, range?: ByteRange): Promise<ArtifactDownload> {
    this.checkServing();
    return this.openIn(this.repos.proxied, parseArtifactPath(path), range);
  }

  /** Streams `body` to `path` below the artifacts destination; an absent body stores an empty file. */
  async uploadProxied(path: string, body: Readable | undefined): Promise<void> {
    this.checkServing();
    const rel = parseArtifactPath(path);
    const { repository, basePath } = this.repos.proxied;
    await repository.write(joinArtifactPath(basePath, rel), body ?? Readable.from([]));
  }

  async deleteProxied(path: string): Promise<void> {
    this.checkServing();
    const rel = parseArtifactPath(path);
    const { repository, basePath } = this.repos.proxied;
    await repository.delete(joinArtifactPath(basePath, rel));
  }

  /**
   * MLflow's multipart-upload endpoints only work on cloud destinations; its local repository
   * answers NOT_IMPLEMENTED with this message, and so does ours until an object store lands.
   */
  multipartUpload(path: string): never {
    this.checkPath(path);
    throw new AppError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository');
  }

  /** A client artifact path, decoded and checked (400 when it could leave the artifact root). */
  checkPath(path: string): string {
    return parseArtifactPath(path);
  }

  private async listIn(location: ArtifactLocation, rel: string): Promise<FileInfo[]> {
    const entries = await location.repository.list(joinArtifactPath(location.basePath, rel));
    // Repository paths are relative to its root; callers want them relative to the location.
    return entries.map((e) => ({ ...e, path: joinArtifactPath(rel, artifactBaseName(e.path)) }));
  }

  private async openIn(location: ArtifactLocation, rel: string, range?: ByteRange): Promise<ArtifactDownload> {
    const opened = await location.repository.openRead(joinArtifactPath(location.basePath, rel), range);
    return { ...opened, fileName: artifactBaseName(rel), contentType: artifactContentType(rel) };
  }
}
