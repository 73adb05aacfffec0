import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ColumnarPrediction } from './prediction-columns.js';

/** The states of a shared call, in the first word of the shared memory. */
const SHARE_STATE = { request: 1, answered: 2, failed: 3, stop: 4 } as const;
/** The typed arrays a shared answer can hold, numbered by their position here. */
const SHARED_KINDS = [Float32Array, Float64Array, BigInt64Array, Int32Array, Uint8Array] as const;
/** Longest a shared call waits: far above any batch's inference, finite so a dead worker is an error, not a hang. */
const ANSWER_TIMEOUT_MS = 300_000;

/*
 * The worker's code, plain CommonJS evaluated as is (no build step or loader in the worker, so it
 * runs the same from sources, from dist and under the test runner). It opens the graph, checks
 * it takes Modelyard's one float input, and answers each matrix with the graph's outputs as
 * typed arrays, read the way the SDK reads them: `label` + `probabilities` for classifiers, else
 * `variable`, `label` or the first output. Answers go back as messages, or, once a `share`
 * message has switched it over, through shared memory (see `SharedInference`).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const S = ${JSON.stringify(SHARE_STATE)};
const KINDS = ${JSON.stringify(SHARED_KINDS.map((k) => k.name))};
let session;
let input;
async function run(data, rows, width) {
  const out = await session.run({ [input]: new ort.Tensor('float32', data, [rows, width]) });
  if (out.probabilities && out.label) {
    const probs = out.probabilities.data instanceof Float32Array ? out.probabilities.data : Float32Array.from(out.probabilities.data);
    return { values: out.label.data, width: 1, probabilities: probs, classes: Number(out.probabilities.dims[1] ?? 1) };
  }
  const first = out.variable ?? out.label ?? out[session.outputNames[0]];
  return { values: first.data, width: first.dims.slice(1).reduce((a, b) => a * Number(b), 1) };
}
async function handle(m) {
  if (m.type === 'open') {
    session = await ort.InferenceSession.create(workerData.modelPath, { intraOpNumThreads: workerData.threads });
    input = session.inputNames.length === 1 && !workerData.inputNames.includes(session.inputNames[0]) ? session.inputNames[0] : undefined;
    return { supported: input !== undefined };
  }
  if (m.type === 'share') return share(m);
  return run(m.data, m.rows, m.width);
}
// Sleeps on the header's first word (not on the event loop) until asked to score or to stop.
async function share({ shared, maxRows, width, answerAt }) {
  const header = new Int32Array(shared, 0, 8);
  const matrix = new Float32Array(shared, 32, maxRows * width);
  const room = shared.byteLength - answerAt;
  for (;;) {
    let state;
    while ((state = Atomics.load(header, 0)) !== S.request && state !== S.stop) Atomics.wait(header, 0, state);
    if (state === S.stop) return {};
    const rows = header[1];
    let error;
    try {
      const result = await run(matrix.slice(0, rows * width), rows, width);
      const values = result.values;
      const probs = result.probabilities;
      const at = Math.ceil(values.byteLength / 8) * 8;
      const size = at + (probs ? probs.byteLength : 0);
      if (!KINDS.includes(values.constructor.name)) error = 'the graph answers ' + (Array.isArray(values) ? 'text' : values.constructor.name) + ', which shared calls do not carry';
      else if (size > room) error = 'the answer (' + size + ' bytes) is larger than the model signature promised (' + room + '): the graph answers more values per row than its signature says';
      else {
        new Uint8Array(shared, answerAt, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        if (probs) new Uint8Array(shared, answerAt + at, probs.byteLength).set(new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
        header.set([rows, KINDS.indexOf(values.constructor.name), values.length, result.width, probs ? result.classes : 0, probs ? probs.length : 0], 1);
      }
    } catch (e) {
      error = 'ONNX Runtime: ' + (e && e.message ? e.message : String(e));
    }
    if (error !== undefined) {
      const text = new TextEncoder().encode(error).subarray(0, room);
      new Uint8Array(shared, answerAt, text.length).set(text);
      header[7] = text.length;
    }
    Atomics.store(header, 0, error === undefined ? S.answered : S.failed);
    Atomics.notify(header, 0);
  }
}
parentPort.on('message', (m) => {
  handle(m).then(
    (result) => {
      const transfer = [];
      for (const v of [result.values, result.probabilities]) if (v && ArrayBuffer.isView(v) && !transfer.includes(v.buffer)) transfer.push(v.buffer);
      parentPort.postMessage({ id: m.id, result }, transfer);
    },
    (e) => parentPort.postMessage({ id: m.id, error: e && e.message ? e.message : String(e) }),
  );
});
`;

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * ONNX Runtime on a worker thread, for batch scoring. onnxruntime-node runs a session on the
 * thread that calls `run` (its promise only defers the call), so on the main thread inference
 * and the rest of a batch (DuckDB appends, packing the next matrix) take turns; here they
 * overlap. The worker opens its own session of the model the runtime loaded, with the runtime's
 * intra-op threads: the same inference the runtime would do, off the main thread.
 */
