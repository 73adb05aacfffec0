import type { Prediction } from '@modelyard/sdk';
import { BadRequestError } from '../../errors.js';
import { decodePrediction, encodePredictRequest } from './frame-codec.js';
import type { WireColumn } from './frame-codec.js';
import { PythonWorkerLostError } from './python-worker.js';
import type { PythonWorker } from './python-worker.js';

/** The model raised while predicting: MLflow's scoring server answers that as a 400 naming the exception. */
export class ModelPredictError extends BadRequestError {}

/**
 * A batch killed a worker each time it ran, retries included: most likely one of its rows
 * crashes the model's native code (a segfault, memory exhaustion). `firstRow` and `rows` say
 * which rows of the call those were (0-based), so batch scoring can name them in its input.
 */
export class PythonBatchKilledWorkersError extends ModelPredictError {
  constructor(
    /** Names the rows: `rows 1–2048 of this call`, or batch scoring's `input rows 4097–6144`. */
    rowsText: string,
    readonly firstRow: number,
    readonly rows: number,
    readonly losses: number,
    /** How the last worker died, its last output included. */
    readonly fate: string,
  ) {
    super(
      `${rowsText} killed the Python worker running them ${losses} times (the last: ${fate}); they were not run again. ` +
        `One of these rows most likely crashes the model's code in Python (a crash or memory exhaustion in a native library): score a few of them at a time to find it, or remove them`,
    );
  }
}

export interface PoolJob {
  rows: number;
  columns: readonly WireColumn[];
  params?: Record<string, unknown> | undefined;
  probabilities?: boolean | undefined;
  /** May be merged with other requests waiting for a worker (single requests of a server). */
  mergeable: boolean;
}

interface Queued extends PoolJob {
  key: string;
  /** A batch (not a server's request): rerun on another worker when its worker dies under it. */
  retry: boolean;
  /** Workers that died running it so far. */
  losses: number;
  /** Its first row in the caller's call (a piece of a split batch starts past 0). */
  offset: number;
  resolve(p: Prediction): void;
  reject(e: unknown): void;
}

export interface PythonWorkerPoolOptions {
  size: number;
  /** Starts one worker with the model loaded. */
  start: () => Promise<PythonWorker>;
  requestTimeoutMs: number;
  /** Most rows one merged call carries. */
  maxBatchRows: number;
  /** A batch of at least twice this many rows is split across the pool's workers. */
  splitRows: number;
  /**
   * How many times a batch (a non-mergeable call: batch scoring, evaluate) is rerun after its
   * worker died under it; one more death fails it, naming its rows. Default 2.
   */
  batchRetries?: number | undefined;
  /** Told when a worker dies or cannot be replaced (for the log). */
  onEvent?: ((message: string, err?: unknown) => void) | undefined;
}

/**
 * A pool of Python workers for one model. Requests go to an idle worker at once; when every
 * worker is busy they wait, and the waiting single requests are merged into one call when a
 * worker frees up: at low load a request runs alone, under load the pool batches by itself
 * (a 100-tree forest scores 20 rows in about the time of one). A large batch is split across
 * the workers. A worker that exits or hangs fails only its own in-flight call (503) and is
 * replaced; the others keep answering. A server's request then fails (its client retries, and
 * may have given up by the time a retry here would answer), but a batch reruns on another
 * worker: a batch scoring job of an hour must not fail because one worker was OOM-killed. A
 * batch that kills its worker every time is a poison batch and fails after `batchRetries` reruns.
 */
