import type { Logger } from 'pino';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SPAN_RETENTION_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_TRACE_RETENTION_DAYS = 30;

export interface SpanPruner {
  deleteStartedBefore(cutoffMs: number): Promise<number>;
}

export interface SpanRetentionOptions {
  store: SpanPruner;
  /** Spans that started more than this many days ago go; 0 (or less) keeps everything. */
  retentionDays: number;
  logger: Logger;
  now?: () => number;
  intervalMs?: number;
}

/** The cutoff (epoch ms) before which spans are deleted, or undefined when spans are kept forever. */
export function retentionCutoffMs(retentionDays: number, nowMs: number): number | undefined {
  if (!(retentionDays > 0)) return undefined;
  return nowMs - retentionDays * DAY_MS;
}

/**
 * Deletes spans older than the retention window: once at start (a server that was down for a
 * week catches up), then every interval. The timer is unref'd so it never keeps a process alive.
 */
export class SpanRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: SpanRetentionOptions) {
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return retentionCutoffMs(this.opts.retentionDays, 0) !== undefined;
  }

  /** One pass; returns how many spans went. A pass already under way is joined, not doubled. */
  prune(): Promise<number> {
    const cutoff = retentionCutoffMs(this.opts.retentionDays, this.now());
    if (cutoff === undefined) return Promise.resolve(0);
    this.running ??= this.opts.store
      .deleteStartedBefore(cutoff)
      .then((deleted) => {
        if (deleted > 0) this.opts.logger.info({ deleted, retention_days: this.opts.retentionDays }, 'deleted expired trace spans');
        return deleted;
      })
      .catch((err: unknown) => {
        // A failed pass is retried at the next interval; it must not take the server down.
        this.opts.logger.warn({ err }, 'could not delete expired trace spans');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), this.opts.intervalMs ?? SPAN_RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way, so the store can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
