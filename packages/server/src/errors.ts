import type { ErrorCode } from '@modelyard/contract';
import { httpStatusFor } from '@modelyard/contract';

/**
 * Every error the application raises on purpose. The HTTP layer turns it into MLflow's
 * `{error_code, message}` body with the status of its code; the CLI prints its message.
 */
export class AppError extends Error {
  readonly errorCode: ErrorCode;
  constructor(errorCode: ErrorCode, message: string) {
    super(message);
    this.errorCode = errorCode;
    this.name = new.target.name;
  }
  get httpStatus(): number {
    return httpStatusFor(this.errorCode);
  }
}

export class InvalidParameterError extends AppError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('RESOURCE_DOES_NOT_EXIST', message);
  }
}

export class AlreadyExistsError extends AppError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message);
  }
}

export class InvalidStateError extends AppError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

export class BadRequestError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

export class EndpointNotFoundError extends AppError {
  constructor(method: string, url: string) {
    super('ENDPOINT_NOT_FOUND', `No API endpoint is served at ${method} ${url}`);
  }
}

export class NotImplementedError extends AppError {
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not implemented by this server`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('RESOURCE_CONFLICT', message);
  }
}

/**
 * The store could not take the request now (another process held the SQLite file's write lock
 * for longer than the busy timeout): 503, which MLflow's clients retry with backoff.
 */
export class TemporarilyUnavailableError extends AppError {
  constructor(message: string) {
    super('TEMPORARILY_UNAVAILABLE', message);
  }
}

/**
 * The database cancelled a statement that ran past the configured statement timeout. 400, not a
 * 5xx: MLflow's clients retry 5xx answers several times, and retrying a statement that is too
 * expensive only runs it again; the message says how to narrow it or raise the limit.
 */
export class StatementTimeoutError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/**
 * A write found no space left (a full disk or quota under the artifacts or the database).
 * RESOURCE_EXHAUSTED, but 507 Insufficient Storage rather than the 429 MLflow's table gives the
 * code for rate limits: MLflow's clients retry a 429 with backoff for minutes, which a full disk
 * will not outlast, and 507 names the cause. Nothing of the request was stored; reads still work.
 */
export class StorageFullError extends AppError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
  }
  override get httpStatus(): number {
    return 507;
  }
}

/** A file write failed for lack of space: ENOSPC (device full) or EDQUOT (quota exceeded). */
export function isNoSpaceLeft(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export class UnauthenticatedError extends AppError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
