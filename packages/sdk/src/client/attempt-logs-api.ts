import type { Transport } from '../transport.js';

export interface AttemptLogChunk {
  jobRunId: number;
  taskKey: string;
  attemptNumber: number;
  stream: 'stdout' | 'stderr';
  /** Where `data` starts in the whole log. */
  offset: number;
  data: Uint8Array;
}

/**
 * Modelyard's `POST /api/v1/jobs/runs/attempt-logs`: how a `modelyard worker` on another machine
 * hands a task attempt's output to the server. Idempotent by offset, so the transport's retries
 * never write a chunk twice.
 */
export class AttemptLogsApi {
  constructor(private readonly t: Transport) {}

  /** Returns the offset the server's copy now ends at. */
  async append(c: AttemptLogChunk): Promise<{ nextOffset: number }> {
    const r = await this.t.post<{ next_offset: number }>('/api/v1/jobs/runs/attempt-logs', {
      run_id: c.jobRunId,
      task_key: c.taskKey,
      attempt_number: c.attemptNumber,
      stream: c.stream,
      offset: c.offset,
      data: Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength).toString('base64'),
    });
    return { nextOffset: Number(r.next_offset) };
  }
}
