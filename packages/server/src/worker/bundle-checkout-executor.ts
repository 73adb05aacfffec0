import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStarted, TaskExecutor } from '../services/pipelines/task-executor.js';
import type { TaskSpec, TaskType } from '../domain/pipelines/project-model.js';

/** Unpacks bundle `sha256` on this machine (once) and returns its folder. */
export type BundleCheckout = (sha256: string) => Promise<string>;

/**
 * Runs attempts of bundle-deployed jobs in this machine's unpacked copy of their bundle: the
 * bundle is fetched and unpacked (content-addressed, see services/bundles/bundle-cache.ts) before
 * the attempt is handed to `inner` with that folder as its project folder. The server wraps its
 * local process pool and in-process task types with it; a queue worker wraps its pool, fetching
 * bundles from the server over HTTP. Attempts without a bundle pass through unchanged.
 */
export class BundleCheckoutExecutor implements TaskExecutor {
  readonly name: string;

  constructor(
    private readonly inner: TaskExecutor,
    private readonly checkout: BundleCheckout,
  ) {
    this.name = inner.name;
  }

  executorNameFor(type: TaskType, task?: TaskSpec): string {
    return this.inner.executorNameFor?.(type, task) ?? this.inner.name;
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    const bundle = request.bundle;
    if (!bundle) return this.inner.submit(request, onStarted);
    let canceled: string | undefined;
    let handle: AttemptHandle | undefined;
    const done = (async (): Promise<AttemptOutcome> => {
      let dir: string;
      try {
        dir = await this.checkout(bundle.sha256);
      } catch (e) {
        return { state: 'FAILED', message: `cannot unpack bundle ${bundle.sha256.slice(0, 12)}… on this machine: ${(e as Error).message}`, exitCode: null, signal: null, endTime: Date.now() };
      }
      if (canceled !== undefined) return { state: 'CANCELED', message: canceled, exitCode: null, signal: null, endTime: Date.now() };
      handle = this.inner.submit({ ...request, projectDir: dir, env: { ...request.env, MODELYARD_PROJECT_DIR: dir, MODELYARD_BUNDLE_SHA256: bundle.sha256 } }, onStarted);
      return handle.done;
    })();
    return {
      done,
      cancel: (reason) => {
        canceled ??= reason;
        handle?.cancel(reason);
      },
    };
  }

  abandon(attempt: { attemptId: number; executorRef: string | null; executor?: string }): Promise<void> {
    return this.inner.abandon(attempt);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
