import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { finishedHandle } from '../services/pipelines/task-executor.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStarted, TaskExecutor } from '../services/pipelines/task-executor.js';
import { findGroupMembersWithMarker, groupIsAlive, signalGroup } from './process-group.js';

export interface LocalProcessPoolOptions {
  /** Attempts running at once; the rest wait in submission order. */
  maxConcurrent: number;
  /** Between SIGTERM and SIGKILL when stopping an attempt. */
  killGraceMs?: number;
  now?: () => number;
}

/** Set in every attempt's environment; recovery finds orphaned processes by it. */
export const ATTEMPT_MARKER_VAR = 'MODELYARD_ATTEMPT_ID';

interface Pending {
  request: AttemptRequest;
  onStarted: (s: AttemptStarted) => void;
  settle: (o: AttemptOutcome) => void;
  stopReason?: { state: 'CANCELED' | 'TIMEDOUT'; message: string };
  child?: ChildProcess;
  timers: NodeJS.Timeout[];
}

/**
 * The default executor: `command` tasks as child processes of this process, at most
 * `maxConcurrent` at a time. Output goes straight from the child to its attempt's log files
 * (file descriptors, not pipes), so logs survive this process dying and cost it nothing.
 */
export class LocalProcessPool implements TaskExecutor {
  readonly name = 'local';
  private readonly waiting: Pending[] = [];
  private readonly running = new Set<Pending>();
  private readonly now: () => number;
  private readonly graceMs: number;
  private closed = false;

  constructor(private readonly opts: LocalProcessPoolOptions) {
    if (!Number.isInteger(opts.maxConcurrent) || opts.maxConcurrent < 1) throw new Error('maxConcurrent must be a positive integer');
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.killGraceMs ?? 5000;
  }

  get activeCount(): number {
    return this.running.size;
  }

  submit(request: AttemptRequest, onStarted: (s: AttemptStarted) => void): AttemptHandle {
    if (request.task.type !== 'command') {
      return finishedHandle(this.failed(`the local process pool runs command tasks, not '${request.task.type}'`));
    }
    if (this.closed) return finishedHandle({ ...this.failed('the executor is shutting down'), state: 'CANCELED' });
    let settle!: (o: AttemptOutcome) => void;
    const done = new Promise<AttemptOutcome>((r) => (settle = r));
    const p: Pending = { request, onStarted, settle, timers: [] };
    this.waiting.push(p);
    this.pump();
    return { done, cancel: (reason) => this.stop(p, { state: 'CANCELED', message: reason }) };
  }

  private failed(message: string): AttemptOutcome {
    return { state: 'FAILED', message, exitCode: null, signal: null, endTime: this.now() };
  }

  private pump(): void {
    while (this.running.size < this.opts.maxConcurrent && this.waiting.length > 0) {
      const p = this.waiting.shift()!;
      this.running.add(p);
      this.start(p);
    }
  }

  private finish(p: Pending, outcome: AttemptOutcome): void {
    for (const t of p.timers) clearTimeout(t);
    if (this.running.delete(p)) this.pump();
    p.settle(outcome);
  }

