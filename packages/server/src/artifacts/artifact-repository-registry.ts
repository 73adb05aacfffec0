import { AppError } from '../errors.js';
import type { ArtifactLocation } from './artifact-repository.js';
import { artifactUriScheme } from './artifact-uri.js';

/** Turns a URI of one scheme into the repository and folder it names. */
export type ArtifactLocationFactory = (uri: string) => ArtifactLocation;

/** Scheme → factory. `''` is the scheme of plain filesystem paths. */
export class ArtifactRepositoryRegistry {
  private readonly factories = new Map<string, ArtifactLocationFactory>();

  register(scheme: string, factory: ArtifactLocationFactory): void {
    this.factories.set(scheme.toLowerCase(), factory);
  }

  resolve(uri: string): ArtifactLocation {
    const scheme = artifactUriScheme(uri);
    const factory = this.factories.get(scheme);
    if (!factory) {
      const known = [...this.factories.keys()].filter((s) => s !== '').map((s) => `${s}:`);
      throw new AppError(
        'NOT_IMPLEMENTED',
        `Artifact URI ${JSON.stringify(uri)} uses scheme '${scheme}:', which this server cannot store artifacts in; ` +
          `use a local path or one of ${known.join(', ')}`,
      );
    }
    return factory(uri);
  }
}
