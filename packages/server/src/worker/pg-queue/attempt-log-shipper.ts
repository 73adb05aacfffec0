import { open } from 'node:fs/promises';
import { MAX_ATTEMPT_LOG_CHUNK_BYTES } from '../../services/pipelines/attempt-log-receiver.js';

export type LogStream = 'stdout' | 'stderr';

export interface AttemptLogShipperOptions {
  files: Array<{ path: string; stream: LogStream }>;
  /** Appends `data` at `offset` of the server's copy (idempotent by offset: a retry after a lost answer is harmless). */
  send(stream: LogStream, offset: number, data: Buffer): Promise<void>;
  /** How often the files are read while the attempt runs. Default 1 s. */
  pollMs?: number;
  onError?(err: unknown): void;
}

/** Sent per file per poll while the attempt runs: a task printing in a tight loop must not hog the worker. */
const MAX_BYTES_PER_POLL = 4 * MAX_ATTEMPT_LOG_CHUNK_BYTES;

interface Tail {
  path: string;
  stream: LogStream;
  /** Bytes the server has. */
  offset: number;
}

/**
 * Follows the log files of an attempt a queue worker runs in its own folder and ships their new
 * bytes to the server (POST /api/v1/jobs/runs/attempt-logs), so worker and server share no disk:
 * every poll while the attempt runs (so `jobs logs` follows it), and all of the rest at the end,
 * before the attempt's outcome is stored (so a reader that sees the attempt ended sees its whole
 * log). A failed send is retried from the same offset at the next poll; reads never overlap.
 */
export class AttemptLogShipper {
  private readonly tails: Tail[];
  private timer: NodeJS.Timeout | undefined;
  private shipping: Promise<boolean> = Promise.resolve(true);

  constructor(private readonly opts: AttemptLogShipperOptions) {
    this.tails = opts.files.map((f) => ({ ...f, offset: 0 }));
  }

  start(): void {
    this.timer = setInterval(() => void this.ship(MAX_BYTES_PER_POLL), this.opts.pollMs ?? 1000);
  }

  /** Stops polling and sends everything left. Resolves true when the server has all of both files. */
  async finish(): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A failure at the end is retried a few times here: after this the files are the only copy.
    for (let round = 0; round < 3; round++) {
      if (await this.ship(Number.POSITIVE_INFINITY)) return true;
      await new Promise((r) => setTimeout(r, 500 * (round + 1)));
    }
    return false;
  }

  private ship(budget: number): Promise<boolean> {
    this.shipping = this.shipping.then(async () => {
      let complete = true;
      for (const t of this.tails) {
        try {
          if (!(await this.shipTail(t, budget))) complete = false;
        } catch (e) {
          complete = false;
          this.opts.onError?.(e);
        }
      }
      return complete;
    });
    return this.shipping;
  }

  /** True when the server holds the whole file as it is now. */
  private async shipTail(t: Tail, budget: number): Promise<boolean> {
    let fh;
    try {
      fh = await open(t.path, 'r');
    } catch (e) {
      // Not created yet (the process has not started) or never: nothing to send.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      let sent = 0;
      while (t.offset < size) {
        if (sent >= budget) return false;
        const buf = Buffer.alloc(Math.min(MAX_ATTEMPT_LOG_CHUNK_BYTES, size - t.offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, t.offset);
        if (bytesRead === 0) break;
        await this.opts.send(t.stream, t.offset, buf.subarray(0, bytesRead));
        t.offset += bytesRead;
        sent += bytesRead;
      }
      return true;
    } finally {
      await fh.close();
    }
  }
}
