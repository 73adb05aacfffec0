import { LIMITS, excerpt } from '@modelyard/contract';
import { InvalidParameterError } from '../errors.js';

/**
 * MLflow's rules for what can be logged (mlflow/utils/validation.py), so that a client sees the
 * same rejection here as on MLflow's server and nothing is stored that MLflow would refuse.
 */

const NAME_CHARS = /^[\w\-./ :]*$/u;

/** Keys become file paths in some MLflow stores, so they must not resolve to another name. */
function normalizesToItself(name: string): boolean {
  if (name.startsWith('/')) return false;
  const parts = name.split('/');
  return !parts.some((p) => p === '..' || p === '.' || p === '') || name === '';
}

export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (key === '' && kind !== 'tag') {
    throw new InvalidParameterError(`Invalid ${kind} name: ''. Names must not be empty.`);
  }
  if (!NAME_CHARS.test(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${excerpt(key)}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (!normalizesToItself(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${excerpt(key)}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such (no leading '/', no '.', '..' or empty path segments).`,
    );
  }
  if (key.length > LIMITS.maxEntityKeyLength) {
    throw new InvalidParameterError(
      `${kind[0]!.toUpperCase()}${kind.slice(1)} '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.maxEntityKeyLength}`,
    );
  }
}

export function validateParamValue(key: string, value: string): void {
  if (value.length > LIMITS.maxParamValueLength) {
    throw new InvalidParameterError(
      `Param value '${value.slice(0, 40)}…' had length ${value.length}, which exceeded length limit of ${LIMITS.maxParamValueLength} (param key '${excerpt(key)}')`,
    );
  }
}

export function validateTagValue(key: string, value: string, limit: number = LIMITS.maxTagValueLength): void {
  if (value.length > limit) {
    throw new InvalidParameterError(
      `Tag value '${value.slice(0, 40)}…' had length ${value.length}, which exceeded length limit of ${limit} (tag key '${excerpt(key)}')`,
    );
  }
}

/** log-batch limits: 1000 metrics, 100 params, 100 tags, 1000 entities in all. */
export function validateBatchSize(metrics: number, params: number, tags: number): void {
  const over = (what: string, n: number, max: number) =>
    new InvalidParameterError(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
  if (metrics > LIMITS.maxMetricsPerBatch) throw over('metrics', metrics, LIMITS.maxMetricsPerBatch);
  if (params > LIMITS.maxParamsPerBatch) throw over('params', params, LIMITS.maxParamsPerBatch);
  if (tags > LIMITS.maxTagsPerBatch) throw over('tags', tags, LIMITS.maxTagsPerBatch);
  const total = metrics + params + tags;
  if (total > LIMITS.maxEntitiesPerBatch) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${LIMITS.maxEntitiesPerBatch} metrics, params and tags in total. Got ${total}. Please split up the data across multiple requests and try again.`,
    );
  }
}

export function validateExperimentName(name: string | undefined): string {
  if (name === undefined || name.trim() === '') {
    throw new InvalidParameterError(`Invalid experiment name: '${name ?? ''}'. Give the experiment a non-empty name.`);
  }
  if (name.length > 500) throw new InvalidParameterError(`Experiment name is ${name.length} characters long; the limit is 500.`);
  return name;
}
