import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { TemporarilyUnavailableError } from '../../errors.js';
import { FrameReader } from './frame-codec.js';
import type { Frame } from './frame-codec.js';

/** What a worker says once its model is loaded. */
export interface WorkerReady {
  pid: number;
  /** Which loader took the model: `mlflow.pyfunc 2.x`, `built-in sklearn (pickle)`, `<module>._load_pyfunc`. */
  loader: string;
  /** Python version and interpreter path as the worker reports them. */
  python: string;
  executable: string;
  /** Class labels in `predict_proba` column order, for a classifier. */
  classes: Array<string | number> | null;
}

export interface PythonWorkerStart {
  python: string;
  scriptPath: string;
  modelDir: string;
  /** The MLmodel's flavors and mlflow_version, as JSON (the worker reads no YAML). */
  mlmodelJson: string;
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  /** Each line the worker writes to stderr (warnings, a model's prints). */
  onStderr?: ((line: string) => void) | undefined;
}

/** A worker died or hung with requests in flight: 503, the client may retry (the pool replaces it). */
export class PythonWorkerLostError extends TemporarilyUnavailableError {
  /**
   * What happened to the worker (`pid 123 exited (signal SIGKILL)`, `pid 123 did not answer within 60 s`)
   * and its last output, without the advice to retry: for the pool's message when retrying is over.
   * Unset when no worker died (the model was being unloaded).
   */
  readonly fate: string | undefined;
  constructor(message: string, fate?: string) {
    super(message);
    this.fate = fate;
  }
}

/** The model could not be loaded in Python: the message names what is missing. */
export class PythonModelLoadError extends Error {}

const STDERR_TAIL = 2000;

/**
 * One Python process holding one loaded model, answering one request at a time over its
 * stdin/stdout. Exits are reported once through `onExit`; a request in flight when it happens
 * (or when it runs past its timeout, which kills the process) fails with PythonWorkerLostError.
 */
export class PythonWorker {
  readonly info: WorkerReady;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private inFlight: { id: number; resolve: (f: Frame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private exitListeners: Array<(reason: string) => void> = [];
  private exited: string | undefined;
  private stderrTail = '';
  private killedFor: string | undefined;
  /** Why it is being killed, shortly: `did not answer within 60 s`. */
  private killedWhy: string | undefined;
  private stopping = false;

  private constructor(child: ChildProcessByStdio<Writable, Readable, Readable>, info: WorkerReady, tail: string) {
    this.child = child;
    this.info = info;
    this.stderrTail = tail;
  }

  /** Spawns the worker and resolves once its model is loaded; rejects with PythonModelLoadError saying why it is not. */
  static start(opts: PythonWorkerStart): Promise<PythonWorker> {
    return new Promise((resolve, reject) => {
      let child: ChildProcessByStdio<Writable, Readable, Readable>;
      try {
        child = spawn(opts.python, [opts.scriptPath, opts.modelDir, opts.mlmodelJson], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env });
      } catch (e) {
        reject(new PythonModelLoadError(`cannot start ${opts.python}: ${(e as Error).message}`));
        return;
      }
      const reader = new FrameReader();
      let tail = '';
      let worker: PythonWorker | undefined;
      let partial = '';
      child.stderr.on('data', (d: Buffer) => {
        const text = d.toString('utf8');
        tail = (tail + text).slice(-STDERR_TAIL);
        if (worker) worker.stderrTail = tail;
        if (opts.onStderr) {
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') opts.onStderr(line);
        }
      });
      // A worker whose pipe breaks (it died) must not crash this process with EPIPE.
      child.stdin.on('error', () => undefined);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new PythonModelLoadError(`the Python worker (${opts.python}) did not load the model within ${opts.startTimeoutMs / 1000} s${lastWords(tail)}`));
      }, opts.startTimeoutMs);
      timer.unref();
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        reject(new PythonModelLoadError(`the Python worker (${opts.python}) exited (${code !== null ? `code ${code}` : `signal ${signal}`}) before loading the model${lastWords(tail)}`));
      };
      child.once('exit', onEarlyExit);
      child.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        reject(new PythonModelLoadError(e.code === 'ENOENT' ? `no Python interpreter at '${opts.python}': pass --python with the path of one (python3), or put python3 on PATH` : `cannot start ${opts.python}: ${e.message}`));
      });
      child.stdout.on('data', (d: Buffer) => {
        const frames = reader.push(d);
        if (worker) {
          for (const f of frames) worker.answer(f);
          return;
        }
        const first = frames.shift();
        if (!first) return;
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        if (first.header.ready !== true) {
          child.kill('SIGKILL');
          reject(new PythonModelLoadError(String(first.header.error ?? 'the Python worker could not load the model')));
          return;
        }
        const h = first.header;
        worker = new PythonWorker(
          child,
          { pid: Number(h.pid), loader: String(h.loader), python: String(h.python), executable: String(h.executable), classes: (h.classes as WorkerReady['classes']) ?? null },
          tail,
        );
        const w = worker;
        child.once('exit', (code, signal) => w.onProcessExit(code, signal));
        resolve(w);
      });
    });
  }

  get pid(): number {
    return this.info.pid;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Sends one request frame; resolves with the reply frame. Only one request may be in flight. */
  request(id: number, frame: Buffer, timeoutMs: number): Promise<Frame> {
    // No fate: the worker was gone before this request reached it, so the request did not kill it.
    if (this.exited !== undefined) return Promise.reject(new PythonWorkerLostError(this.exited));
    if (this.inFlight) return Promise.reject(new Error(`python worker ${this.pid} is busy (request ${this.inFlight.id} in flight)`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.killedFor = `the Python worker (pid ${this.pid}) did not answer within ${timeoutMs / 1000} s; it was stopped and is being replaced`;
        this.killedWhy = `did not answer within ${timeoutMs / 1000} s`;
        this.child.kill('SIGKILL');
      }, timeoutMs);
      this.inFlight = { id, resolve, reject, timer };
      this.child.stdin.write(frame);
    });
  }

  onExit(listener: (reason: string) => void): void {
    if (this.exited !== undefined) listener(this.exited);
    else this.exitListeners.push(listener);
  }

  /** Asks the worker to finish (stdin closes); kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited !== undefined) return;
    const done = new Promise<void>((r) => this.onExit(() => r()));
    this.killedFor ??= `the Python worker (pid ${this.pid}) was stopped`;
    this.stopping = true;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    timer.unref();
    await done;
    clearTimeout(timer);
  }

  private answer(f: Frame): void {
    const pending = this.inFlight;
    if (!pending || f.header.id !== pending.id) return;
    clearTimeout(pending.timer);
    this.inFlight = undefined;
    pending.resolve(f);
  }

  private onProcessExit(code: number | null, signal: NodeJS.Signals | null): void {
    const how = code !== null ? `code ${code}` : `signal ${signal}`;
    this.exited = this.killedFor ?? `the Python worker (pid ${this.pid}) exited (${how}) while serving the model; it is being replaced, retry the request${lastWords(this.stderrTail)}`;
    const fate = `pid ${this.pid} ${this.killedWhy ?? `exited (${how})`}${lastWords(this.stderrTail)}`;
    const pending = this.inFlight;
    this.inFlight = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      // A worker stopped on purpose (the model unloaded) did not die of its request.
      pending.reject(new PythonWorkerLostError(this.exited, this.stopping ? undefined : fate));
    }
    for (const l of this.exitListeners.splice(0)) l(this.exited);
  }
}

function lastWords(tail: string): string {
  const text = tail.trim();
  return text ? `. Its last output: ${text.slice(-600)}` : '';
}
