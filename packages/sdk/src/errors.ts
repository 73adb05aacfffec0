/** An error answered by an MLflow-compatible server: its `error_code`, HTTP status and message. */
export class MlflowApiError extends Error {
  readonly errorCode: string;
  readonly httpStatus: number;
  constructor(errorCode: string, httpStatus: number, message: string) {
    super(message);
    this.name = 'MlflowApiError';
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
  }
}

/** The server could not be reached (after retries), or answered something that is not MLflow JSON. */
export class MlflowConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowConnectionError';
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof MlflowApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || e.httpStatus === 404);
}
