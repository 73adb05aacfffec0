import { open } from 'node:fs/promises';
import type { LogSeverity } from './log-export.js';

export type OutputStream = 'stdout' | 'stderr';

export interface AttemptLogForwarderOptions {
  files: Array<{ path: string; stream: OutputStream }>;
  /** Called once per complete line, in file order. */
  emit(line: string, stream: OutputStream, time: number): void;
  /** How often the files are read while the attempt runs. Default 1 s. */
  pollMs?: number;
  /**
   * Whether to go on reading: once false the forwarder stops, even if `finish` never comes (the
   * process shutting down while an attempt still runs).
   */
  active?: () => boolean;
  /** Lines exported per attempt; the rest stay in the files only. Default 5 000. */
  maxLines?: number;
  now?: () => number;
}

/** A line longer than this is cut (Application Insights keeps 32 768 characters of a message). */
const MAX_LINE_BYTES = 16 * 1024;
/** Read per file per poll: a task printing in a tight loop must not stall the server's loop. */
const MAX_READ_BYTES_PER_POLL = 4 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

interface Tail {
  path: string;
  stream: OutputStream;
  offset: number;
  /** Bytes of a line not yet ended by a newline. */
  partial: Buffer;
  /** A line longer than MAX_LINE_BYTES was cut: the rest of it is skipped. */
  skipping: boolean;
}

/**
 * Follows an attempt's stdout and stderr files and hands each line over as it appears. Task
 * processes write to files, not pipes (see worker/local-process-pool: logs survive the server),
 * so their lines are read back from the files: every second while the attempt runs, and once
 * more after it ended, for what it wrote last. Only whole lines are handed over, except the last
 * unterminated one at the end. Reads never overlap.
 */
export class AttemptLogForwarder {
  private readonly tails: Tail[];
  private readonly maxLines: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private emitted = 0;
  /** maxLines was reached: nothing more is read. */
  private capped = false;
  private finished = false;

  constructor(private readonly opts: AttemptLogForwarderOptions) {
    this.tails = opts.files.map((f) => ({ ...f, offset: 0, partial: Buffer.alloc(0), skipping: false }));
    this.maxLines = opts.maxLines ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.finished) return;
    this.timer = setInterval(() => {
      if (this.opts.active?.() === false) {
        clearInterval(this.timer);
        return;
      }
      void this.poll(undefined, false);
    }, this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Reads what is left (the process has ended), lines stamped `endTime`, and stops. */
  finish(endTime: number): Promise<{ exported: number; capped: boolean }> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const done = this.finished ? this.reading : this.poll(endTime, true);
    this.finished = true;
    return done.then(() => ({ exported: this.emitted, capped: this.capped }));
  }

  private poll(time: number | undefined, last: boolean): Promise<void> {
    this.reading = this.reading.then(async () => {
      for (const tail of this.tails) await this.read(tail, time, last).catch(() => {});
    });
    return this.reading;
  }

  private async read(tail: Tail, time: number | undefined, last: boolean): Promise<void> {
    let file;
    try {
      file = await open(tail.path, 'r');
    } catch {
      // Not created yet (the attempt waits for a slot), or gone: nothing to read.
      return;
    }
    try {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      // At the end everything left is read, up to maxLines lines.
      for (let budget = last ? Infinity : MAX_READ_BYTES_PER_POLL; budget > 0 && !this.capped; ) {
        const { bytesRead } = await file.read(buf, 0, CHUNK_BYTES, tail.offset);
        if (bytesRead === 0) break;
        tail.offset += bytesRead;
        budget -= bytesRead;
        this.take(tail, buf.subarray(0, bytesRead), time ?? this.now());
      }
    } finally {
      await file.close();
    }
    if (last && tail.partial.length > 0 && !tail.skipping) {
      this.line(tail, tail.partial, time ?? this.now());
      tail.partial = Buffer.alloc(0);
    }
  }

  private take(tail: Tail, chunk: Buffer, time: number): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (tail.skipping) tail.skipping = false;
      else this.line(tail, tail.partial.length > 0 ? Buffer.concat([tail.partial, piece]) : piece, time);
      tail.partial = Buffer.alloc(0);
      start = nl + 1;
    }
    if (start >= chunk.length || tail.skipping) return;
    tail.partial = Buffer.concat([tail.partial, chunk.subarray(start)]);
    if (tail.partial.length > MAX_LINE_BYTES) {
      this.line(tail, tail.partial, time);
      tail.partial = Buffer.alloc(0);
      tail.skipping = true;
    }
  }

  private line(tail: Tail, bytes: Buffer, time: number): void {
    const cut = bytes.length > MAX_LINE_BYTES;
    let text = (cut ? bytes.subarray(0, MAX_LINE_BYTES) : bytes).toString('utf8');
    // A progress bar redraws its line with carriage returns: what a terminal would show is the last.
    const cr = text.lastIndexOf('\r', text.length - 2);
    if (cr !== -1) text = text.slice(cr + 1);
    text = text.trimEnd();
    if (text.trim() === '') return;
    if (cut) text += '…';
    if (this.emitted >= this.maxLines) {
      this.capped = true;
      return;
    }
    this.emitted++;
    this.opts.emit(text, tail.stream, time);
  }
}

const LEVEL_WORD = /\b(CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG|TRACE)\b/;
const SEVERITY_OF_WORD: Record<string, LogSeverity> = {
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
};

/**
 * A task line's severity: the level word near its start when it has one (Python's logging,
 * log4j and most loggers print one), else info on stdout and warn on stderr (a traceback, a
 * warning printed by a library). Upper case only: "0 errors" in a message is not a level.
 */
export function severityOfTaskLine(line: string, stream: OutputStream): LogSeverity {
  const m = LEVEL_WORD.exec(line.slice(0, 80));
  if (m) return SEVERITY_OF_WORD[m[1]!]!;
  return stream === 'stderr' ? 'warn' : 'info';
}