  private start(p: Pending): void {
    const { request } = p;
    if (request.task.type !== 'command') return;
    const spec = request.task.command;
    let out: number | undefined;
    let err: number | undefined;
    try {
      mkdirSync(dirname(request.stdoutPath), { recursive: true });
      mkdirSync(dirname(request.stderrPath), { recursive: true });
      out = openSync(request.stdoutPath, 'a');
      err = openSync(request.stderrPath, 'a+');
    } catch (e) {
      if (out !== undefined) closeSync(out);
      this.finish(p, this.failed(`cannot open the attempt's log files: ${(e as Error).message}`));
      return;
    }
    const cwd = resolve(request.projectDir, spec.workingDirectory ?? '.');
    const [file, args] = typeof spec.command === 'string' ? ['/bin/sh', ['-c', spec.command]] : [spec.command[0]!, spec.command.slice(1)];
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd, env: attemptEnv(request), stdio: ['ignore', out, err], detached: true });
    } catch (e) {
      closeSync(out);
      closeSync(err);
      this.finish(p, this.failed(`cannot start '${file}': ${(e as Error).message}`));
      return;
    }
    // The child holds its own copies of the descriptors.
    closeSync(out);
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    p.child = child;
    const startTime = this.now();
    if (child.pid !== undefined) {
      p.onStarted({ executorRef: String(child.pid), startTime });
      if (request.timeoutMs !== undefined && request.timeoutMs > 0) {
        const seconds = request.timeoutMs / 1000;
        p.timers.push(setTimeout(() => this.stop(p, { state: 'TIMEDOUT', message: `timed out after ${seconds}s (timeout_seconds)` }), request.timeoutMs));
      }
      if (p.stopReason) this.kill(p);
    }
    child.once('close', (code, signal) => {
      const pid = child.pid;
      // Whatever the command left running in its group goes with it.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      const endTime = this.now();
      if (spawnError) {
        writeSync(err, `modelyard: cannot start '${file}' in ${cwd}: ${spawnError.message}\n`);
        closeSync(err);
        this.finish(p, { state: 'FAILED', message: `cannot start '${file}': ${spawnError.message}`, exitCode: null, signal: null, endTime });
        return;
      }
      const tail = lastLine(err);
      closeSync(err);
      if (p.stopReason) {
        this.finish(p, { state: p.stopReason.state, message: p.stopReason.message, exitCode: code, signal, endTime });
      } else if (code === 0) {
        this.finish(p, { state: 'SUCCESS', message: 'exited with code 0', exitCode: 0, signal: null, endTime });
      } else {
        const how = code !== null ? `exited with code ${code}` : `killed by ${signal ?? 'a signal'}`;
        this.finish(p, { state: 'FAILED', message: tail ? `${how}: ${tail}` : how, exitCode: code, signal, endTime });
      }
    });
  }

  private stop(p: Pending, reason: { state: 'CANCELED' | 'TIMEDOUT'; message: string }): void {
    if (p.stopReason) return;
    p.stopReason = reason;
    const queuedAt = this.waiting.indexOf(p);
    if (queuedAt >= 0) {
      this.waiting.splice(queuedAt, 1);
      p.settle({ state: reason.state, message: reason.message, exitCode: null, signal: null, endTime: this.now() });
      return;
    }
    if (p.child?.pid !== undefined) this.kill(p);
  }

  /** SIGTERM to the group, SIGKILL after the grace period if anything in it is still alive. */
  private kill(p: Pending): void {
    const pid = p.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (groupIsAlive(pid)) signalGroup(pid, 'SIGKILL');
    }, this.graceMs);
    t.unref();
    p.timers.push(t);
  }

  async abandon(attempt: { attemptId: number; executorRef: string | null }): Promise<void> {
    const pid = Number(attempt.executorRef);
    if (!Number.isInteger(pid) || pid <= 1) return;
    const members = await findGroupMembersWithMarker(pid, `${ATTEMPT_MARKER_VAR}=${attempt.attemptId}`);
    if (members.length > 0) signalGroup(pid, 'SIGKILL');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.waiting]) this.stop(p, { state: 'CANCELED', message: 'the executor shut down' });
    const all = [...this.running];
    for (const p of all) this.stop(p, { state: 'CANCELED', message: 'the executor shut down' });
    await Promise.all(all.map((p) => new Promise<void>((r) => p.child?.once('close', () => r()) ?? r())));
  }
}

/**
 * The attempt's environment: this process's, minus our own MODELYARD_* settings (they may hold
 * store credentials), plus the attempt's variables.
 */
function attemptEnv(request: AttemptRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MODELYARD_')) env[k] = v;
  Object.assign(env, request.env);
  env[ATTEMPT_MARKER_VAR] = String(request.attemptId);
  return env;
}

/** The last non-empty line of a log file (at most 300 characters), for the attempt's message. */
function lastLine(fd: number): string {
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 4096);
    if (len === 0) return '';
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const last = lines[lines.length - 1] ?? '';
    return last.length > 300 ? last.slice(0, 300) + '…' : last;
  } catch {
    return '';
  }
}
