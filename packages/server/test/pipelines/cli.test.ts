import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { connect } from '../../src/db/connect.js';
import { parseStoreUri } from '../../src/db/store-uri.js';
import { createServices } from '../../src/services/services.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createPipelines } from '../../src/worker/create-pipelines.js';
import { processAlive, waitForRunEnd, waitUntil } from './pipeline-harness.js';
import { TASK_SCRIPTS } from './task-scripts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
// Absolute, because the CLI runs with the temp project folder as its working directory.
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

function modelyard(args: string[], cwd: string) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX_LOADER, join(ROOT, 'packages/server/src/main.ts'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((r) =>
    child.once('close', (code, signal) => r({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

describe('modelyard validate / run / jobs (the real CLI)', () => {
  let dir: string;
  let storeArgs: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-cli-'));
    for (const [name, text] of Object.entries(TASK_SCRIPTS)) writeFileSync(join(dir, name), text);
    storeArgs = ['--backend-store-uri', `sqlite:///${join(dir, 'store.db')}`, '--data-dir', join(dir, 'data')];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate reports every problem with file, line and YAML path, and exits 1', async () => {
    writeFileSync(
      join(dir, 'broken.yaml'),
      'project: { name: p }\njobs:\n  j:\n    schedule: { cron: "61 * * * *" }\n    tasks:\n      - task_key: a\n        depends_on: [{ task_key: b }]\n        command_task: { command: [x] }\n      - task_key: b\n        depends_on: [{ task_key: a }]\n        command_task: { command: [x] }\n',
    );
    const r = await modelyard(['validate', '-f', 'broken.yaml'], dir).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("broken.yaml:4:23 jobs.j.schedule.cron: bad cron expression '61 * * * *'");
    expect(r.stderr).toContain('broken.yaml:7:34 jobs.j.tasks[0].depends_on[0].task_key: cycle in depends_on: a → b → a');
    expect(r.stderr).toContain('broken.yaml: 2 problem(s)');
  }, 60_000);

  it('run streams task states and exits 0; jobs show and logs read the store', async () => {
    writeFileSync(
      join(dir, 'modelyard.yaml'),
      `project: { name: cli }\njobs:\n  hello:\n    parameters: [{ name: alpha, default: "1" }]\n    tasks:\n      - { task_key: first, command_task: { command: [node, record.js, "0", "{{job.parameters.alpha}}"] } }\n      - { task_key: second, depends_on: [{ task_key: first }], command_task: { command: "echo second saw $MODELYARD_PARAM_ALPHA" } }\n`,
    );
    const r = await modelyard(['run', 'hello', '--param', 'alpha=7', ...storeArgs], dir).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^job run 1 of cli\/hello: (QUEUED|RUNNING)\n/);
    expect(r.stdout).toMatch(/first +SUCCESS \(attempt 1\)/);
    expect(r.stdout).toMatch(/second +SUCCESS \(attempt 1\)/);
    expect(r.stdout).toMatch(/job run 1 SUCCESS in \d+\.\ds\nMLflow run [0-9a-f]{32} \(experiment \d+\)\n$/);
    const logs = await modelyard(['jobs', 'logs', '1', 'second', ...storeArgs], dir).done;
    expect(logs.stdout).toBe('second saw 7\n');
    const show = await modelyard(['jobs', 'show', '1', ...storeArgs], dir).done;
    expect(show.stdout).toMatch(/job run 1: cli\/hello — SUCCESS/);
    expect(show.stdout).toMatch(/parameters \{"alpha":"7"\}/);
    const bad = await modelyard(['run', 'nope', ...storeArgs], dir).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("modelyard: project cli has no job 'nope' (jobs: hello)\n");
  }, 60_000);

  it('after the runner is SIGKILLed mid-task, a new runner finishes the run with each task done exactly once', async () => {
    writeFileSync(
      join(dir, 'crash.yaml'),
      `project: { name: crash }\njobs:\n  long:\n    tasks:\n      - { task_key: before, command_task: { command: [node, record.js, "0"] } }\n      - task_key: slow\n        depends_on: [{ task_key: before }]\n        max_retries: 1\n        command_task: { command: "node spawn-tree.js slow-pids.json" }\n`,
    );
    // Attempt 2 of `slow` (after recovery) must end quickly: swap in a finishing script once attempt 1 is up.
    const cli = modelyard(['run', 'long', '-f', 'crash.yaml', ...storeArgs], dir);
    await waitUntil(() => existsSync(join(dir, 'slow-pids.json')), 30_000);
    const orphan = JSON.parse(readFileSync(join(dir, 'slow-pids.json'), 'utf8')) as { parent: number; child: number };
    cli.child.kill('SIGKILL');
    expect((await cli.done).signal).toBe('SIGKILL');
    // The task process outlived its runner (it is in its own process group).
    expect(processAlive(orphan.parent)).toBe(true);
    writeFileSync(join(dir, 'spawn-tree.js'), TASK_SCRIPTS['record.js']!);

    const db = connect(parseStoreUri(`sqlite:///${join(dir, 'store.db')}`));
    const config = resolveConfig([{ dataDir: join(dir, 'data'), backendStoreUri: `sqlite:///${join(dir, 'store.db')}` }]);
    const services = await createServices({ db: db.db, caps: db.caps, config, logger: silentLogger() });
    const restarted = createPipelines({
      db: db.db,
      caps: db.caps,
      experiments: services.experiments,
      runs: services.runs,
      logger: silentLogger(),
      dataDir: config.dataDir,
      trackingUri: () => undefined,
      runner: { staleAfterMs: 1500 },
    });
    try {
      let recovered = 0;
      await waitUntil(async () => (recovered += await restarted.runner.recoverStale()) > 0, 10_000);
      const [run] = await restarted.jobs.listRuns({ limit: 1 });
      const ended = await waitForRunEnd(restarted, run!.jobRunId);
      expect(ended.state).toBe('SUCCESS');
      await waitUntil(() => !processAlive(orphan.parent) && !processAlive(orphan.child));
      const { attempts } = await restarted.jobs.getRun(run!.jobRunId);
      expect(attempts.map((a) => [a.taskKey, a.attemptNumber, a.trigger, a.state])).toEqual([
        ['before', 1, 'INITIAL', 'SUCCESS'],
        ['slow', 1, 'INITIAL', 'LOST'],
        ['slow', 2, 'RECOVERY', 'SUCCESS'],
      ]);
      const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task: string; jobRunId: string });
      const mine = events.filter((e) => e.jobRunId === String(run!.jobRunId)).map((e) => e.task);
      expect(mine.sort()).toEqual(['before', 'slow']);
    } finally {
      await restarted.runner.stop();
      await db.close();
    }
  }, 90_000);
});
