import { formatObjectStoreUri, isObjectStoreUri, ObjectStoreUriError, parseObjectStoreUri } from '@modelyard/sdk';
import type { ObjectStoreLocation, ObjectStoreOptions } from '@modelyard/sdk';
import { InvalidParameterError } from '../../errors.js';
import type { ArtifactLocation } from '../artifact-repository.js';
import { ObjectStoreRepository } from './object-store-repository.js';

/** One configured object-store root and the setting that named it (for messages). */
export interface ObjectStoreRoot {
  setting: string;
  location: ObjectStoreLocation;
  repository: ObjectStoreRepository;
}

/**
 * Which bucket or container a location is in. `wasbs://` and `abfss://` URIs of one account and
 * container name the same blobs (ADLS Gen2 serves both APIs), so they compare equal.
 */
function storeKey(location: ObjectStoreLocation): string {
  return location.kind === 's3' ? `s3:${location.bucket}` : `azure:${location.account}.${location.endpointSuffix}/${location.container}`;
}

/** `prefix` holds `key` when they are equal or `key` continues it after a `/`. */
function isBelow(prefix: string, key: string): boolean {
  return prefix === '' || key === prefix || key.startsWith(`${prefix}/`);
}

/** Parses an object-store URI a client sent, as a 400 naming `field` when it is malformed. */
export function parseClientObjectStoreUri(uri: string, field: string): ObjectStoreLocation {
  try {
    return parseObjectStoreUri(uri);
  } catch (e) {
    if (e instanceof ObjectStoreUriError) throw new InvalidParameterError(`${e.message} (parameter '${field}')`);
    throw e;
  }
}

/**
 * The object-store locations this server reads and writes with its own credentials: the
 * artifacts destination, the default artifact root and `--allowed-artifact-roots`. A URI is
 * served only at or below one of them; anything else in a bucket or container is the clients'
 * business (MLflow lets experiments point anywhere), never read by the server — otherwise any
 * user who may create an experiment could point it at a bucket only the server's role can
 * read, and list and download it through the server.
 */
export class ObjectStoreRoots {
  readonly roots: ObjectStoreRoot[] = [];

  /** `settings`: [setting name, URI] pairs; non-object-store URIs are skipped. */
  constructor(settings: ReadonlyArray<readonly [string, string]>, options: ObjectStoreOptions = {}) {
    const seen = new Map<string, ObjectStoreRoot>();
    for (const [setting, uri] of settings) {
      if (!isObjectStoreUri(uri)) continue;
      let location: ObjectStoreLocation;
      try {
        location = parseObjectStoreUri(uri);
      } catch (e) {
        if (e instanceof ObjectStoreUriError) throw new InvalidParameterError(`${setting}: ${e.message}`);
        throw e;
      }
      const canonical = formatObjectStoreUri(location);
      if (seen.has(canonical)) continue;
      const root = { setting, location, repository: new ObjectStoreRepository(canonical, options) };
      seen.set(canonical, root);
      this.roots.push(root);
    }
    // Deepest first: a URI below two nested roots is served by the nearer one.
    this.roots.sort((a, b) => b.location.prefix.length - a.location.prefix.length);
  }

  /** The repository and path below it that serve `uri`; 400 naming `field` when no root holds it. */
  locate(uri: string, field = 'artifact_uri'): ArtifactLocation {
    const location = parseClientObjectStoreUri(uri, field);
    const root = this.roots.find(
      (r) => storeKey(r.location) === storeKey(location) && isBelow(r.location.prefix, location.prefix),
    );
    if (root === undefined) {
      const served = this.roots.map((r) => r.repository.uri);
      throw new InvalidParameterError(
        `Invalid ${field} ${JSON.stringify(uri)}: this server reads object-store artifacts only below its artifact roots ` +
          `(${served.join(', ') || 'none configured'}); add the location to --allowed-artifact-roots if the server's credentials should reach it`,
      );
    }
    const rest = root.location.prefix === '' ? location.prefix : location.prefix.slice(root.location.prefix.length + 1);
    return { repository: root.repository, basePath: rest };
  }

  close(): void {
    for (const root of this.roots) root.repository.close();
  }
}
