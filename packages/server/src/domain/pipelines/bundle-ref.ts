import { InvalidParameterError } from '../../errors.js';

/**
 * A project bundle (`modelyard deploy`): the project folder as a gzipped tar, named by the sha256
 * of its bytes. A deployed job and every run of it carry the bundle they were deployed with, so
 * whoever executes a task (the server, a queue worker on another machine) unpacks that exact
 * code, never a path on the deployer's machine.
 */
export interface BundleRef {
  /** Lower-case hex sha256 of the `.tar.gz` bytes. */
  sha256: string;
  /** The project file inside the bundle (`modelyard.yaml` unless deployed with `-f`). */
  projectFile: string;
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Where bundles live below the artifacts destination. */
export const BUNDLES_ARTIFACT_DIR = 'modelyard-bundles';

export function bundleArtifactPath(sha256: string): string {
  return `${BUNDLES_ARTIFACT_DIR}/${checkSha256(sha256)}.tar.gz`;
}

export function checkSha256(value: unknown, field = 'sha256'): string {
  if (typeof value !== 'string' || !SHA256_PATTERN.test(value)) {
    throw new InvalidParameterError(`'${field}' must be the 64 lower-case hex digits of the bundle's sha256, got ${JSON.stringify(String(value).slice(0, 80))}`);
  }
  return value;
}

/** The project file's path inside a bundle: relative, `/`-separated, never leaving it. */
export function checkProjectFile(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('/') || value.includes('\\') || value.split('/').some((s) => s === '..' || s === '' || s === '.')) {
    throw new InvalidParameterError(`'project_file' must be a relative path inside the bundle such as modelyard.yaml, got ${JSON.stringify(String(value).slice(0, 200))}`);
  }
  return value;
}
