import { MlflowApiError } from '@modelyard/sdk/client';

/** Every failure is shown with the server's message and code; never a blank area. */
export function ErrorBanner({ error, title, onRetry }: { error: Error; title?: string; onRetry?: () => void }) {
  const code = error instanceof MlflowApiError ? error.errorCode : undefined;
  return (
    <div className="error-banner" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <p className="error-message">{error.message}</p>
      {code && <p className="error-code">{code}{error instanceof MlflowApiError && error.httpStatus ? ` · HTTP ${error.httpStatus}` : ''}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}
