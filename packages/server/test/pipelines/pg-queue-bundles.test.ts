import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
 * with a changed script is what the next run executes.
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
    const worker = modelyard(['worker', '--queue-uri', database.uri, '--bundle-cache', join(workerDir, 'cache'), '--poll-seconds', '0.5', '--log-level', 'warn'], workerDir);
    started.push(worker);
    await waitFor(() => /Modelyard worker (\S+) taking/.test(worker.output()), 60_000);

    const deployFrom = (version: string): Promise<string> => {
      // A fresh folder per deploy, deleted afterwards: nothing can run from the deployer's path.
      const project = mkdtempSync(join(base, 'deployer', 'project-'));
      writeFileSync(join(project, 'modelyard.yaml'), `project: { name: two-machines }\njobs:\n  where:\n    tasks:\n      - { task_key: where, command_task: { command: [node, where.js] } }\n`);
      writeFileSync(
        join(project, 'where.js'),
        `console.log(JSON.stringify({ version: '${version}', cwd: process.cwd(), worker: process.env.MODELYARD_WORKER_ID, bundle: process.env.MODELYARD_BUNDLE_SHA256 }));`,
      );
      const deploy = modelyard(['deploy', '--tracking-uri', url], project);
      return deploy.exited.then((code) => {
        rmSync(project, { recursive: true, force: true });
        expect(code, deploy.output()).toBe(0);
        return deploy.output();
      });
    };
    const runOnce = async (): Promise<{ version: string; cwd: string; worker: string; bundle: string }> => {
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
      return JSON.parse(log.text) as { version: string; cwd: string; worker: string; bundle: string };
    };

    expect(await deployFrom('v1')).toContain('created   job where');
    const first = await runOnce();
    const workerId = /Modelyard worker (\S+) taking/.exec(worker.output())![1];
    expect(first.version).toBe('v1');
    expect(first.worker).toBe(workerId);
    expect(first.cwd).toBe(join(workerDir, 'cache', first.bundle));

    expect(await deployFrom('v2')).toContain('updated   job where');
    const second = await runOnce();
    expect(second.version).toBe('v2');
    expect(second.bundle).not.toBe(first.bundle);
    expect(second.cwd).toBe(join(workerDir, 'cache', second.bundle));
    // The worker has its own copies; the server unpacked them too, but only to read the project file at deploy.
    expect(readdirSync(join(workerDir, 'cache')).sort()).toEqual([first.bundle, second.bundle].sort());
    expect(existsSync(join(serverDir, 'data', 'bundle-cache', first.bundle))).toBe(true);

    worker.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await server.exited).toBe(0);
  }, 240_000);
});
