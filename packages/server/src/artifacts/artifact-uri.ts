import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '../errors.js';
import { parseArtifactPath } from './artifact-path.js';

// One letter before ':' is a Windows drive, not a scheme.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

/** Where MLflow anchors proxied-artifact HTTP URLs; what follows is the destination path. */
const PROXY_HTTP_ANCHOR = '/api/2.0/mlflow-artifacts/artifacts/';

/** The URI's scheme in lower case; `''` for a plain filesystem path. */
export function artifactUriScheme(uri: string): string {
  return SCHEME.exec(uri)?.[1]?.toLowerCase() ?? '';
}

/** The local folder a `file:` URI or plain path names (relative paths against the working folder, as MLflow does). */
export function localDirOfUri(uri: string): string {
  if (artifactUriScheme(uri) === 'file') {
    try {
      return fileURLToPath(uri);
    } catch (e) {
      throw new InvalidParameterError(`Invalid artifact URI ${JSON.stringify(uri)}: ${(e as Error).message}`);
    }
  }
  return isAbsolute(uri) ? uri : resolve(uri);
}

/**
 * The path below the artifacts destination that a proxied URI names: `mlflow-artifacts:/0/r/artifacts`
 * and `mlflow-artifacts://host:5000/0/r/artifacts` → `0/r/artifacts`; an `http(s)://…` URL to
 * this server's `/api/2.0/mlflow-artifacts/artifacts/<path>` → `<path>`. Parsed by hand, not with
 * `URL`, which would quietly resolve `..` segments: experiments' artifact locations are client
 * input, so their paths get the same checks as any client path.
 */
export function proxiedPathOfUri(uri: string): string {
  const scheme = artifactUriScheme(uri);
  let rest = uri.slice(scheme.length + 1).replace(/[?#].*$/s, '');
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (scheme === 'http' || scheme === 'https') {
    const at = rest.indexOf(PROXY_HTTP_ANCHOR);
    if (at < 0) {
      throw new InvalidParameterError(
        `Invalid artifact URI ${JSON.stringify(uri)}: an HTTP artifact URI must point at ${PROXY_HTTP_ANCHOR}<path> of this server`,
      );
    }
    rest = rest.slice(at + PROXY_HTTP_ANCHOR.length);
  }
  return parseArtifactPath(rest.replace(/^\/+/, ''), 'artifact_uri');
}
