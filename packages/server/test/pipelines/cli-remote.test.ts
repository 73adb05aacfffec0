import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, stopGracefully } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI in `cwd`, with MLFLOW_TRACKING_URI naming the server and none of the developer's MODELYARD_* settings. */
function modelyard(args: string[], cwd: string, trackingUri: string): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', MLFLOW_TRACKING_URI: trackingUri };
  for (const k of Object.keys(env)) if (k.startsWith('MODELYARD_')) delete env[k];
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX_LOADER, join(ROOT, 'packages/server/src/main.ts'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}

const PROJECT = `project: { name: remote }
sync:
  exclude: [secret.txt]
jobs:
  hello:
    parameters: [{ name: alpha, default: "1" }]
    tasks:
      - { task_key: first, command_task: { command: [node, hello.js, "{{job.parameters.alpha}}"] } }
      - { task_key: second, depends_on: [{ task_key: first }], command_task: { command: [node, check.js] } }
`;

/**
 * Issue 22's first check: every client command from a folder that is not the repository, against
 * a server process started elsewhere, over a real port; nothing appears in that folder.
 */
describe('the CLI from any folder, against a remote server', () => {
  let base: string;
  let here: string;
  let project: string;
  let server: ServerProcess;
  let cli: (...args: string[]) => Promise<Ran>;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'modelyard-remote-cli-'));
    here = join(base, 'somewhere-else');
    project = join(base, 'project');
    for (const d of [here, project, join(base, 'server'), join(project, 'out')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(project, 'modelyard.yaml'), PROJECT);
    writeFileSync(join(project, '.gitignore'), 'out/\n');
    writeFileSync(join(project, 'secret.txt'), 'never packed');
    writeFileSync(join(project, 'out', 'old.csv'), 'never packed');
    const fs = "const fs = require('node:fs');";
    writeFileSync(join(project, 'hello.js'), `${fs} console.log('hello v1 ' + process.argv[2] + ' secret=' + fs.existsSync('secret.txt') + ' out=' + fs.existsSync('out') + ' bundle=' + (process.cwd() === process.env.MODELYARD_PROJECT_DIR && process.cwd().includes('bundle-cache')));`);
    writeFileSync(join(project, 'check.js'), `console.error('not fixed yet'); process.exit(3);`);
    server = await startServerProcess(`sqlite:///${join(base, 'server', 'store.db')}`, join(base, 'server', 'data'));
    cli = (...args) => modelyard(args, here, server.url);
  }, 120_000);

  afterAll(async () => {
    if (server) await stopGracefully(server.child);
    rmSync(base, { recursive: true, force: true });
  });

  it('deploys, runs, inspects, repairs with the latest bundle and destroys, leaving the current folder empty', async () => {
    const file = ['-f', join(project, 'modelyard.yaml')];
    const deployed = await cli('deploy', ...file);
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toMatch(/^bundle [0-9a-f]{12} \(4 files, \d+ bytes\) uploaded to http:\/\/127\.0\.0\.1:\d+\n/);
    expect(deployed.stdout).toContain('created   job hello (job 1)\n');
    expect(deployed.stdout).toContain('deployed remote: 1 created, 0 updated, 0 removed, 0 unchanged\n');
    const again = await cli('jobs', 'deploy', ...file);
    expect(again.stdout).toContain(' already on http://');
    expect(again.stdout).toContain('deployed remote: 0 created, 0 updated, 0 removed, 1 unchanged\n');

    const list = await cli('jobs', 'list');
    expect(list.stdout).toMatch(/\n1 +remote +hello +- +2 +- +[0-9a-f]{12}\n$/);

    const run = await cli('run', 'hello', ...file, '--param', 'alpha=7');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/job run 1 of remote\/hello: (QUEUED|RUNNING)\n/);
    expect(run.stdout).toMatch(/second +FAILED \(attempt 1\): exited with code 3: not fixed yet/);
    expect(run.stdout).toMatch(/job run 1 FAILED/);
    expect((await cli('jobs', 'logs', '1', 'first')).stdout).toBe('hello v1 7 secret=false out=false bundle=true\n');
    expect((await cli('jobs', 'logs', '1', 'second', '--stderr')).stdout).toBe('not fixed yet\n');
    expect((await cli('jobs', 'show', '1')).stdout).toMatch(/^job run 1: remote\/hello — FAILED[^\n]*\ntrigger MANUAL[^\n]*\nparameters \{"alpha":"7"\}\nbundle [0-9a-f]{64}\n/);
    expect((await cli('jobs', 'runs', 'hello')).stdout).toMatch(/\n1 +hello +FAILED +MANUAL/);

    // A fix, deployed: a plain repair still runs the run's own bundle; --latest runs the fix.
    writeFileSync(join(project, 'check.js'), `console.log('fixed');`);
    expect((await cli('deploy', ...file)).stdout).toContain('updated   job hello (job 1)\n');
    const ownBundle = await cli('jobs', 'repair', '1');
    expect(ownBundle.code).toBe(1);
    expect(ownBundle.stdout).toMatch(/job run 1 FAILED/);
    const latest = await cli('jobs', 'repair', '1', '--latest');
    expect(latest.code, latest.stdout + latest.stderr).toBe(0);
    expect(latest.stdout).toContain("repairing job run 1 (repair 2) with the job's latest bundle\n");
    expect(latest.stdout).toMatch(/job run 1 SUCCESS/);
    expect((await cli('jobs', 'logs', '1', 'second')).stdout).toBe('fixed\n');

    const traces = await cli('traces', '--job-run', '1');
    expect(traces.code, traces.stderr).toBe(0);
    const runs = JSON.parse((await cli('jobs', 'runs', '--json')).stdout) as Array<{ runId: number; state: string }>;
    expect(runs.map((r) => [r.runId, r.state])).toEqual([[1, 'SUCCESS']]);

    const cancel = await cli('jobs', 'cancel', '1');
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^modelyard: http:\/\/127\.0\.0\.1:\d+: job run 1 is already SUCCESS[^\n]*\(INVALID_STATE\)\n$/);
    const unknown = await cli('jobs', 'show', '99');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^modelyard: [^\n]*job run 99 does not exist[^\n]*\n$/);

    const destroyed = await cli('destroy', ...file);
    expect(destroyed.stdout).toBe('removed   job hello (job 1)\ndestroyed remote: 0 created, 0 updated, 1 removed, 0 unchanged\n');
    expect((await cli('jobs', 'list')).stdout).toBe('JOB_ID  PROJECT  JOB  TARGET  TASKS  SCHEDULE  BUNDLE\n');

    expect(readdirSync(here)).toEqual([]);
    expect(existsSync(join(project, '.modelyard'))).toBe(false);
  }, 240_000);

  it('a server that cannot be reached is one line naming it, and still nothing is written here', async () => {
    const r = await modelyard(['jobs', 'runs'], here, 'http://127.0.0.1:9');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^modelyard: cannot reach http:\/\/127\.0\.0\.1:9: [^\n]+\n$/);
    const run = await modelyard(['run', 'hello', '-f', join(project, 'modelyard.yaml')], here, 'http://127.0.0.1:9');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^modelyard: cannot reach http:\/\/127\.0\.0\.1:9: [^\n]+; start one with modelyard server, or run the job here with --local\n$/);
    expect(readdirSync(here)).toEqual([]);
  }, 60_000);
});
