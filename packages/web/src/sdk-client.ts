import { Client } from '@modelyard/sdk/client';

let shared: Client | undefined;

/**
 * The UI's one way to the server: `@modelyard/sdk`'s browser client, created on first use, with
 * the page's origin as the server (the server serves the UI). One retry with a short backoff,
 * unlike a training script's five: a page shows an error promptly and lets the user retry. Every
 * failure is an sdk error carrying the server's `{error_code, message}` (MlflowApiError) or saying
 * the server could not be reached (MlflowConnectionError).
 */
export function sdk(): Client {
  shared ??= new Client({ maxRetries: 1, backoffMs: 150 });
  return shared;
}
