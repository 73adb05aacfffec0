import type { MetricInput, TrackingApi } from '../client/tracking-api.js';

/** MLflow's log-batch limit. */
export const MAX_METRICS_PER_BATCH = 1000;

/**
 * Buffers a run's metrics and sends them in log-batch calls: when 1000 are waiting, after a short
 * delay (so a training loop logging every step makes a few requests a second, not thousands),
 * and on flush(). A failed send keeps nothing silently: the error reaches the next flush() caller.
 */
export class MetricBuffer {
  private pending: MetricInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly api: TrackingApi,
    private readonly runId: string,
    private readonly delayMs = 1000,
  ) {}

  add(m: MetricInput): void {
    this.pending.push({ ...m, timestamp: m.timestamp ?? Date.now() });
    if (this.pending.length >= MAX_METRICS_PER_BATCH) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.delayMs);
      this.timer.unref();
    }
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const chunk = this.pending.splice(0, MAX_METRICS_PER_BATCH);
      this.inFlight = this.inFlight
        .then(() => this.api.logBatch(this.runId, { metrics: chunk }))
        .catch((e: unknown) => {
          this.failure ??= e;
        });
    }
  }

  /** Sends everything buffered and waits for it; throws the first send failure, if any. */
  async flush(): Promise<void> {
    this.send();
    await this.inFlight;
    if (this.failure !== undefined) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
  }
}
