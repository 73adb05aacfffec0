import { realpathSync } from 'node:fs';
import { isObjectStoreUri } from '@modelyard/sdk';
import { dirname, relative, isAbsolute, resolve } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import { artifactUriScheme, checkArtifactUriShape, localDirOfUri, proxiedPathOfUri, quoteUri } from './artifact-uri.js';
import { parseClientObjectStoreUri } from './object-store/object-store-roots.js';

/** Schemes whose artifacts live in this server's own artifacts destination. */
export const PROXIED_SCHEMES: readonly string[] = ['mlflow-artifacts', 'http', 'https'];

export function isLocalArtifactUri(uri: string): boolean {
  const scheme = artifactUriScheme(uri);
  return scheme === '' || scheme === 'file';
}

/** Whether absolute `path` is `dir` or below it (lexically). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** realpath of `path`, or of its deepest existing ancestor (with the missing rest re-appended). */
function realpathOfDeepestExisting(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return resolve(realpathSync(current), ...missing.reverse());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(current.slice(parent.length).replace(/^\//, ''));
      current = parent;
    }
  }
}

/**
 * Which artifact locations the server accepts and reads: experiments' `artifact_location`, model
 * version sources, and every URI it resolves to read or list files. A local location (plain path
 * or `file:` URI) must lie inside one of the configured roots — the artifacts destination, a local
 * default artifact root, and `--allowed-artifact-roots` — also once symbolic links are followed;
 * otherwise a client could point an experiment at `/etc` and read the server's files through its
 * runs. Proxied URIs name paths inside the destination and get the artifact-path checks.
 * Object-store URIs (`s3://`, `wasbs://`, `abfss://`) may point at any bucket or container, as in
 * MLflow (clients in direct mode write there themselves), but must be well-formed; the server
 * itself reads only those below its object-store roots (ObjectStoreRoots). Other schemes are the
 * client's business.
 */
export class ArtifactLocationPolicy {
  private readonly roots: string[];

  constructor(roots: readonly string[]) {
    this.roots = [...new Set(roots.map((r) => resolve(r)))];
  }

  /** The local roots, as absolute paths (for messages and docs). */
  get localRoots(): readonly string[] {
    return this.roots;
  }

  /** Throws INVALID_PARAMETER_VALUE naming `field` unless the server may serve `uri`. */
  check(uri: string, field: string): void {
    checkArtifactUriShape(uri, field);
    if (isLocalArtifactUri(uri)) this.localDir(uri, field);
    else if (PROXIED_SCHEMES.includes(artifactUriScheme(uri))) proxiedPathOfUri(uri);
    else if (isObjectStoreUri(uri)) parseClientObjectStoreUri(uri, field);
  }

  /** The checked local folder a `file:` URI or plain path names. */
  localDir(uri: string, field: string): string {
    const dir = localDirOfUri(uri, field);
    const root = this.roots.find((r) => isInside(r, dir));
    const refuse = (how: string) =>
      new InvalidParameterError(
        `Invalid ${field} ${quoteUri(uri)}: ${how} ` +
          `(${this.roots.join(', ') || 'none configured'}); use mlflow-artifacts:/ or add the folder to --allowed-artifact-roots`,
      );
    if (root === undefined) throw refuse('local artifact locations must be inside an artifact root this server serves');
    if (!isInside(realpathOfDeepestExisting(root), realpathOfDeepestExisting(dir))) {
      throw refuse('it leads outside the artifact roots through a symbolic link');
    }
    return dir;
  }
}

/** The roots a server serves: the destination, a local default artifact root, and the allowed list. */
export function artifactLocationPolicyOf(config: {
  artifactsDestination: string;
  defaultArtifactRoot: string;
  allowedArtifactRoots: readonly string[];
}): ArtifactLocationPolicy {
  const roots = [config.artifactsDestination, ...config.allowedArtifactRoots];
  if (isLocalArtifactUri(config.defaultArtifactRoot)) roots.push(localDirOfUri(config.defaultArtifactRoot, 'default_artifact_root'));
  return new ArtifactLocationPolicy(roots.filter((r) => isLocalArtifactUri(r)).map((r) => localDirOfUri(r, 'artifact root')));
}
