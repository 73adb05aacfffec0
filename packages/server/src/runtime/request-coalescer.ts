import type { Columns, Prediction } from '@modelyard/sdk';

type PredictColumns = (columns: Columns, rows: number) => Promise<Prediction>;

interface Pending {
  columns: Columns;
  rows: number;
  resolve(p: Prediction): void;
  reject(e: unknown): void;
}

/**
 * Runs requests that arrive together as one ONNX run. A single-row run costs ~40 µs of fixed
 * onnxruntime overhead and only a few µs per row, so under concurrent load merging the requests
 * parsed in one event-loop turn (flushed on `setImmediate`) multiplies throughput; a lone request
 * waits one loop turn. Rows are independent for tabular models; a graph that is not (a fixed
 * batch size, outputs not one per row) makes the merged run fail or mis-sized, and then every
 * request runs alone and coalescing is switched off for that model.
 */
export class RequestCoalescer {
  private queue: Pending[] = [];
  private scheduled = false;
  private enabled = true;

  constructor(
    private readonly predict: PredictColumns,
    private readonly maxRows = 1024,
  ) {}

  run(columns: Columns, rows: number): Promise<Prediction> {
    if (!this.enabled || rows >= this.maxRows) return this.predict(columns, rows);
    return new Promise<Prediction>((resolve, reject) => {
      this.queue.push({ columns, rows, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    this.scheduled = false;
    const groups = new Map<string, Pending[]>();
    for (const p of queue) {
      const key = [...p.columns.keys()].sort().join('\u0000');
      const group = groups.get(key);
      if (group) group.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) {
      let batch: Pending[] = [];
      let rows = 0;
      for (const p of group) {
        if (rows + p.rows > this.maxRows && batch.length > 0) {
          void this.runBatch(batch);
          batch = [];
          rows = 0;
        }
        batch.push(p);
        rows += p.rows;
      }
      if (batch.length > 0) void this.runBatch(batch);
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      return this.predict(only.columns, only.rows).then(only.resolve, only.reject);
    }
    const total = batch.reduce((s, p) => s + p.rows, 0);
    const merged: Columns = new Map();
    for (const name of batch[0]!.columns.keys()) {
      const values = new Array<unknown>(total);
      let at = 0;
      for (const p of batch) {
        const col = p.columns.get(name)!;
        for (let i = 0; i < p.rows; i++) values[at++] = col[i];
      }
      merged.set(name, values);
    }
    let result: Prediction | undefined;
    try {
      result = await this.predict(merged, total);
    } catch {
      // Some request is bad (its own run names the problem), or the graph cannot batch.
    }
    if (!result || result.predictions.length !== total || (result.probabilities && result.probabilities.length !== total)) {
      const alone = await Promise.allSettled(batch.map((p) => this.predict(p.columns, p.rows)));
      if (result || alone.every((a) => a.status === 'fulfilled')) this.enabled = false;
      alone.forEach((a, i) => (a.status === 'fulfilled' ? batch[i]!.resolve(a.value) : batch[i]!.reject(a.reason)));
      return;
    }
    let at = 0;
    for (const p of batch) {
      const end = at + p.rows;
      p.resolve({
        predictions: result.predictions.slice(at, end),
        ...(result.probabilities ? { probabilities: result.probabilities.slice(at, end) } : {}),
      });
      at = end;
    }
  }
}
