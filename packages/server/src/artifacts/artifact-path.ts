import { InvalidParameterError } from '../errors.js';

// C0 controls and DEL: NUL truncates paths in C APIs, CR/LF would reach response headers.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const WINDOWS_DRIVE = /^[A-Za-z]:/;
const MAX_DECODE_ROUNDS = 10;

function invalidPath(raw: string, field: string, reason: string): InvalidParameterError {
  return new InvalidParameterError(`Invalid path ${JSON.stringify(raw)} for parameter '${field}': ${reason}`);
}

/**
 * Checks a relative artifact path and returns it normalised (`a/./b//c` → `a/b/c`, root → `''`).
 * Refuses anything that could name a file outside the artifact root — `..` segments, absolute
 * paths, Windows drives, backslashes, control characters (NUL) — and `#`, which MLflow refuses too.
 * No percent-decoding happens here, so it is idempotent: repositories call it again on what
 * services hand them.
 */
export function normalizeArtifactPath(raw: string, field = 'path'): string {
  if (CONTROL_CHARS.test(raw)) throw invalidPath(raw, field, 'control characters (such as NUL) are not allowed');
  if (raw.includes('\\')) throw invalidPath(raw, field, "use '/' to separate folders; '\\' is not allowed");
  if (raw.includes('#')) throw invalidPath(raw, field, "'#' is not allowed");
  if (raw.startsWith('/')) throw invalidPath(raw, field, 'give a path relative to the artifact root, not an absolute one');
  if (WINDOWS_DRIVE.test(raw) || /^file:/i.test(raw)) {
    throw invalidPath(raw, field, 'give a path relative to the artifact root, not a drive or file URI');
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw invalidPath(raw, field, "'..' segments are not allowed");
  return segments.join('/');
}

/**
 * An artifact path as a client sent it. Like MLflow (`validate_path_is_safe`), percent-encoding
 * is undone until the text stops changing before the checks, so `%2e%2e/` and its double-encoded
 * forms are caught as `..`; the decoded path is what gets stored, as MLflow stores it.
 */
export function parseArtifactPath(raw: string, field = 'path'): string {
  let decoded = raw;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break; // a literal '%' that is not an escape, e.g. "100%.txt"
    }
    if (next === decoded) break;
    decoded = next;
  }
  return normalizeArtifactPath(decoded, field);
}

/** `a` + `b` for normalised artifact paths, where either may be the root `''`. */
export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** The last segment of a normalised artifact path. */
export function artifactBaseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
