import { InvalidParameterError } from '../../errors.js';
import type { Tag } from '../../domain/tracking.js';
import { validateKey, validateTagValue } from '../../domain/tracking-validation.js';

/**
 * MLflow's input rules for the registry (mlflow/utils/validation.py and the registry store), so a
 * client gets the same rejection here as from MLflow, and nothing reaches the database that its
 * columns would refuse.
 */

/** registered_models.name is varchar(256), as in MLflow's schema. */
export const MAX_MODEL_NAME_LENGTH = 256;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_ALIAS_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 5000;

export function validateModelName(name: string | undefined, field = 'name'): string {
  if (name === undefined || name === '') throw new InvalidParameterError(`Missing value for required parameter '${field}'.`);
  if (name.length > MAX_MODEL_NAME_LENGTH) {
    throw new InvalidParameterError(`'${field}' exceeds the maximum length of ${MAX_MODEL_NAME_LENGTH} characters`);
  }
  return name;
}

/** Versions are strings on the wire; MLflow reads them with int(). */
export function parseVersion(version: string | number | undefined, field = 'version'): number {
  if (version === undefined || version === '') throw new InvalidParameterError(`Missing value for required parameter '${field}'.`);
  const text = String(version).trim();
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidParameterError(`Parameter '${field}' must be an integer, got '${version}'.`);
  return n;
}

export function validateRegistryTag(tag: Tag): void {
  if (tag.key === '') throw new InvalidParameterError(`Missing value for required parameter 'key'.`);
  validateKey('tag', tag.key);
  validateTagValue(tag.key, tag.value, MAX_REGISTRY_TAG_VALUE_LENGTH);
}

/** Tag lists may repeat a key; the last value wins, as in MLflow's stores. */
export function dedupeTags(tags: readonly Tag[]): Tag[] {
  const byKey = new Map<string, string>();
  for (const t of tags) byKey.set(t.key, t.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

export function validateDescription(description: string | undefined | null): string | null {
  if (description === undefined || description === null) return null;
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidParameterError(`'description' exceeds the maximum length of ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return description;
}

const ALIAS_CHARS = /^[\w-]*$/u;
const VERSION_LIKE_ALIAS = /^[vV]\d+$/;

/**
 * Aliases share the `models:/name@alias` namespace with versions, so `latest` and `v<digits>` are
 * reserved (they would shadow `models:/name/latest` and version references).
 */
export function validateAlias(alias: string | undefined): string {
  if (alias === undefined || alias === '') throw new InvalidParameterError('Registered model alias name cannot be empty.');
  if (!ALIAS_CHARS.test(alias)) {
    throw new InvalidParameterError(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  if (alias.length > MAX_ALIAS_LENGTH) {
    throw new InvalidParameterError(`'Registered model alias name' exceeds the maximum length of ${MAX_ALIAS_LENGTH} characters`);
  }
  if (alias.toLowerCase() === 'latest') throw new InvalidParameterError("'latest' alias name (case insensitive) is reserved.");
  if (VERSION_LIKE_ALIAS.test(alias)) throw new InvalidParameterError(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/**
 * A source must not climb out of where it points with `..` (also percent-encoded) or smuggle a NUL:
 * MLflow rejects such sources because the artifact proxy later joins paths to them.
 */
export function validateSourceHasNoRelativePaths(source: string): void {
  let decoded = source;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded.replace(/\+/g, ' '));
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  const segments = decoded.split(/[/\\]/);
  if (decoded.includes('\0') || segments.some((s) => s === '..')) {
    throw new InvalidParameterError(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
}
