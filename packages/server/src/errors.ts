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

export class UnauthenticatedError extends AppError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
