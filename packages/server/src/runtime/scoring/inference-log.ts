import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One scored request, as a later drift job reads it back. */
export interface InferenceRecord {
  timestamp: string;
  endpoint: string;
  servedModel: string;
  modelName?: string;
  modelVersion?: string;
  latencyMs: number;
  status: number;
  /** The input in columns (`{column: [values]}`), after parsing. */
  inputs?: Record<string, unknown[]>;
  predictions?: unknown[];
  errorCode?: string;
}

/**
 * Appends inference records as JSON lines (snake_case, one object per line). Writes go through
 * one append stream, so lines from concurrent requests never interleave; a failure to write is
 * reported once to `onError` and never fails the scoring request.
 */
export class JsonlInferenceLog {
  private readonly stream: WriteStream;
  private failed = false;

  constructor(
    readonly path: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (err) => {
      if (!this.failed) this.onError(err);
      this.failed = true;
    });
  }

  append(r: InferenceRecord): void {
    if (this.failed) return;
    const line = {
      timestamp: r.timestamp,
      endpoint: r.endpoint,
      served_model: r.servedModel,
      ...(r.modelName !== undefined ? { model_name: r.modelName } : {}),
      ...(r.modelVersion !== undefined ? { model_version: r.modelVersion } : {}),
      latency_ms: r.latencyMs,
      status: r.status,
      ...(r.inputs ? { request: r.inputs } : {}),
      ...(r.predictions ? { response: r.predictions } : {}),
      ...(r.errorCode ? { error_code: r.errorCode } : {}),
    };
    // NaN and ±Infinity come out as null (JSON.stringify's own rule, as pandas' to_json writes them).
    this.stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
