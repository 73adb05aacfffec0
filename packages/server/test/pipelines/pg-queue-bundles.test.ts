import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { queueDatabase, waitFor } from './pg-queue-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function modelyard(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  for (const k of Object.keys(base)) if (k.startsWith('MODELYARD_') || k.startsWith('MLFLOW_')) delete base[k];
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX_LOADER, join(ROOT, 'packages/server/src/main.ts'), ...args], { cwd, env: { ...base, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, output: () => out, exited };
}

const skipWhy = postgresUnavailableReason();
const suite = skipWhy ? describe.skip : describe;

/**
 * Issue 22's two-machine simulation on loopback: a server and a queue worker with working folders
 * of their own and no path in common for code; a project deployed with `modelyard deploy` from a
 * third folder (then deleted) runs on the worker from the bundle it downloaded, and a redeploy
 * with a changed script is what the next run executes. The task's output reaches the server over
 * HTTP (issue 22's log shipping): the task writes into the worker's own log folder, and `jobs
 * logs` through the server shows it.
 */
suite(`bundles on a queue worker with no shared code folder [postgres]${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  let base: string;
  let database: TestDatabase;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'modelyard-two-machines-'));
    for (const d of ['server', 'worker', 'deployer']) mkdirSync(join(base, d));
    database = await queueDatabase('queue_bundles');
  });

  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await database?.drop();
    rmSync(base, { recursive: true, force: true });
  });

  it('runs a deployed project on the worker from its bundle, and the next run picks up a redeploy', async () => {
    const serverDir = join(base, 'server');
    const workerDir = join(base, 'worker');
    const server = modelyard(['server', '--port', '0', '--task-queue-uri', database.uri, '--backend-store-uri', database.uri, '--data-dir', join(serverDir, 'data'), '--log-level', 'warn'], serverDir);
    started.push(server);
    await waitFor(() => /listening on (http:\S+)/.test(server.output()), 60_000);
    const url = /listening on (http:\S+)/.exec(server.output())![1]!;
    // A HOME of its own: the worker's default log folder is there, nowhere near the server's.
    const workerHome = join(workerDir, 'home');
    const worker = modelyard(['worker', '--queue-uri', database.uri, '--bundle-cache', join(workerDir, 'cache'), '--poll-seconds', '0.5', '--log-level', 'warn'], workerDir, { HOME: workerHome, XDG_STATE_HOME: '' });
    started.push(worker);
    await waitFor(() => /Modelyard worker (\S+) taking/.test(worker.output()), 60_000);

    const deployFrom = (version: string): Promise<string> => {
      // A fresh folder per deploy, deleted afterwards: nothing can run from the deployer's path.
      const project = mkdtempSync(join(base, 'deployer', 'project-'));
      writeFileSync(join(project, 'modelyard.yaml'), `project: { name: two-machines }\njobs:\n  where:\n    tasks:\n      - { task_key: where, command_task: { command: [node, where.js] } }\n`);
      writeFileSync(
        join(project, 'where.js'),
        // out: the file this process's stdout is (Linux): where the worker had it write. A stderr
        // line larger than one shipped chunk (256 KiB) checks that a log goes over in pieces.
        `const out = require('fs').readlinkSync('/proc/self/fd/1');\n` +
          `console.log(JSON.stringify({ version: '${version}', cwd: process.cwd(), worker: process.env.MODELYARD_WORKER_ID, bundle: process.env.MODELYARD_BUNDLE_SHA256, out }));\n` +
          `process.stderr.write('e'.repeat(600000) + '\\n');\n`,
      );
      const deploy = modelyard(['deploy', '--tracking-uri', url], project);
      return deploy.exited.then((code) => {
        rmSync(project, { recursive: true, force: true });
        expect(code, deploy.output()).toBe(0);
        return deploy.output();
      });
    };
    type Printed = { version: string; cwd: string; worker: string; bundle: string; out: string; runId: number };
    const runOnce = async (): Promise<Printed> => {
      const jobs = (await (await fetch(`${url}/api/v1/jobs/list`)).json()) as { jobs: Array<{ job_id: number }> };
      const queued = (await (await fetch(`${url}/api/v1/jobs/run-now`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job_id: jobs.jobs[0]!.job_id }) })).json()) as { run_id: number };
      let body: { state?: string } = {};
      const until = Date.now() + 60_000;
      while (!['SUCCESS', 'FAILED', 'CANCELED', 'TIMEDOUT'].includes(body.state ?? '')) {
        if (Date.now() > until) throw new Error(`job run did not end: ${JSON.stringify(body)}\n${server.output()}\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
        body = (await (await fetch(`${url}/api/v1/jobs/runs/get?run_id=${queued.run_id}`)).json()) as typeof body;
      }
      expect(body.state, JSON.stringify(body) + worker.output()).toBe('SUCCESS');
      const log = (await (await fetch(`${url}/api/v1/jobs/runs/logs?run_id=${queued.run_id}&task_key=where`)).json()) as { text: string };
      return { ...(JSON.parse(log.text) as Printed), runId: queued.run_id };
    };

    expect(await deployFrom('v1')).toContain('created   job where');
    const first = await runOnce();
    const workerId = /Modelyard worker (\S+) taking/.exec(worker.output())![1];
    expect(first.version).toBe('v1');
    expect(first.worker).toBe(workerId);
    expect(first.cwd).toBe(join(workerDir, 'cache', first.bundle));
    // The task wrote into the worker's folder; the server's copy came over HTTP, whole.
    expect(first.out.startsWith(join(workerHome, '.local', 'state', 'modelyard', 'attempt-logs') + '/')).toBe(true);
    const serverLogs = join(serverDir, 'data', 'job-runs', String(first.runId), 'where', 'attempt-1');
    expect(JSON.parse(readFileSync(join(serverLogs, 'stdout.log'), 'utf8')).version).toBe('v1');
    expect(statSync(join(serverLogs, 'stderr.log')).size).toBe(600_001);
    // Shipped in full, so the worker kept no copy.
    expect(readdirSync(join(workerHome, '.local', 'state', 'modelyard', 'attempt-logs'))).toEqual([]);
    const cliLogs = modelyard(['jobs', 'logs', String(first.runId), 'where', '--tracking-uri', url], join(base, 'deployer'));
    expect(await cliLogs.exited, cliLogs.output()).toBe(0);
    expect(cliLogs.output()).toContain(`"version":"v1"`);

    expect(await deployFrom('v2')).toContain('updated   job where');
    const second = await runOnce();
    expect(second.version).toBe('v2');
    expect(second.bundle).not.toBe(first.bundle);
    expect(second.cwd).toBe(join(workerDir, 'cache', second.bundle));
    // The worker has its own copies; the server unpacked them too, but only to read the project file at deploy.
    expect(readdirSync(join(workerDir, 'cache')).sort()).toEqual([first.bundle, second.bundle].sort());
    expect(existsSync(join(serverDir, 'data', 'bundle-cache', first.bundle))).toBe(true);

    await refusesHostileLogAppends(url, first.runId, serverLogs);

    worker.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await server.exited).toBe(0);
  }, 240_000);
});

