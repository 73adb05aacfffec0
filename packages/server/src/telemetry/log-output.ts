import { write, writeSync } from 'node:fs';

/** Lines waiting while the output is slow (a full pipe) beyond this are dropped, not held in memory. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** A full pipe (EAGAIN) is tried again after this; anything else drops the lines at once. */
const RETRY_MS = 50;

/** What the server reports of its log output. */
export interface LogWriteStats {
  /** Log lines dropped because they could not be written, since the process started. */
  readonly droppedLines: number;
}

/**
 * Where the logger writes its lines: a file descriptor (stdout by default, which a service
 * manager often points at a file). Logging must never take the server down, so a line that
 * cannot be written is dropped and counted, never retried in a loop:
 *
 * - pino's own destination (sonic-boom) emits an unhandled 'error' when a write fails (ENOSPC on
 *   a full disk), and the exit handler pino registers then flushes with a loop that retries the
 *   write every 100 ms for as long as it fails: on a full disk, forever, while the process keeps
 *   its port. This writer does one write at a time and drops what fails.
 * - After lines were dropped, the first line that gets through again says how many were lost.
 */
export class LogOutput implements LogWriteStats {
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  private dropped = 0;
  /** Lost since the last successful write, and why: reported by the next line that gets through. */
  private unreported = 0;
  private lastError: string | undefined;
  /** A write stopped mid-line: the next text starts on a new line. */
  private brokenLine = false;

  constructor(private readonly fd: number) {}

  /** Log lines dropped because they could not be written (full disk, closed pipe…) since start. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** pino's DestinationStream: one call per line. */
  write(line: string): boolean {
    if (this.pendingBytes + line.length > MAX_PENDING_BYTES) {
      this.drop(1, 'the output is not keeping up');
      return true;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.writing) this.writeNext();
    return true;
  }

  /**
   * Writes what is pending before the process exits (pino calls it after a fatal line; the
   * process's exit hook too). One attempt: what does not go through is dropped.
   */
  flushSync(): void {
    if (this.pending.length === 0) return;
    const { text, lines } = this.take();
    try {
      writeSync(this.fd, text);
    } catch {
      this.dropped += lines;
    }
  }

  private take(): { text: string; lines: number } {
    const lines = this.pending.length;
    let text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.unreported > 0) text = droppedNotice(this.unreported, this.lastError) + text;
    if (this.brokenLine) text = `\n${text}`;
    return { text, lines };
  }

  private writeNext(): void {
    if (this.pending.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const reported = this.unreported;
    const { text, lines } = this.take();
    this.writeChunk(Buffer.from(text), lines, reported, false);
  }

  private writeChunk(chunk: Buffer, lines: number, reported: number, started: boolean): void {
    write(this.fd, chunk, 0, chunk.length, null, (err, written) => {
      if (err) {
        if (err.code === 'EAGAIN') {
          setTimeout(() => this.writeChunk(chunk, lines, reported, started), RETRY_MS).unref();
          return;
        }
        if (started) this.brokenLine = true;
        this.drop(lines, err.code ?? err.message);
        this.writeNext();
        return;
      }
      // Some bytes went out: a newline owed by an earlier broken write (the chunk's first byte) is paid.
      if (written > 0) this.brokenLine = false;
      if (written < chunk.length) {
        this.writeChunk(chunk.subarray(written), lines, reported, started || written > 0);
        return;
      }
      this.unreported -= reported;
      this.writeNext();
    });
  }

  private drop(lines: number, why: string): void {
    this.dropped += lines;
    this.unreported += lines;
    this.lastError = why;
  }
}

/** A pino-shaped warning line, so log readers parse it like any other. */
function droppedNotice(lines: number, why: string | undefined): string {
  return `${JSON.stringify({ level: 40, time: new Date().toISOString(), service: 'modelyard', dropped_log_lines: lines, reason: why, msg: `${lines} log line(s) could not be written and were dropped` })}\n`;
}

/** The process's stdout as a LogOutput, flushed once (never retried) as the process exits. */
export function stdoutLogOutput(): LogOutput {
  const output = new LogOutput(1);
  process.once('exit', () => output.flushSync());
  return output;
}
