import { isAbsolute, resolve } from 'node:path';
import { excerpt } from '@modelyard/contract';
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

// Control characters, and the two characters a URI parser would cut the rest of the URI at: a
// location of `file:///etc?` must not become `/etc` once a run id is appended behind the `?`.
const FORBIDDEN_IN_URI = /[\u0000-\u001f\u007f?#]/;
// Percent-encoded '/', '\\' and NUL: decoded they would change which folder a path names.
const ENCODED_SEPARATOR = /%(2f|5c|00)/i;

/**
 * Refuses an artifact URI the server could misread: one with a query string, a fragment or
 * control characters, which URL parsers drop or cut at, so the run or model suffix appended to a
 * location would vanish. Locations and sources are stored as sent, so they are checked whole.
 */
export function checkArtifactUriShape(uri: string, field: string): void {
  const bad = FORBIDDEN_IN_URI.exec(uri)?.[0];
  if (bad === undefined) return;
  const what = bad === '?' ? "a query string ('?')" : bad === '#' ? "a fragment ('#')" : 'control characters (such as NUL)';
  throw new InvalidParameterError(`Invalid ${field} ${quoteUri(uri)}: artifact URIs may not contain ${what}`);
}

/** A URI as an error message quotes it: at most its first 200 characters. */
export function quoteUri(uri: string): string {
  return JSON.stringify(excerpt(uri));
}

/**
 * The local folder a `file:` URI or plain path names (relative paths against the working folder,
 * as MLflow does). Parsed by hand, whole: `file:/p`, `file:///p` and `file://localhost/p` name
 * `/p`; another host, a relative `file:` path, a query, a fragment or an encoded separator is
 * refused rather than dropped (Node's `fileURLToPath` drops `?…` and `#…`).
 */
export function localDirOfUri(uri: string, field = 'artifact_uri'): string {
  checkArtifactUriShape(uri, field);
  if (artifactUriScheme(uri) !== 'file') return isAbsolute(uri) ? uri : resolve(uri);
  const invalid = (why: string) => new InvalidParameterError(`Invalid ${field} ${quoteUri(uri)}: ${why}`);
  let rest = uri.slice('file:'.length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') throw invalid(`a file URI must name a path on this machine, not host '${host}'`);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (!rest.startsWith('/')) throw invalid('a file URI must hold an absolute path (file:///path)');
  if (ENCODED_SEPARATOR.test(rest)) throw invalid("encoded '/', '\\' or NUL (%2F, %5C, %00) are not allowed");
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw invalid("it holds a '%' that is not a valid percent-escape");
  }
  return resolve(path);
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
  checkArtifactUriShape(uri, 'artifact_uri');
  let rest = uri.slice(scheme.length + 1);
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
