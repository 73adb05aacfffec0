import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { readableSpanToRecord } from './readable-span-record.js';
import type { SpanRecord, SpanSink } from './span-record.js';

export interface StoreSpanProcessorOptions {
  sink: SpanSink;
  logger: Logger;
  /** Which ended spans are written (the rest still reach the other processors). Default: all. */
  keep?: (span: ReadableSpan) => boolean;
  /** Spans are written at most this long after they end. Default 250 ms. */
  flushDelayMs?: number;
  /** A batch this large is written at once. Default 500. */
  maxBatch?: number;
}

/**
 * Writes ended spans to the server's database in batches. `onEnd` is synchronous and on the hot
 * path of every HTTP request, so it only converts and queues; one multi-row insert per batch keeps
 * the cost per span far below that of a tracking write.
 */
export class StoreSpanProcessor implements SpanProcessor {
  private buffer: SpanRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: StoreSpanProcessorOptions) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    if (this.opts.keep && !this.opts.keep(span)) return;
    this.buffer.push(readableSpanToRecord(span));
    if (this.buffer.length >= (this.opts.maxBatch ?? 500)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.opts.flushDelayMs ?? 250);
      this.timer.unref();
    }
  }

  /** Writes what is queued; settles once every span ended so far is in the store (or logged as lost). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    // Chained, so batches land in order and `forceFlush` waits for earlier writes too.
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.opts.sink.insertSpans(batch);
      } catch (err) {
        this.opts.logger.warn({ err, spans: batch.length }, 'could not store spans');
      }
    });
    return this.writing;
  }

  forceFlush(): Promise<void> {
    return this.flush();
  }

  async shutdown(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
