import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface CliProcessResult {
  child: ChildProcess;
  /** The exit code; null when it resolved on `until` and still runs. */
  code: number | null;
  stdout: string;
  /** Everything on stderr so far (it keeps growing while the process runs). */
  stderr: () => string;
  match?: RegExpExecArray;
}

/**
 * `modelyard <args>` as a real process from its TypeScript sources; resolves once stdout matches
 * `until` (the process then keeps running: the caller stops it), or when it exits.
 */
export function runModelyard(args: string[], opts: { env?: Record<string, string>; until?: RegExp } = {}): Promise<CliProcessResult> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = opts.until?.exec(stdout);
      if (m) done({ child, code: null, stdout, stderr: () => stderr, match: m });
    });
    child.on('exit', (code) => done({ child, code, stdout, stderr: () => stderr }));
  });
}
