import type { Config } from '../config/config.js';
import { joinArtifactPath } from './artifact-path.js';
import type { ArtifactLocation } from './artifact-repository.js';
import { ArtifactRepositoryRegistry } from './artifact-repository-registry.js';
import { proxiedPathOfUri } from './artifact-uri.js';
import { artifactLocationPolicyOf, PROXIED_SCHEMES } from './artifact-location-policy.js';
import type { ArtifactLocationPolicy } from './artifact-location-policy.js';
import { LocalArtifactRepository } from './local/local-artifact-repository.js';

/** Every artifact store the server can reach, by URI. */
export interface ArtifactRepositories {
  /** Where `uri` (a run's artifact_uri, a model version's source…) points. */
  resolve(uri: string): ArtifactLocation;
  /** The `artifactsDestination` store behind `mlflow-artifacts:/` URIs and the `/mlflow-artifacts` routes. */
  readonly proxied: ArtifactLocation;
  /** Which locations clients may give experiments and model versions (checked again on every resolve). */
  readonly policy: ArtifactLocationPolicy;
}

export function createArtifactRepositories(config: Config): ArtifactRepositories {
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
  // Object stores plug in here, e.g. registry.register('wasbs', azureBlobLocation(config)), and
  // then work as run artifact roots and as the artifacts destination alike.

  // Resolved before the proxied schemes exist, so a destination cannot point back at itself.
  const proxied = registry.resolve(config.artifactsDestination);
  const proxiedLocation = (uri: string): ArtifactLocation => ({
    repository: proxied.repository,
    basePath: joinArtifactPath(proxied.basePath, proxiedPathOfUri(uri)),
  });
  for (const scheme of PROXIED_SCHEMES) registry.register(scheme, proxiedLocation);

  return { resolve: (uri) => registry.resolve(uri), proxied, policy };
}
