import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ColumnarPrediction } from './prediction-columns.js';

/*
 * The worker's code, plain CommonJS evaluated as is (no build step or loader in the worker, so it
 * runs the same from sources, from dist and under the test runner). It opens the graph, checks
 * it takes Modelyard's one float input, and answers each matrix with the graph's outputs as
 * typed arrays, read the way the SDK reads them: `label` + `probabilities` for classifiers, else
 * `variable`, `label` or the first output.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
let input;
async function handle(m) {
  if (m.type === 'open') {
    session = await ort.InferenceSession.create(workerData.modelPath, { intraOpNumThreads: workerData.threads });
    input = session.inputNames.length === 1 && !workerData.inputNames.includes(session.inputNames[0]) ? session.inputNames[0] : undefined;
    return { supported: input !== undefined };
  }
  const out = await session.run({ [input]: new ort.Tensor('float32', m.data, [m.rows, m.width]) });
  if (out.probabilities && out.label) {
    const probs = out.probabilities.data instanceof Float32Array ? out.probabilities.data : Float32Array.from(out.probabilities.data);
    return { values: out.label.data, width: 1, probabilities: probs, classes: Number(out.probabilities.dims[1] ?? 1) };
  }
  const first = out.variable ?? out.label ?? out[session.outputNames[0]];
  return { values: first.data, width: first.dims.slice(1).reduce((a, b) => a * Number(b), 1) };
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
    return this.call({ type: 'run', data, rows, width: this.width }, [data.buffer as ArrayBuffer]) as Promise<ColumnarPrediction>;
  }

  async close(): Promise<void> {
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
