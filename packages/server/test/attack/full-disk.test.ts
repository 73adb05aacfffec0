import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killServer, launchServer } from './server-launch.js';
import type { LaunchedServer } from './server-launch.js';

/**
 * "A full disk degrades, never hangs." A real server process whose log file and artifact folder
 * (and, in the second case, SQLite store) are on a tiny file system the test fills up: writes
 * answer 507 RESOURCE_EXHAUSTED, reads keep answering, failed log lines are dropped and counted,
 * SIGTERM still stops the process, and once space is freed writes work again.
 */

const GENEROUS_MS = 30_000;

/**
 * Mounts a small file system at `dir`: tmpfs, else an ext2 image on a loop device. Both need
 * root (CAP_SYS_ADMIN); returns why neither worked.
 */
function mountSmall(dir: string, sizeMb: number): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const tmpfsError = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    const image = `${dir}.img`;
    try {
      execFileSync('truncate', ['-s', `${sizeMb}M`, image], { stdio: 'pipe' });
      execFileSync('mkfs.ext2', ['-q', '-F', image], { stdio: 'pipe' });
      execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
      return undefined;
    } catch (e2) {
      return `mount -t tmpfs failed (${tmpfsError}); a loop-mounted image failed too (${String((e2 as { stderr?: Buffer }).stderr ?? e2).trim()})`;
    }
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // Still busy (a process being reaped): detach it now, it goes once unused.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
  rmSync(`${dir}.img`, { force: true });
}

const root = mkdtempSync(join(tmpdir(), 'modelyard-full-disk-'));
const probeDir = join(root, 'probe');
const cannotMount = mountSmall(probeDir, 1);
if (!cannotMount) unmount(probeDir);
// Only a developer's machine without the privilege skips; CI must be able to run this.
const skip = cannotMount !== undefined && !process.env.CI;
if (skip) console.warn(`full-disk tests skipped: cannot mount a small file system here: ${cannotMount}`);

/** Writes `dir/fill` until the file system has no byte left; returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'fill');
  const fd = openSync(path, 'a');
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every request has a deadline: a server that hangs fails the test instead of stalling it. */
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text() };
}

function createExperiment(url: string, name: string) {
  return call(`${url}/api/2.0/mlflow/experiments/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
}

/** A log file on `dir`, open for appending, as a service manager hands a process its stdout. */
function logFile(dir: string): { fd: number; path: string } {
  const path = join(dir, 'server.log');
  return { fd: openSync(path, 'a'), path };
}

async function expectReadsAnswer(url: string): Promise<void> {
  // Many requests, each logging a line the full disk refuses.
  for (let i = 0; i < 50; i++) expect((await call(`${url}/health`)).status).toBe(200);
  expect((await call(`${url}/api/2.0/mlflow/experiments/search?max_results=5`)).status).toBe(200);
  const info = JSON.parse((await call(`${url}/api/3.0/mlflow/server-info`)).text) as { log_lines_dropped?: number };
  expect(info.log_lines_dropped).toBeGreaterThan(0);
}

async function expectSigtermStops(server: LaunchedServer): Promise<void> {
  expect(server.child.exitCode).toBeNull();
  server.child.kill('SIGTERM');
  await within(server.exited, GENEROUS_MS, 'the server exiting on SIGTERM');
}

describe.skipIf(skip)('a full disk', () => {
  const servers: LaunchedServer[] = [];
  const mounts: string[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => killServer(s)));
    for (const m of mounts) unmount(m);
    rmSync(root, { recursive: true, force: true });
  });

  function mounted(name: string, sizeMb: number): string {
    const dir = join(root, name);
    const failure = mountSmall(dir, sizeMb);
    if (failure) throw new Error(`cannot mount a small file system for this test: ${failure}`);
    mounts.push(dir);
    return dir;
  }

  it('under the log file and the artifacts: uploads answer 507, reads answer, space freed makes uploads work', { timeout: 120_000 }, async () => {
    const disk = mounted('artifacts-disk', 2);
    const log = logFile(disk);
    const server = await launchServer({
      args: [
        '--data-dir', join(root, 'artifacts-case'),
        '--artifacts-destination', join(disk, 'artifacts'),
        // Every request logs a line: plenty of writes for the full disk to refuse.
        '--log-level', 'debug',
      ],
      stdoutFile: log,
    });
    closeSync(log.fd);
    servers.push(server);
    const { url } = server;
    const artifact = (path: string) => `${url}/api/2.0/mlflow-artifacts/artifacts/${path}`;

    expect((await call(artifact('before/a.txt'), { method: 'PUT', body: 'written before the disk filled' })).status).toBe(200);
    const filler = fill(disk);

    const payload = randomBytes(200_000);
    const refused = await call(artifact('during/b.bin'), { method: 'PUT', body: payload });
    expect(refused.status).toBe(507);
    expect(JSON.parse(refused.text)).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/no disk space left/) });
    // An upload larger than what is left, failing mid-body, gets the answer too, not a reset.
    unlinkSync(filler);
    const partial = fill(disk);
    expect((await call(artifact('during/c.bin'), { method: 'PUT', body: randomBytes(3_000_000) })).status).toBe(507);

    await expectReadsAnswer(url);
    const before = await call(artifact('before/a.txt'));
    expect(before).toEqual({ status: 200, text: 'written before the disk filled' });
    expect((await createExperiment(url, 'store-not-on-the-full-disk')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    unlinkSync(partial);
    expect((await call(artifact('during/b.bin'), { method: 'PUT', body: payload })).status).toBe(200);
    const back = await fetch(artifact('during/b.bin'), { signal: AbortSignal.timeout(15_000) });
    expect(Buffer.from(await back.arrayBuffer()).equals(payload)).toBe(true);
    // The log goes on (its lines are written in the background), saying how many lines it lost.
    await within(
      (async () => {
        while (!readFileSync(log.path, 'utf8').includes('during/b.bin')) await new Promise((r) => setTimeout(r, 100));
      })(),
      GENEROUS_MS,
      'the log file getting lines again',
    );
    expect(readFileSync(log.path, 'utf8')).toMatch(/"dropped_log_lines":\d+/);

    fill(disk);
    await expectSigtermStops(server);
  });

  it('under the SQLite store: writes answer 507, reads answer, space freed makes writes work', { timeout: 120_000 }, async () => {
    const disk = mounted('store-disk', 4);
    const log = logFile(disk);
    const server = await launchServer({
      args: [
        '--data-dir', join(root, 'store-case'),
        '--backend-store-uri', `sqlite:///${join(disk, 'modelyard.db')}`,
        '--log-level', 'debug',
      ],
      stdoutFile: log,
    });
    closeSync(log.fd);
    servers.push(server);
    const { url } = server;

    expect((await createExperiment(url, 'before')).status).toBe(200);
    const filler = fill(disk);

    // The write-ahead log may still have room for a few commits; then SQLite finds none.
    const statuses: number[] = [];
    let refusal: unknown;
    for (let i = 0; i < 400 && !refusal; i++) {
      const res = await createExperiment(url, `during-${i}-${'n'.repeat(200)}`);
      statuses.push(res.status);
      if (res.status === 507) refusal = JSON.parse(res.text);
    }
    expect(statuses.filter((s) => s !== 200 && s !== 507)).toEqual([]);
    expect(refusal).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/database has no disk space left/) });

    await expectReadsAnswer(url);
    const found = await call(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=before`);
    expect(found.status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    unlinkSync(filler);
    expect((await createExperiment(url, 'after')).status).toBe(200);
    expect((await call(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=after`)).status).toBe(200);

    fill(disk);
    await expectSigtermStops(server);
  });
});
