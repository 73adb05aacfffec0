import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandsOf, shellBlocks } from './shell-blocks.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const README = join(ROOT, 'README.md');

/**
 * The README's shell blocks, copied as a new user would, in order, against a fresh demo server
 * (what `npm start` leaves running). What differs from a user's terminal, and why:
 * - `modelyard` is a wrapper running the CLI from its TypeScript sources (`npx modelyard` needs a
 *   build, which `npm test` does not make); `npx modelyard` is read as `modelyard`;
 * - the server listens on a free port, not 5000, and `serve` on a free port, not 8080: both
 *   addresses are rewritten in each command;
 * - commands run in a scratch folder that links `examples`, `package.json` and `node_modules`,
 *   so files a command writes (`scores.parquet`, `.modelyard`) land there, not in the clone;
 * - a `modelyard serve` line runs in the background until the test ends (a user leaves it in its
 *   own terminal), and the next line waits until its port answers.
 * Blocks marked `<!-- doc-test: skip <reason> -->` in the README are not run; each says why.
 */
describe('README commands against a fresh demo', () => {
  let work: string;
  let server: ChildProcess | undefined;
  let serverUrl = '';
  const background: ChildProcess[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modelyard-readme-'));
    for (const name of ['examples', 'package.json', 'node_modules']) symlinkSync(join(ROOT, name), join(work, name));
    const bin = join(work, '.bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'modelyard'),
      `#!/bin/sh\nexec "${process.execPath}" --conditions=source --import tsx "${join(ROOT, 'packages/server/src/main.ts')}" "$@"\n`,
    );
    chmodSync(join(bin, 'modelyard'), 0o755);
    server = spawn(join(bin, 'modelyard'), ['server', '--port', '0', '--data-dir', join(work, 'demo-data'), '--demo', join(ROOT, 'examples/modelyard.yaml')], {
      cwd: work,
      env: envFor(work),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serverUrl = await demoDone(server);
  }, 300_000);

  afterAll(async () => {
    for (const child of [...background, server]) child?.kill('SIGTERM');
    await Promise.all([...background, server].map((c) => (c && c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    rmSync(work, { recursive: true, force: true });
  });

  const blocks = shellBlocks(README);

  it('runs most blocks, and each one it leaves out says why in the README', () => {
    expect(blocks.length).toBeGreaterThan(5);
    // Seven run today: a drop means blocks were marked skipped rather than kept working.
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(7);
    for (const b of blocks.filter((x) => x.skip)) expect(b.skip!.length, `README.md:${b.line}`).toBeGreaterThan(10);
  });

  for (const block of blocks.filter((b) => !b.skip)) {
    it(`README.md:${block.line} ${block.text.split('\n')[0]}`, async () => {
      const serveUrl = `http://127.0.0.1:${await freePort()}`;
      const script = [
        'set -euo pipefail',
        // Each block starts as a fresh terminal would after `export MLFLOW_TRACKING_URI=…`.
        `export MLFLOW_TRACKING_URI=${serverUrl}`,
        ...commandsOf(block.text).map((cmd) => toScriptLine(cmd, serverUrl, serveUrl)),
      ].join('\n');
      const ran = await runBash(script, work, background);
      const shown = `$ ${block.text}\n--- exit ${ran.code}\n${ran.output}`;
      expect(ran.code, shown).toBe(0);
      // Human-readable output: a raw log line in it means a logger wrote where a person reads.
      expect(ran.output, shown).not.toMatch(/^\{"level":/m);
    }, 240_000);
  }
});

function envFor(work: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(work, '.bin')}:${process.env.PATH ?? ''}` };
  // A developer's own settings must not leak in.
  for (const key of Object.keys(env)) if (key.startsWith('MODELYARD_') || key.startsWith('MLFLOW_')) delete env[key];
  delete env.NODE_OPTIONS;
  return env;
}

/** One README command as the script runs it (see the suite's comment for each rewrite). */
function toScriptLine(cmd: string, serverUrl: string, serveUrl: string): string {
  const servePort = new URL(serveUrl).port;
  const line = cmd
    .replace(/\bnpx modelyard\b/g, 'modelyard')
    .replaceAll('http://127.0.0.1:5000', serverUrl)
    .replaceAll('http://127.0.0.1:8080', serveUrl)
    .replace(/--port 8080\b/g, `--port ${servePort}`);
  const withoutComment = line.replace(/\s+#.*$/, '');
  if (/(^|\s)modelyard serve\s/.test(withoutComment)) {
    return [
      `( ${withoutComment} ) > serve-${servePort}.log 2>&1 &`,
      `echo $! >> .background-pids`,
      `for i in $(seq 1 600); do curl -s -o /dev/null ${serveUrl}/ping && break; sleep 0.2; done`,
      `curl -sf -o /dev/null ${serveUrl}/ping || { cat serve-${servePort}.log; exit 1; }`,
    ].join('\n');
  }
  return line;
}

function runBash(script: string, cwd: string, background: ChildProcess[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', script], { cwd, env: envFor(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      // Background servers the block started are stopped with the suite.
      const pids = spawnSync('sh', ['-c', 'cat .background-pids 2>/dev/null; rm -f .background-pids'], { cwd, encoding: 'utf8' }).stdout;
      for (const pid of pids.split('\n').filter(Boolean)) {
        background.push({ kill: (sig: NodeJS.Signals) => killTree(Number(pid), sig), exitCode: 0 } as unknown as ChildProcess);
      }
      done({ code, output });
    });
  });
}

function killTree(pid: number, signal: NodeJS.Signals): boolean {
  spawnSync('pkill', [`-${signal.replace('SIG', '')}`, '-P', String(pid)]);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
  return true;
}

/** Resolves with the server's URL once the demo has finished (it then keeps serving, as `npm start`). */
function demoDone(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    let url = '';
    const timer = setTimeout(() => fail(new Error(`the demo did not finish within 280 s:\n${out}`)), 280_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      url ||= /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
      if (/\[demo\] done/.test(out) && url) {
        clearTimeout(timer);
        done(url);
      }
      if (/\[demo\] failed/.test(out)) {
        clearTimeout(timer);
        fail(new Error(`the demo failed:\n${out}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the server exited (${code}) before the demo finished:\n${out}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}
