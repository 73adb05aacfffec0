import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../../errors.js';
import type { AttemptStore } from '../../stores/jobs/attempt-store.js';

/** Bytes one append may carry: a worker ships a busy task's output as many of these. */
export const MAX_ATTEMPT_LOG_CHUNK_BYTES = 256 * 1024;
/**
 * How long after an attempt ended its worker may still append. A cancelled attempt is recorded as
 * ended as soon as the server cancels its queue job, while the worker is still stopping the
 * process and sending what it printed last.
 */
const LATE_APPEND_MS = 5 * 60_000;
/** The executor name of queue attempts (worker/pg-queue/pg-queue-executor.ts): the only ones written from outside. */
const QUEUE_EXECUTOR = 'pg-queue';

export interface AttemptLogAppend {
  jobRunId: number;
  taskKey: string;
  attemptNumber: number;
  stream: 'stdout' | 'stderr';
  /** Where `data` starts in the whole log: what makes a retried append harmless. */
  offset: number;
  data: Buffer;
}

/**
 * Takes the logs a queue worker on another machine ships over HTTP (POST
 * /api/v1/jobs/runs/attempt-logs) and writes them to the attempt's own log files under the
 * server's data folder, the paths the runner recorded when it created the attempt: every reader
 * (`jobs logs`, runs/get-output, the Application Insights export) then reads them as it reads a
 * local attempt's. Paths never come from the request. Appends are idempotent by offset: bytes the
 * file already holds are skipped, so a chunk re-sent after a lost answer is not written twice; a
 * gap is refused with the offset to resume from.
 */
export class AttemptLogReceiver {
  /** One append at a time per file: the size read and the write must not interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly attempts: AttemptStore,
    private readonly now: () => number = Date.now,
  ) {}

  async append(a: AttemptLogAppend): Promise<{ nextOffset: number }> {
    if (!Number.isSafeInteger(a.offset) || a.offset < 0) throw new InvalidParameterError(`offset must be a non-negative integer, got ${a.offset}`);
    if (a.data.length > MAX_ATTEMPT_LOG_CHUNK_BYTES) {
      throw new InvalidParameterError(`data holds ${a.data.length} bytes; send at most ${MAX_ATTEMPT_LOG_CHUNK_BYTES} per request, in order, each at the offset the previous one answered`);
    }
    const attempt = (await this.attempts.list(a.jobRunId, a.taskKey)).find((x) => x.attemptNumber === a.attemptNumber);
    if (!attempt) throw new NotFoundError(`job run ${a.jobRunId} has no attempt ${a.attemptNumber} of task '${a.taskKey}'`);
    if (attempt.executor !== QUEUE_EXECUTOR) {
      throw new InvalidParameterError(`attempt ${a.attemptNumber} of task '${a.taskKey}' runs on the server (executor '${attempt.executor}'), which writes its logs itself; only queue workers' attempts take logs over HTTP`);
    }
    if (attempt.endTime !== null && this.now() - attempt.endTime > LATE_APPEND_MS) {
      throw new InvalidParameterError(`attempt ${a.attemptNumber} of task '${a.taskKey}' ended more than ${LATE_APPEND_MS / 60_000} minutes ago; its logs are closed`);
    }
    const path = a.stream === 'stdout' ? attempt.stdoutPath : attempt.stderrPath;
    if (!path) throw new InvalidParameterError(`attempt ${a.attemptNumber} of task '${a.taskKey}' has no ${a.stream} log`);
    return this.serialised(path, () => this.write(path, a.offset, a.data));
  }

  private async write(path: string, offset: number, data: Buffer): Promise<{ nextOffset: number }> {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, 'a');
    try {
      const size = (await fh.stat()).size;
      if (offset > size) throw new InvalidParameterError(`offset ${offset} leaves a gap: the server holds ${size} bytes of this log; resend from offset ${size}`);
      const fresh = data.subarray(Math.min(data.length, size - offset));
      if (fresh.length > 0) await fh.write(fresh);
      return { nextOffset: size + fresh.length };
    } finally {
      await fh.close();
    }
  }

  private serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}
