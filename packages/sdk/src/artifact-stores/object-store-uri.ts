/**
 * Object-store artifact URIs as MLflow writes them:
 *   s3://<bucket>/<path>
 *   wasbs://<container>@<account>.blob.core.windows.net/<path>
 *   abfss://<container>@<account>.dfs.core.windows.net/<path>   (ADLS Gen2)
 * Other Azure clouds keep their own suffix (`blob.core.chinacloudapi.cn`). Parsed by hand, whole:
 * a URI that a `URL` parser would quietly change (`..`, `?`, `#`, credentials before `@`) is refused.
 */
export type ObjectStoreLocation = S3Location | AzureBlobLocation;

export interface S3Location {
  kind: 's3';
  bucket: string;
  /** Key prefix of the location, no leading or trailing `/`; `''` is the bucket's root. */
  prefix: string;
}

export interface AzureBlobLocation {
  kind: 'azure-blob';
  /** `abfss` URIs name ADLS Gen2 accounts; both are reached through the Blob API. */
  scheme: 'wasbs' | 'abfss';
  container: string;
  account: string;
  /** What follows `<account>.blob.` / `<account>.dfs.`: `core.windows.net` in Azure's public cloud. */
  endpointSuffix: string;
  prefix: string;
}

export const OBJECT_STORE_SCHEMES: readonly string[] = ['s3', 'wasbs', 'abfss'];

export class ObjectStoreUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectStoreUriError';
  }
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;
// AWS's rules today are 3-63 of a-z, 0-9, '.', '-'; older us-east-1 buckets and S3-compatible
// stores allow more, and the store itself is the judge, so only characters a URI cannot carry
// unambiguously are refused here.
const S3_BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const AZURE_CONTAINER = /^(\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
const AZURE_HOST = /^([a-z0-9]{3,24})\.(blob|dfs)\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/;
const FORBIDDEN_IN_URI = /[?#]/;
const FORBIDDEN_IN_PATH = /[\u0000-\u001f\u007f\\]/;

export function isObjectStoreUri(uri: string): boolean {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  return scheme !== undefined && OBJECT_STORE_SCHEMES.includes(scheme);
}

function quote(uri: string): string {
  return JSON.stringify(uri.length > 200 ? `${uri.slice(0, 200)}…` : uri);
}

/**
 * A relative path as an object key (suffix): empty segments dropped; `.` and `..` refused (object
 * stores keep them literally, but an HTTP layer or a copy to a local folder would not), as are
 * `\` and control characters. No percent-decoding: keys are what the path spells.
 */
export function objectKeyOfPath(path: string, what: string): string {
  if (FORBIDDEN_IN_PATH.test(path)) {
    throw new ObjectStoreUriError(`${what}: '\\' and control characters are not allowed in object-store paths`);
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new ObjectStoreUriError(`${what}: '.' and '..' segments are not allowed in object-store paths`);
  }
  return segments.join('/');
}

/** The path part of a URI as a key prefix: `objectKeyOfPath`, and no `?` or `#`, which URI parsers cut at. */
export function objectKeyPrefix(path: string, what: string): string {
  if (FORBIDDEN_IN_URI.test(path)) throw new ObjectStoreUriError(`${what}: '?' and '#' are not allowed in artifact URIs`);
  return objectKeyOfPath(path, what);
}

export function parseObjectStoreUri(uri: string): ObjectStoreLocation {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || !OBJECT_STORE_SCHEMES.includes(scheme)) {
    throw new ObjectStoreUriError(`${quote(uri)} is not an object-store URI; use s3://, wasbs:// or abfss://`);
  }
  const rest = uri.slice(uri.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = objectKeyPrefix(slash < 0 ? '' : rest.slice(slash), `Invalid artifact URI ${quote(uri)}`);
  if (scheme === 's3') {
    if (authority.includes('@') || authority.includes(':')) {
      throw new ObjectStoreUriError(
        `Invalid artifact URI ${quote(uri)}: credentials or ports do not belong in an s3:// URI; use the AWS credential chain and MLFLOW_S3_ENDPOINT_URL`,
      );
    }
    if (!S3_BUCKET.test(authority)) {
      throw new ObjectStoreUriError(`Invalid artifact URI ${quote(uri)}: '${authority}' is not an S3 bucket name (a-z, 0-9, '.', '-')`);
    }
    return { kind: 's3', bucket: authority, prefix };
  }
  const at = authority.indexOf('@');
  const expectedHost = scheme === 'abfss' ? '<account>.dfs.core.windows.net' : '<account>.blob.core.windows.net';
  if (at < 0 || authority.indexOf('@', at + 1) >= 0) {
    throw new ObjectStoreUriError(`Invalid artifact URI ${quote(uri)}: expected ${scheme}://<container>@${expectedHost}/<path>`);
  }
  const container = authority.slice(0, at);
  const host = AZURE_HOST.exec(authority.slice(at + 1).toLowerCase());
  if (!AZURE_CONTAINER.test(container)) {
    throw new ObjectStoreUriError(`Invalid artifact URI ${quote(uri)}: '${container}' is not a container name (3-63 of a-z, 0-9, '-')`);
  }
  if (!host || host[2] !== (scheme === 'abfss' ? 'dfs' : 'blob')) {
    throw new ObjectStoreUriError(`Invalid artifact URI ${quote(uri)}: expected ${scheme}://<container>@${expectedHost}/<path>`);
  }
  return { kind: 'azure-blob', scheme: scheme as 'wasbs' | 'abfss', container, account: host[1]!, endpointSuffix: host[3]!, prefix };
}

/** The canonical URI of a location (lower-case scheme and host, no trailing `/`). */
export function formatObjectStoreUri(location: ObjectStoreLocation): string {
  const path = location.prefix === '' ? '' : `/${location.prefix}`;
  if (location.kind === 's3') return `s3://${location.bucket}${path}`;
  const service = location.scheme === 'abfss' ? 'dfs' : 'blob';
  return `${location.scheme}://${location.container}@${location.account}.${service}.${location.endpointSuffix}${path}`;
}

/** `location` moved `path` (relative, `/`-separated) further down. */
export function childLocation<T extends ObjectStoreLocation>(location: T, path: string): T {
  const extra = objectKeyOfPath(path, `Invalid path ${quote(path)}`);
  return { ...location, prefix: [location.prefix, extra].filter((p) => p !== '').join('/') };
}