export class PythonWorkerPool {
  private readonly all = new Set<PythonWorker>();
  private readonly idle: PythonWorker[] = [];
  private queue: Queued[] = [];
  private nextId = 0;
  private merging = true;
  private closing = false;
  private restartDelayMs = 500;
  private lastStartError: string | undefined;
  /** Replacement workers being started, and the timer of the next try: close() ends both. */
  private readonly starting = new Set<Promise<unknown>>();
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: PythonWorkerPoolOptions) {}

  /** Starts every worker; resolves once all have loaded the model (so a swap to it never waits for Python). */
  static async open(opts: PythonWorkerPoolOptions): Promise<PythonWorkerPool> {
    const pool = new PythonWorkerPool(opts);
    const started = await Promise.allSettled(Array.from({ length: Math.max(1, opts.size) }, () => opts.start()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed) {
      await Promise.all(workers.map((w) => w.stop()));
      throw failed.reason;
    }
    for (const w of workers) pool.adopt(w);
    return pool;
  }

  /** The first worker's description (loader, Python version, classes): all load the same model. */
  get info(): PythonWorker['info'] {
    return [...this.all][0]!.info;
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return [...this.all].map((w) => w.pid);
  }

  get size(): number {
    return this.all.size;
  }

  predict(job: PoolJob): Promise<Prediction> {
    if (this.closing) return Promise.reject(new PythonWorkerLostError('the model is being unloaded; retry the request'));
    const parts = !job.mergeable && this.opts.size > 1 && job.rows >= 2 * this.opts.splitRows ? Math.min(this.opts.size, Math.floor(job.rows / this.opts.splitRows)) : 1;
    if (parts > 1) return this.predictSplit(job, parts);
    return new Promise((resolve, reject) => {
      this.queue.push({ ...job, key: keyOf(job), retry: !job.mergeable, losses: 0, offset: 0, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    for (const q of this.queue.splice(0)) q.reject(new PythonWorkerLostError('the model was unloaded before this request ran; retry it'));
    // A replacement still loading stops itself once started (replace() sees `closing`): waited
    // for, so no Python process outlives an unloaded model.
    await Promise.all([...this.starting]);
    await Promise.all([...this.all].map((w) => w.stop()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async predictSplit(job: PoolJob, parts: number): Promise<Prediction> {
    const size = Math.ceil(job.rows / parts);
    const pieces: Array<Promise<Prediction>> = [];
    for (let start = 0; start < job.rows; start += size) {
      const end = Math.min(job.rows, start + size);
      const columns = job.columns.map((c) => ({ ...c, values: c.values.slice(start, end) }));
      pieces.push(new Promise((resolve, reject) => {
        this.queue.push({ ...job, rows: end - start, columns, key: '', mergeable: false, retry: true, losses: 0, offset: start, resolve, reject });
      }));
    }
    this.pump();
    const answers = await Promise.all(pieces);
    const predictions = answers.flatMap((a) => a.predictions);
    const probabilities = answers.every((a) => a.probabilities) ? answers.flatMap((a) => a.probabilities!) : undefined;
    return { predictions, ...(probabilities ? { probabilities } : {}) };
  }

  private adopt(worker: PythonWorker): void {
    this.all.add(worker);
    this.idle.push(worker);
    worker.onExit((reason) => {
      this.all.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.closing) return;
      this.opts.onEvent?.(reason);
      this.replace();
    });
  }

  private replace(): void {
    this.restartTimer = undefined;
    if (this.closing) return;
    const started = this.opts
      .start()
      .then(
        (w) => {
          this.restartDelayMs = 500;
          this.lastStartError = undefined;
          // Started after close() began: stopped here, and close() waits for it.
          if (this.closing) return w.stop();
          this.adopt(w);
          this.pump();
          return undefined;
        },
        (err: unknown) => {
          this.lastStartError = err instanceof Error ? err.message : String(err);
          this.opts.onEvent?.('a Python worker could not be restarted', err);
          // With no worker left, waiting requests would wait for a restart that may never work.
          if (this.all.size === 0) {
            for (const q of this.queue.splice(0)) q.reject(new PythonWorkerLostError(`no Python worker is running for this model (restarting failed: ${this.lastStartError}); retry later`));
          }
          const delay = this.restartDelayMs;
          this.restartDelayMs = Math.min(30_000, delay * 2);
          if (!this.closing) {
            this.restartTimer = setTimeout(() => this.replace(), delay);
            this.restartTimer.unref();
          }
        },
      );
    this.starting.add(started);
    void started.finally(() => this.starting.delete(started));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.pop()!;
      void this.run(worker, this.takeBatch());
    }
  }

  private takeBatch(): Queued[] {
    const first = this.queue.shift()!;
    if (!first.mergeable || !this.merging) return [first];
    const batch = [first];
    let rows = first.rows;
    const rest: Queued[] = [];
    for (const q of this.queue) {
      if (q.mergeable && q.key === first.key && rows + q.rows <= this.opts.maxBatchRows) {
        batch.push(q);
        rows += q.rows;
      } else rest.push(q);
    }
    this.queue = rest;
    return batch;
  }

  private async run(worker: PythonWorker, batch: Queued[]): Promise<void> {
    const id = ++this.nextId;
    const rows = batch.reduce((s, q) => s + q.rows, 0);
    const first = batch[0]!;
    const columns = batch.length === 1 ? first.columns : first.columns.map((c, j) => ({ ...c, values: batch.flatMap((q) => q.columns[j]!.values) }));
    try {
      const reply = await worker.request(id, encodePredictRequest({ id, rows, columns, params: first.params, probabilities: first.probabilities }), this.opts.requestTimeoutMs);
      if (reply.header.ok !== true) {
        const message = `Encountered an unexpected error while evaluating the model. Verify that the input is compatible with the model for inference. Error: ${String(reply.header.error)}`;
        // One bad request must not fail the others it was merged with: each runs alone.
        if (batch.length > 1) this.requeueAlone(batch);
        else first.reject(new ModelPredictError(message));
        return;
      }
      const { prediction, rows: answered } = decodePrediction(reply);
      if (batch.length === 1) {
        first.resolve(prediction);
        return;
      }
      if (answered !== rows || (prediction.probabilities && prediction.probabilities.length !== rows)) {
        // The model does not answer one value per row: its requests cannot be merged.
        this.merging = false;
        this.requeueAlone(batch);
        return;
      }
      let at = 0;
      for (const q of batch) {
        const end = at + q.rows;
        q.resolve({ predictions: prediction.predictions.slice(at, end), ...(prediction.probabilities ? { probabilities: prediction.probabilities.slice(at, end) } : {}) });
        at = end;
      }
    } catch (err) {
      if (batch.length === 1 && first.retry && err instanceof PythonWorkerLostError && !this.closing) this.rerun(first, err);
      else for (const q of batch) q.reject(err);
    } finally {
      if (worker.alive && this.all.has(worker)) this.idle.push(worker);
      this.pump();
    }
  }

  /** Puts a batch whose worker died back at the head of the queue, unless it has killed workers too often. */
  private rerun(job: Queued, err: PythonWorkerLostError): void {
    // Without a fate the worker was gone before the batch reached it: that does not count.
    const losses = job.losses + (err.fate !== undefined ? 1 : 0);
    const retries = this.opts.batchRetries ?? 2;
    const rows = `rows ${job.offset + 1}–${job.offset + job.rows}`;
    if (losses > retries) {
      job.reject(new PythonBatchKilledWorkersError(`${rows} of this call`, job.offset, job.rows, losses, err.fate ?? err.message));
      return;
    }
    this.opts.onEvent?.(`${rows} of a batch are run again on another Python worker (${losses} of ${retries} reruns): ${err.fate ?? err.message}`);
    this.queue.unshift({ ...job, losses });
  }

  private requeueAlone(batch: Queued[]): void {
    this.queue.unshift(...batch.map((q) => ({ ...q, mergeable: false })));
  }
}

/** Requests merge only when the model gets the same columns, travelling the same way, with the same params. */
function keyOf(job: PoolJob): string {
  return `${job.columns.map((c) => `${c.name}\u0001${c.kind}`).join('\u0000')}|${job.probabilities ? 1 : 0}|${job.params ? JSON.stringify(job.params) : ''}`;
}