/** POST /api/v1/jobs/runs/attempt-logs with what a broken or hostile client might send: 4xx MLflow-style JSON, the log unchanged. */
async function refusesHostileLogAppends(url: string, runId: number, logs: string): Promise<void> {
  const before = readFileSync(join(logs, 'stdout.log'));
  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(`${url}/api/v1/jobs/runs/attempt-logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { error_code?: string; message?: string; next_offset?: number } };
  };
  const ok = { run_id: runId, task_key: 'where', attempt_number: 1, stream: 'stdout', offset: 0, data: before.subarray(0, 10).toString('base64') };
  // A chunk re-sent after a lost answer: already there, nothing written twice.
  expect(await post(ok)).toEqual({ status: 200, body: { next_offset: before.length } });
  const refusals: Array<[Record<string, unknown>, number, string, RegExp]> = [
    [{ ...ok, run_id: 999_999 }, 404, 'RESOURCE_DOES_NOT_EXIST', /job run 999999 has no attempt 1/],
    [{ ...ok, attempt_number: 7 }, 404, 'RESOURCE_DOES_NOT_EXIST', /no attempt 7/],
    [{ ...ok, task_key: '../../../etc' }, 404, 'RESOURCE_DOES_NOT_EXIST', /task '\.\.\/\.\.\/\.\.\/etc'/],
    [{ ...ok, stream: '../stdout.log' }, 400, 'INVALID_PARAMETER_VALUE', /stream/],
    [{ ...ok, offset: -1 }, 400, 'INVALID_PARAMETER_VALUE', /offset must be a non-negative integer/],
    [{ ...ok, offset: before.length + 5 }, 400, 'INVALID_PARAMETER_VALUE', new RegExp(`resend from offset ${before.length}`)],
    [{ ...ok, data: Buffer.alloc(300 * 1024, 97).toString('base64') }, 400, 'INVALID_PARAMETER_VALUE', /at most 262144/],
    [{ ...ok, data: 'not base64!' }, 400, 'INVALID_PARAMETER_VALUE', /base64/],
    [{ ...ok, path: '/tmp/x' }, 400, 'INVALID_PARAMETER_VALUE', /path/],
  ];
  for (const [body, status, code, message] of refusals) {
    const r = await post(body);
    expect(r.status, JSON.stringify(body).slice(0, 200)).toBe(status);
    expect(r.body.error_code).toBe(code);
    expect(r.body.message).toMatch(message);
  }
  expect(readFileSync(join(logs, 'stdout.log')).equals(before)).toBe(true);
}
