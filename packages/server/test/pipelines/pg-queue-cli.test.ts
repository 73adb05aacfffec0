import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestDatabase } from '../helpers/postgres.js';
import type { AttemptOutcome, AttemptStarted } from '../../src/services/pipelines/task-executor.js';
import { PgQueueExecutor } from '../../src/worker/pg-queue/pg-queue-executor.js';
import { commandRequest, isAlive } from './attempt-requests.js';
import { QUEUE_TASK_SCRIPTS, queueDatabase, waitFor } from './pg-queue-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function modelyard(args: string[], cwd: string): CliProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX_LOADER, join(ROOT, 'packages/server/src/main.ts'), ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, output: () => out, exited };
}

const skipWhy = postgresUnavailableReason();
const suite = skipWhy ? describe.skip : describe;

suite(`modelyard server --task-queue-uri + modelyard worker (the real CLI) [postgres]${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  let dir: string;
  let database: TestDatabase;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-queue-cli-'));
    database = await queueDatabase('queue_cli');
  });

  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job run started over HTTP runs its command task in the worker process, not the server', async () => {
    writeFileSync(join(dir, 'where.js'), `console.log(JSON.stringify({ worker: process.env.MODELYARD_WORKER_ID, ppid: process.ppid }));`);
    writeFileSync(join(dir, 'modelyard.yaml'), `project: { name: queued }\njobs:\n  where:\n    tasks:\n      - { task_key: where, command_task: { command: [node, where.js] } }\n`);
    const store = ['--backend-store-uri', database.uri, '--data-dir', join(dir, 'data')];
    const deploy = modelyard(['jobs', 'deploy', '-f', 'modelyard.yaml', ...store], dir);
    expect(await deploy.exited, deploy.output()).toBe(0);
    const jobId = Number(/deployed job (\d+)/.exec(deploy.output())?.[1]);

    const server = modelyard(['server', '--port', '0', '--task-queue-uri', database.uri, '--log-level', 'warn', ...store], dir);
    started.push(server);
    await waitFor(() => /listening on (http:\S+)/.test(server.output()), 60_000);
    const url = /listening on (http:\S+)/.exec(server.output())![1]!;
    const worker = modelyard(['worker', '--queue-uri', database.uri, '--concurrency', '2', '--poll-seconds', '0.5', '--log-level', 'warn'], dir);
    started.push(worker);
    await waitFor(() => /Modelyard worker (\S+) taking/.test(worker.output()), 60_000);
    const workerId = /Modelyard worker (\S+) taking/.exec(worker.output())![1];

    const run = (await (await fetch(`${url}/api/v1/jobs/run-now`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job_id: jobId }) })).json()) as { run_id: number };
    let state = '';
    let body: { state?: string; tasks?: Array<{ attempts?: Array<{ executor?: string; executor_ref?: string }> }> } = {};
    const until = Date.now() + 30_000;
    while (!['SUCCESS', 'FAILED', 'CANCELED', 'TIMEDOUT'].includes(state)) {
      if (Date.now() > until) throw new Error(`job run did not end: ${JSON.stringify(body)}\n${server.output()}\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 200));
      body = (await (await fetch(`${url}/api/v1/jobs/runs/get?run_id=${run.run_id}`)).json()) as typeof body;
      state = body.state ?? '';
    }
    expect(state, JSON.stringify(body)).toBe('SUCCESS');
    const log = (await (await fetch(`${url}/api/v1/jobs/runs/logs?run_id=${run.run_id}&task_key=where`)).json()) as { text: string };
    const printed = JSON.parse(log.text) as { worker: string; ppid: number };
    expect(printed).toEqual({ worker: workerId, ppid: worker.child.pid });
    expect(JSON.stringify(body.tasks)).toContain('pg-queue');

    worker.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await server.exited).toBe(0);
  }, 120_000);

  it('fails the attempt of a worker killed with SIGKILL once its heartbeats stop, not at pg-boss expiration; a live worker is never taken for lost', async () => {
    for (const [name, text] of Object.entries(QUEUE_TASK_SCRIPTS)) writeFileSync(join(dir, name), text);
    const lostAfterMs = 3000;
    const executor = new PgQueueExecutor({ connectionString: database.uri, pollIntervalMs: 200, workerLostAfterMs: lostAfterMs });
    const worker = modelyard(['worker', '--queue-uri', database.uri, '--concurrency', '1', '--poll-seconds', '0.5', '--log-level', 'warn'], dir);
    started.push(worker);
    let orphan: number | undefined;
    try {
      await waitFor(() => /Modelyard worker (\S+) taking/.test(worker.output()), 60_000);
      const workerId = /Modelyard worker (\S+) taking/.exec(worker.output())![1]!;
      const pidFile = join(dir, 'sleep-lost.pid');
      const starts: AttemptStarted[] = [];
      const handle = executor.submit(commandRequest(dir, 9001, [process.execPath, 'sleep.js', pidFile]), (s) => starts.push(s));
      let outcome: AttemptOutcome | undefined;
      void handle.done.then((o) => (outcome = o));
      await waitFor(() => existsSync(pidFile) && starts.length === 1, 30_000);
      orphan = Number(readFileSync(pidFile, 'utf8'));
      // Alive and stamping: well past the limit, the attempt still runs.
      await new Promise((r) => setTimeout(r, 2 * lostAfterMs));
      expect(outcome).toBeUndefined();

      worker.child.kill('SIGKILL');
      await worker.exited;
      const killedAt = Date.now();
      await waitFor(() => outcome !== undefined, 20_000);
      expect(outcome!.state).toBe('FAILED');
      expect(outcome!.message).toContain(`worker ${workerId} stopped answering: no heartbeat for`);
      // The limit, a heartbeat interval and a poll or two: seconds, not pg-boss's day.
      expect(Date.now() - killedAt).toBeLessThan(lostAfterMs + 10_000);
    } finally {
      // A SIGKILLed worker cannot stop its task's process; the test does.
      if (orphan !== undefined && isAlive(orphan)) process.kill(orphan, 'SIGKILL');
      await executor.close();
    }
  }, 120_000);
});
