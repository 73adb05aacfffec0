/**
 * MLflow's error codes (databricks.proto ErrorCode) and the HTTP status MLflow's server answers
 * with for each. Codes not listed here answer 500, as MLflow's handlers do.
 */
export const ERROR_STATUS = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  IO_ERROR: 500,
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  MALFORMED_REQUEST: 400,
  INVALID_STATE: 400,
  PERMISSION_DENIED: 403,
  FEATURE_DISABLED: 501,
  CUSTOMER_UNAUTHORIZED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  UNAUTHENTICATED: 401,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_CONFLICT: 409,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  NOT_FOUND: 404,
  NOT_IMPLEMENTED: 501,
  DEADLINE_EXCEEDED: 504,
  // The Databricks Workspace API's own codes (workspace/delete of a non-empty folder, workspace/import over 10 MB).
  DIRECTORY_NOT_EMPTY: 400,
  MAX_NOTEBOOK_SIZE_EXCEEDED: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function httpStatusFor(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? 500;
}

/** The body of every error response, MLflow's shape. */
export interface ErrorBody {
  error_code: string;
  message: string;
}
