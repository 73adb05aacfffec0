import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIsAlive } from '../../src/worker/process-group.js';
import { ATTEMPT_MARKER_VAR, LocalProcessPool } from '../../src/worker/local-process-pool.js';
import type { AttemptRequest, AttemptStarted } from '../../src/services/pipelines/task-executor.js';
import { commandRequest, isAlive as alive } from './attempt-requests.js';

let dir: string;
let nextId = 1;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelyard-pool-'));
  // A task that starts a grandchild and records both pids, then waits forever.
  writeFileSync(
    join(dir, 'spawn-tree.js'),
    `const { spawn } = require('node:child_process');
     const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
     require('node:fs').writeFileSync(process.argv[2], JSON.stringify({ parent: process.pid, child: child.pid }));
     process.on('SIGTERM', () => {}); // ignore the polite signal: the pool must escalate
     setInterval(() => {}, 1000);`,
  );
  writeFileSync(join(dir, 'fail.js'), `console.log('working'); console.error('something broke: bad input'); process.exit(3);`);
  writeFileSync(join(dir, 'env.js'), `console.log(JSON.stringify({ runId: process.env.MLFLOW_RUN_ID, cwd: process.cwd(), marker: process.env.${ATTEMPT_MARKER_VAR}, leaked: process.env.MODELYARD_SECRET_SETTING }));`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(command: string[] | string, extra: Partial<AttemptRequest> = {}): AttemptRequest {
  return commandRequest(dir, nextId++, command, extra);
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalProcessPool', () => {
  it('runs a command in the project folder with the attempt environment and captures its output', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 2 });
    process.env.MODELYARD_SECRET_SETTING = 'postgresql://user:password@db';
    const started: AttemptStarted[] = [];
    const req = request([process.execPath, 'env.js'], { env: { MLFLOW_RUN_ID: 'abc123' } });
    const outcome = await pool.submit(req, (s) => started.push(s)).done;
    delete process.env.MODELYARD_SECRET_SETTING;
    expect(outcome).toMatchObject({ state: 'SUCCESS', exitCode: 0 });
    expect(started).toHaveLength(1);
    expect(Number(started[0]!.executorRef)).toBeGreaterThan(1);
    const printed = JSON.parse(readFileSync(req.stdoutPath, 'utf8')) as Record<string, string>;
    expect(printed).toEqual({ runId: 'abc123', cwd: dir, marker: String(req.attemptId) });
  });

  it('fails with the exit code and the last stderr line, keeping both logs', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 1 });
    const req = request('node fail.js');
    const outcome = await pool.submit(req, () => {}).done;
    expect(outcome).toMatchObject({ state: 'FAILED', exitCode: 3, message: 'exited with code 3: something broke: bad input' });
    expect(readFileSync(req.stdoutPath, 'utf8')).toBe('working\n');
    expect(readFileSync(req.stderrPath, 'utf8')).toBe('something broke: bad input\n');
  });

  it('reports a program that cannot start', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 1 });
    const req = request(['./no-such-program']);
    const outcome = await pool.submit(req, () => {}).done;
    expect(outcome.state).toBe('FAILED');
    expect(outcome.message).toMatch(/cannot start '.\/no-such-program': .*ENOENT/);
    expect(readFileSync(req.stderrPath, 'utf8')).toMatch(/ENOENT/);
  });

  it('kills the whole process group on timeout, escalating to SIGKILL', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 1, killGraceMs: 300 });
    const pidsFile = join(dir, 'timeout-pids.json');
    const req = request([process.execPath, 'spawn-tree.js', pidsFile], { timeoutMs: 800 });
    const t0 = Date.now();
    const outcome = await pool.submit(req, () => {}).done;
    expect(outcome).toMatchObject({ state: 'TIMEDOUT', message: 'timed out after 0.8s (timeout_seconds)', signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as { parent: number; child: number };
    await waitFor(() => !alive(pids.child));
    expect(groupIsAlive(pids.parent)).toBe(false);
  });

  it('cancels a running attempt (and its children) and a queued one that never starts', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 1, killGraceMs: 200 });
    const pidsFile = join(dir, 'cancel-pids.json');
    const startedKeys: string[] = [];
    const running = pool.submit(request([process.execPath, 'spawn-tree.js', pidsFile]), () => startedKeys.push('running'));
    const queued = pool.submit(request(['true']), () => startedKeys.push('queued'));
    await waitFor(() => existsSync(pidsFile));
    queued.cancel('canceled by test');
    expect(await queued.done).toMatchObject({ state: 'CANCELED', message: 'canceled by test', exitCode: null });
    running.cancel('canceled by test');
    expect(await running.done).toMatchObject({ state: 'CANCELED', message: 'canceled by test' });
    const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as { parent: number; child: number };
    await waitFor(() => !alive(pids.child) && !alive(pids.parent));
    expect(startedKeys).toEqual(['running']);
  });

  it('runs at most maxConcurrent attempts at once', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 2 });
    let peak = 0;
    const handles = Array.from({ length: 5 }, () =>
      pool.submit(request([process.execPath, '-e', 'setTimeout(() => {}, 150)']), () => {
        peak = Math.max(peak, pool.activeCount);
      }),
    );
    const outcomes = await Promise.all(handles.map((h) => h.done));
    expect(outcomes.every((o) => o.state === 'SUCCESS')).toBe(true);
    expect(peak).toBe(2);
  });

  it('abandons an orphaned attempt by pid only if the process carries that attempt id', async () => {
    const pool = new LocalProcessPool({ maxConcurrent: 1 });
    const spawnOrphan = (attemptId: number) =>
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: { ...process.env, [ATTEMPT_MARKER_VAR]: String(attemptId) } });
    const orphan = spawnOrphan(9001);
    const stranger = spawnOrphan(9002);
    try {
      await pool.abandon({ attemptId: 9001, executorRef: String(stranger.pid) });
      await new Promise((r) => setTimeout(r, 100));
      expect(alive(stranger.pid!)).toBe(true);
      const exited = new Promise<NodeJS.Signals | null>((r) => orphan.once('exit', (_code, signal) => r(signal)));
      await pool.abandon({ attemptId: 9001, executorRef: String(orphan.pid) });
      expect(await exited).toBe('SIGKILL');
      expect(stranger.exitCode).toBeNull();
    } finally {
      stranger.kill('SIGKILL');
      orphan.kill('SIGKILL');
    }
  });
});
