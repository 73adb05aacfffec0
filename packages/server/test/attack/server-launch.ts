import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface LaunchedServer {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<number | string>;
}

export interface LaunchOptions {
  /** Flags after `modelyard server` (host and port are given). */
  args: string[];
  /**
   * An open file the process's stdout (its log) is written to, as a service manager redirects
   * it; the address is then read from that file. Without it stdout is a pipe.
   */
  stdoutFile?: { fd: number; path: string };
  /** Soft and hard open-file limit of the process (`ulimit -n`, which a process cannot raise). */
  fileLimit?: number;
}

/**
 * A real `modelyard server` process from its TypeScript sources on a free loopback port, with the
 * stdout and file limit the attack tests need; resolves once it says where it listens.
 */
export function launchServer(opts: LaunchOptions): Promise<LaunchedServer> {
  const node = [process.execPath, '--conditions=source', '--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), 'server', '--host', '127.0.0.1', '--port', '0', ...opts.args];
  // `ulimit -n` in the shell that then execs node: both limits, so node's own raise of its soft
  // limit to the hard one (at start) cannot lift it.
  const [command, ...args] = opts.fileLimit ? ['/bin/sh', '-c', `ulimit -n ${opts.fileLimit} && exec "$@"`, 'sh', ...node] : node;
  const child = spawn(command!, args, {
    cwd: ROOT,
    stdio: ['ignore', opts.stdoutFile ? opts.stdoutFile.fd : 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const text = opts.stdoutFile ? readFileSync(opts.stdoutFile.path, 'utf8') : out;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) {
        clearInterval(poll);
        resolvePromise({ url: m[1]!, child, stderr: () => err, exited });
      } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > 90_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`server did not start (exit ${String(child.exitCode ?? child.signalCode)})\nstdout: ${text.slice(-2000)}\nstderr: ${err.slice(-2000)}`));
      }
    }, 100);
  });
}

/** SIGKILL, for clean-up; resolves once the process is gone. */
export async function killServer(server: LaunchedServer | undefined): Promise<void> {
  if (!server) return;
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server.exited;
}
