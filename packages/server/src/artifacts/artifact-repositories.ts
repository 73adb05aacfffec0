import { OBJECT_STORE_SCHEMES } from '@modelyard/sdk';
import type { ObjectStoreOptions } from '@modelyard/sdk';
import type { Config } from '../config/config.js';
import { InvalidParameterError } from '../errors.js';
import { joinArtifactPath } from './artifact-path.js';
import type { ArtifactLocation } from './artifact-repository.js';
import { ArtifactRepositoryRegistry } from './artifact-repository-registry.js';
import { artifactUriScheme, proxiedPathOfUri } from './artifact-uri.js';
import { artifactLocationPolicyOf, PROXIED_SCHEMES } from './artifact-location-policy.js';
import type { ArtifactLocationPolicy } from './artifact-location-policy.js';
import { LocalArtifactRepository } from './local/local-artifact-repository.js';
import { ObjectStoreRoots } from './object-store/object-store-roots.js';

/** Every artifact store the server can reach, by URI. */
export interface ArtifactRepositories {
  /** Where `uri` (a run's artifact_uri, a model version's source…) points. */
  resolve(uri: string): ArtifactLocation;
  /** The `artifactsDestination` store behind `mlflow-artifacts:/` URIs and the `/mlflow-artifacts` routes. */
  readonly proxied: ArtifactLocation;
  /** Which locations clients may give experiments and model versions (checked again on every resolve). */
  readonly policy: ArtifactLocationPolicy;
  /**
   * Lists one key of every object-store root (destination, default root, allowed roots); throws,
   * naming the setting, the URI and what to fix, when one cannot be reached or authorised. Run
   * at start: a server must not accept runs whose artifacts it cannot store.
   */
  checkAccess(): Promise<void>;
  /** Frees the object-store clients' sockets. */
  close(): void;
}

export interface ArtifactRepositoriesOptions {
  /** Object-store credentials and endpoints (AZURE_STORAGE_*, AWS_*, MLFLOW_S3_*); `process.env` by default. */
  objectStores?: ObjectStoreOptions;
}

/** Schemes an artifacts destination or an allowed root may use: stores this server writes itself. */
const STORE_SCHEMES = ['', 'file', ...OBJECT_STORE_SCHEMES];

/**
 * Parts a proxied upload holds in memory at once: S3's smallest part (5 MiB), two in flight. The
 * SDK's default (8 MiB, four in flight) suits one client's own upload; the server proxies many at
 * once, and each holds its parts until the store has them.
 */
const SERVER_UPLOAD_PARTS = { partSizeBytes: 5 * 1024 * 1024, concurrency: 2 } as const;

export function createArtifactRepositories(config: Config, options: ArtifactRepositoriesOptions = {}): ArtifactRepositories {
  const registry = new ArtifactRepositoryRegistry();
  const policy = artifactLocationPolicyOf(config);
  // Checked on every read too, not only when a location is stored: a location stored before the
  // check existed (or written to the database by hand) must not open the server's files either.
  const local = (uri: string): ArtifactLocation => ({
    repository: new LocalArtifactRepository(policy.localDir(uri, 'artifact_uri')),
    basePath: '',
  });
  registry.register('', local);
  registry.register('file', local);

  for (const [setting, uri] of [['--artifacts-destination', config.artifactsDestination], ...config.allowedArtifactRoots.map((r) => ['--allowed-artifact-roots', r] as const)] as const) {
    const scheme = artifactUriScheme(uri);
    if (!STORE_SCHEMES.includes(scheme)) {
      throw new InvalidParameterError(
        `${setting} ${JSON.stringify(uri)}: scheme '${scheme}:' is not an artifact store this server can write; ` +
          'use a local folder, s3://<bucket>/<path>, wasbs://<container>@<account>.blob.core.windows.net/<path> or abfss://<container>@<account>.dfs.core.windows.net/<path>',
      );
    }
  }
  const objectStores = new ObjectStoreRoots(
    [
      ['--artifacts-destination', config.artifactsDestination],
      ['--default-artifact-root', config.defaultArtifactRoot],
      ...config.allowedArtifactRoots.map((r) => ['--allowed-artifact-roots', r] as const),
    ],
    { ...SERVER_UPLOAD_PARTS, ...options.objectStores },
  );
  for (const scheme of OBJECT_STORE_SCHEMES) registry.register(scheme, (uri) => objectStores.locate(uri));

  // Resolved before the proxied schemes exist, so a destination cannot point back at itself.
  const proxied = registry.resolve(config.artifactsDestination);
  const proxiedLocation = (uri: string): ArtifactLocation => ({
    repository: proxied.repository,
    basePath: joinArtifactPath(proxied.basePath, proxiedPathOfUri(uri)),
  });
  for (const scheme of PROXIED_SCHEMES) registry.register(scheme, proxiedLocation);

  return {
    resolve: (uri) => registry.resolve(uri),
    proxied,
    policy,
    checkAccess: async () => {
      await Promise.all(
        objectStores.roots.map(async (root) => {
          try {
            await root.repository.checkAccess();
          } catch (e) {
            // ObjectStoreAccessError says what failed and what to fix; settings errors (a
            // connection string for another account…) are thrown before any request.
            throw new InvalidParameterError(`${root.setting} ${root.repository.uri}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }),
      );
    },
    close: () => objectStores.close(),
  };
}
