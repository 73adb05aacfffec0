import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import type { TaskType } from '../../domain/pipelines/project-model.js';
import { isAppError } from '../../errors.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStarted, TaskExecutor } from '../../services/pipelines/task-executor.js';
import { attemptStepTracer } from './task-span.js';
import type { TraceStep } from './task-span.js';

/** What a task-type handler sees of its attempt. */
export interface TaskContext {
  request: AttemptRequest;
  /** Aborted when the attempt is canceled or times out; long steps check it between pieces of work. */
  signal: AbortSignal;
  /** The registry actor of this attempt's changes: `job-run:<id>`. */
  actor: string;
  /** A line in the attempt's stdout log (what `modelyard jobs logs` shows). */
  log(line: string): Promise<void>;
  /** Runs a piece of the task as a span under the attempt's span (untraced without a tracer). */
  step: TraceStep;
}

export interface TaskSuccess {
  /** One readable line kept as the attempt's message. */
  message: string;
  /** Kept on the task run (evaluation metrics, a gate decision) for downstream tasks and the UI. */
  result?: unknown;
}

export type TaskHandler = (ctx: TaskContext) => Promise<TaskSuccess>;

/**
 * A task that ran and decided to fail (a gate whose rules failed, a model that does not exist):
 * its message is the attempt's reason, and its result (the decision) is kept like a success's.
 */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly result?: unknown,
  ) {
    super(message);
  }
}

export const JOB_RUN_ACTOR_PREFIX = 'job-run:';

export function jobRunActor(jobRunId: number): string {
  return `${JOB_RUN_ACTOR_PREFIX}${jobRunId}`;
}

interface Running {
  controller: AbortController;
  stopState?: 'CANCELED' | 'TIMEDOUT';
  done: Promise<AttemptOutcome>;
  stop(state: 'CANCELED' | 'TIMEDOUT', message: string): void;
}

/**
 * Runs the registry, scoring and serving task types inside this process: they are a few service
 * calls or an ONNX scoring loop, so a child process (and a second store connection) would only add
 * startup time. Same contract as the process pool: `done` never rejects, cancel and timeout end the
 * attempt (the handler is told through its AbortSignal and its late result is ignored).
 */
export class InProcessTaskExecutor implements TaskExecutor {
  readonly name = 'in-process';
  private readonly running = new Set<Running>();
  private closed = false;

  constructor(
    private readonly handlers: Partial<Record<TaskType, TaskHandler>>,
    private readonly now: () => number = Date.now,
    private readonly tracer?: Tracer,
  ) {}

  get types(): TaskType[] {
    return Object.keys(this.handlers) as TaskType[];
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    const handler = this.handlers[request.task.type];
    const controller = new AbortController();
    const entry: Running = { controller, done: Promise.resolve(undefined as never), stop: () => {} };
    let settle!: (o: AttemptOutcome) => void;
    entry.done = new Promise<AttemptOutcome>((r) => (settle = r));
    let timer: NodeJS.Timeout | undefined;
    const end = (state: AttemptOutcome['state'], message: string, result?: unknown) => {
      if (timer) clearTimeout(timer);
      this.running.delete(entry);
      settle({ state, message, exitCode: null, signal: null, endTime: this.now(), ...(result !== undefined ? { result } : {}) });
    };
    if (!handler) {
      end('FAILED', `the in-process executor has no handler for task type '${request.task.type}'`);
      return { done: entry.done, cancel: () => {} };
    }
    if (this.closed) {
      end('CANCELED', 'the executor is shutting down');
      return { done: entry.done, cancel: () => {} };
    }
    this.running.add(entry);
    const stop = (state: 'CANCELED' | 'TIMEDOUT', message: string) => {
      if (entry.stopState || !this.running.has(entry)) return;
      entry.stopState = state;
      controller.abort(new Error(message));
      void this.writeLine(request.stderrPath, `modelyard: ${message}`).finally(() => end(state, message));
    };
    entry.stop = stop;
    timer =
      request.timeoutMs !== undefined && request.timeoutMs > 0
        ? setTimeout(() => stop('TIMEDOUT', `timed out after ${request.timeoutMs! / 1000}s (timeout_seconds)`), request.timeoutMs)
        : undefined;
    const ctx: TaskContext = {
      request,
      signal: controller.signal,
      actor: jobRunActor(request.jobRunId),
      log: (line) => this.writeLine(request.stdoutPath, line),
      step: attemptStepTracer(this.tracer, request),
    };
    onStarted({ executorRef: `${this.name}:${request.attemptId}`, startTime: this.now() });
    void (async () => {
      let outcome: { state: 'SUCCESS' | 'FAILED'; message: string; result?: unknown };
      try {
        await mkdir(dirname(request.stdoutPath), { recursive: true });
        // Canceled before it got going: the attempt has already ended.
        if (entry.stopState) return;
        const success = await handler(ctx);
        outcome = { state: 'SUCCESS', message: success.message, result: success.result };
      } catch (e) {
        const message = failureMessage(e);
        outcome = { state: 'FAILED', message, result: e instanceof TaskFailure ? e.result : undefined };
        await this.writeLine(request.stderrPath, message).catch(() => {});
      }
      // Stopped meanwhile: the cancel/timeout already settled the attempt.
      if (entry.stopState) return;
      end(outcome.state, outcome.message, outcome.result);
    })();
    return { done: entry.done, cancel: (reason) => stop('CANCELED', reason) };
  }

  private async writeLine(path: string, line: string): Promise<void> {
    try {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${new Date(this.now()).toISOString()} ${line}\n`);
    } catch {
      // A log line is never worth failing the attempt for.
    }
  }

  /** An in-process attempt dies with its process: nothing can still be running elsewhere. */
  async abandon(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running];
    for (const r of all) r.stop('CANCELED', 'the executor shut down');
    await Promise.all(all.map((r) => r.done));
  }
}

function failureMessage(e: unknown): string {
  if (e instanceof TaskFailure || isAppError(e)) return e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