export class InferenceWorker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private sharing: SharedInference | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly width: number,
  ) {
    worker.on('message', (m: Reply) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) waiter?.reject(new Error(`ONNX Runtime: ${m.error}`));
      else waiter?.resolve(m.result);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.pending.values()) w.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inference worker exited (code ${code})`)));
  }

  /**
   * Opens `modelPath` on a worker; undefined when the graph does not take every input as one
   * float tensor (the caller then scores through the runtime). `inputNames` are the signature's
   * (all numeric), in the matrix's column order.
   */
  static async open(modelPath: string, inputNames: readonly string[], threads: number): Promise<InferenceWorker | undefined> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, modelPath, threads, inputNames: [...inputNames] } });
    const inference = new InferenceWorker(worker, inputNames.length);
    try {
      const { supported } = (await inference.call({ type: 'open' })) as { supported: boolean };
      if (supported) return inference;
    } catch (e) {
      await inference.close();
      throw e;
    }
    await inference.close();
    return undefined;
  }

  /** Scores `rows` rows packed as float32 [rows, inputs]; `data` is handed over (transferred) to the worker. */
  predict(data: Float32Array, rows: number): Promise<ColumnarPrediction> {
    // A buffer handed over before is empty here, and Node drops a message that transfers it again: no answer would ever come.
    if (data.length !== rows * this.width) {
      return Promise.reject(new Error(`a batch of ${rows} rows needs ${rows * this.width} values, got ${data.length}${data.buffer.byteLength === 0 ? ' (its buffer was handed to an earlier call)' : ''}`));
    }
    return this.call({ type: 'run', data, rows, width: this.width }, [data.buffer as ArrayBuffer]) as Promise<ColumnarPrediction>;
  }

  /**
   * Switches the worker to calls through shared memory, for a caller that must have each answer
   * before it returns (a DuckDB scalar function) and so cannot read a message: see
   * `SharedInference`. Message calls (`predict`) wait until it stops.
   */
  share(maxRows: number, answerBytesPerRow: number): SharedInference {
    const answerAt = 32 + Math.ceil((maxRows * this.width * 4) / 8) * 8;
    // Beyond the answer, room for its alignment or for an error message.
    const shared = new SharedArrayBuffer(answerAt + maxRows * answerBytesPerRow + 1024);
    const served = this.call({ type: 'share', shared, maxRows, width: this.width, answerAt });
    // Surfaced by `stop`; never an unhandled rejection meanwhile.
    served.catch(() => undefined);
    this.sharing = new SharedInference(shared, maxRows, this.width, answerAt, served);
    return this.sharing;
  }

  async close(): Promise<void> {
    // A worker asleep on shared memory is woken first: terminating it there is not reliable.
    await this.sharing?.stop().catch(() => undefined);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}

/**
 * Calls to the inference worker through memory shared with it, answered while the caller
 * blocks: the caller fills `matrix` and calls `run`; the worker, asleep on the shared memory's
 * first word rather than on its event loop, wakes, scores, writes the answer beside the rows
 * and wakes the caller. No message is built, copied or dispatched on either side: measured, that
 * was most of what a call of 2,048 rows cost beyond the inference itself.
 *
 * Layout: a header of eight int32 (state, rows, answer kind, value count, width, classes,
 * probability count, error length), the rows as float32 [maxRows, width], then the answer.
 */
export class SharedInference {
  /** Room for `maxRows` rows of model inputs: the rows `run` scores are its first ones. */
  readonly matrix: Float32Array;
  private readonly header: Int32Array;

  constructor(
    private readonly shared: SharedArrayBuffer,
    readonly maxRows: number,
    width: number,
    private readonly answerAt: number,
    private readonly served: Promise<unknown>,
  ) {
    this.header = new Int32Array(shared, 0, 8);
    this.matrix = new Float32Array(shared, 32, maxRows * width);
  }

  /** Scores the first `rows` rows of `matrix`. The answer's arrays are views valid until the next call. */
  run(rows: number): ColumnarPrediction {
    if (rows > this.maxRows) throw new Error(`a shared call takes at most ${this.maxRows} rows, got ${rows}`);
    const h = this.header;
    h[1] = rows;
    Atomics.store(h, 0, SHARE_STATE.request);
    Atomics.notify(h, 0);
    // No event can be handled while this thread waits: a worker that died never answers.
    while (Atomics.load(h, 0) === SHARE_STATE.request) {
      if (Atomics.wait(h, 0, SHARE_STATE.request, ANSWER_TIMEOUT_MS) === 'timed-out') {
        throw new Error(`the inference worker did not answer a batch of ${rows} rows within ${ANSWER_TIMEOUT_MS / 1000} s`);
      }
    }
    const buffer = this.shared as unknown as ArrayBuffer;
    if (Atomics.load(h, 0) === SHARE_STATE.failed) throw new Error(new TextDecoder().decode(new Uint8Array(buffer, this.answerAt, h[7]).slice()));
    const values = new SHARED_KINDS[h[2]!]!(buffer, this.answerAt, h[3]!);
    const at = this.answerAt + Math.ceil(values.byteLength / 8) * 8;
    return { values, width: h[4]!, ...(h[6] ? { probabilities: new Float32Array(buffer, at, h[6]), classes: h[5]! } : {}) };
  }

  /** Returns the worker to message calls (again and again: later calls do nothing). */
  async stop(): Promise<void> {
    Atomics.store(this.header, 0, SHARE_STATE.stop);
    Atomics.notify(this.header, 0);
    await this.served;
  }
}
