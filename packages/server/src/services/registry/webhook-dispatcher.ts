import type { WebhookStore } from '../../stores/registry/webhook-store.js';
import { isRetryable, sendWebhook } from './webhook-sender.js';
import type { WebhookTargetPolicy } from './webhook-target.js';

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  /** Which addresses deliveries may reach; checked again on every attempt. */
  targets: WebhookTargetPolicy;
  now?: () => number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** Wait before attempt n+1 after attempt n failed (n ≥ 1). */
  backoffMs?: (attempt: number) => number;
  pollIntervalMs?: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
}

/** 1 s, 2 s, 4 s … capped at 60 s, with up to 20 % jitter so retries of one outage spread out. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(60_000, 1000 * 2 ** (attempt - 1));
  return Math.round(base * (1 + Math.random() * 0.2));
}

/**
 * Sends the webhook outbox. Registry writes only insert outbox rows (in their own transaction);
 * this loop sends them after commit, retries 429/5xx and network failures with backoff, and gives
 * up after `maxAttempts`. A slow or dead receiver therefore only delays its own deliveries.
 * Nothing starts on construction: `start()` polls, `kick()` asks for an immediate pass.
 */
export class WebhookDispatcher {
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: (attempt: number) => number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly opts: WebhookDispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.backoffMs = opts.backoffMs ?? defaultBackoff;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.batchSize = opts.batchSize ?? 20;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Asks for a pass now (after a commit that queued deliveries); passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => {
        this.opts.onError?.(err);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Sends every delivery due now; returns how many attempts were made. */
  async drain(): Promise<number> {
    let attempts = 0;
    for (;;) {
      // The lease outlives a timed-out attempt, so an attempt in flight is never claimed twice.
      const batch = await this.opts.store.claimDue(this.now(), this.batchSize, this.timeoutMs * 2 + 5000);
      if (batch.length === 0) return attempts;
      attempts += batch.length;
      await Promise.all(
        batch.map(async (d) => {
          const result = await sendWebhook({ url: d.url, deliveryId: d.deliveryId, payload: d.payload, secret: d.secret, nowMs: this.now(), timeoutMs: this.timeoutMs, targets: this.opts.targets });
          const retry = !result.ok && isRetryable(result) && d.attempts < this.maxAttempts;
          await this.opts.store.recordAttempt(d.deliveryId, {
            delivered: result.ok,
            statusCode: result.statusCode,
            error: result.error,
            retryAt: retry ? this.now() + this.backoffMs(d.attempts) : null,
          });
        }),
      );
    }
  }
}
