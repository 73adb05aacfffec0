import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../../packages/server/src/config/config.js';
import type { AttemptRecord } from '../../packages/server/src/domain/pipelines/job-records.js';
import { loadProject } from '../../packages/server/src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../packages/server/src/domain/pipelines/run-states.js';
import { startServer } from '../../packages/server/src/server-process.js';
import type { RunningServer } from '../../packages/server/src/server-process.js';
import { silentLogger } from '../../packages/server/src/telemetry/logger.js';
import { fmt, median, percentile, report } from '../lib/stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEMO_PROJECT = join(ROOT, 'examples/modelyard.yaml');

/** Sorted copy, then the median. */

async function runToEnd(server: RunningServer, yaml: string, projectDir: string, jobKey: string) {
  const loaded = loadProject(yaml);
  if (!loaded.spec) throw new Error(`bench project invalid: ${JSON.stringify(loaded.problems)}`);
  const jobs = server.services.pipelines.jobs;
  const job = (await jobs.deploy(loaded.spec, projectDir)).find((j) => j.jobKey === jobKey)!;
  const started = await jobs.runNow(job.jobId, { actor: 'bench' });
  for (;;) {
    const details = await jobs.getRun(started.jobRunId);
    if (isTerminalJobRunState(details.run.state)) {
      if (details.run.state !== 'SUCCESS') throw new Error(`bench job ${jobKey} ended ${details.run.state}: ${details.run.stateMessage}`);
      return details;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Each attempt's dispatch latency: its start minus the end of the last of its dependencies. */
function dispatchLatencies(attempts: AttemptRecord[], dependsOn: Map<string, string[]>): number[] {
  const byTask = new Map(attempts.map((a) => [a.taskKey, a]));
  const out: number[] = [];
  for (const a of attempts) {
    const deps = dependsOn.get(a.taskKey) ?? [];
    if (deps.length === 0 || a.startTime === null) continue;
    const ready = Math.max(...deps.map((d) => byTask.get(d)!.endTime!));
    out.push(a.startTime - ready);
  }
  return out;
}

/** Child-side start times (`date +%s%N` as the command's first act), in ms. */
function childStarts(file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [key, ns] = line.split(' ');
    if (key && ns) out.set(key, Number(BigInt(ns) / 1_000_000n) + Number(BigInt(ns) % 1_000_000n) / 1e6);
  }
  return out;
}

async function benchScheduler(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-pipelines-'));
  const projectDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-project-'));
  const config = resolveConfig([{ dataDir, backendStoreUri: `sqlite:///${join(dataDir, 'modelyard.db')}`, port: 0, host: '127.0.0.1', logLevel: 'silent' }]);
  const server = await startServer(config, silentLogger());
  try {
    console.log('\npipelines — scheduler (SQLite, in-process runner, local process pool of 4)');
    // A chain: every dispatch waits on exactly one finished task. The command's first act records
    // when the child is actually running, so the figure includes the spawn.
    const chainLength = 40;
    const stamp = (key: string) => `{ command: "echo ${key} $(date +%s%N) >> starts.txt" }`;
    const chainYaml = `
project: { name: bench }
jobs:
  chain:
    tasks:
${Array.from({ length: chainLength }, (_, i) => `      - { task_key: t${i}${i > 0 ? `, depends_on: [{ task_key: t${i - 1} }]` : ''}, command_task: ${stamp(`t${i}`)} }`).join('\n')}
`;
    await runToEnd(server, chainYaml, projectDir, 'chain'); // warm-up: JIT, statement caches
    rmSync(join(projectDir, 'starts.txt'), { force: true });
    const t0 = performance.now();
    const chain = await runToEnd(server, chainYaml, projectDir, 'chain');
    const chainMs = performance.now() - t0;
    const chainDeps = new Map(chain.run.definition.job.tasks.map((t) => [t.taskKey, t.dependsOn]));
    const toSpawn = dispatchLatencies(chain.attempts, chainDeps);
    const starts = childStarts(join(projectDir, 'starts.txt'));
    const byTask = new Map(chain.attempts.map((a) => [a.taskKey, a]));
    const toRunning = chain.attempts
      .filter((a) => (chainDeps.get(a.taskKey) ?? []).length > 0 && starts.has(a.taskKey))
      .map((a) => starts.get(a.taskKey)! - byTask.get(chainDeps.get(a.taskKey)![0]!)!.endTime!);

    // Fan-out/fan-in: one root, 100 no-op tasks depending on it, one task depending on all 100.
    const width = 100;
    const fanYaml = `
project: { name: bench }
jobs:
  fan:
    tasks:
      - { task_key: root, command_task: { command: [/bin/true] } }
${Array.from({ length: width }, (_, i) => `      - { task_key: w${i}, depends_on: [{ task_key: root }], command_task: { command: [/bin/true] } }`).join('\n')}
      - task_key: join
        depends_on: [${Array.from({ length: width }, (_, i) => `{ task_key: w${i} }`).join(', ')}]
        command_task: { command: [/bin/true] }
`;
    const f0 = performance.now();
    const fan = await runToEnd(server, fanYaml, projectDir, 'fan');
    const fanMs = performance.now() - f0;
    const fanDeps = new Map(fan.run.definition.job.tasks.map((t) => [t.taskKey, t.dependsOn]));
    const fanLatencies = dispatchLatencies(fan.attempts, fanDeps);
    const joinLatency = dispatchLatencies(fan.attempts, new Map([['join', fanDeps.get('join')!]])).at(0)!;
    const perTask = (fan.run.endTime! - fan.run.startTime!) / (width + 2);

    report([
      { figure: `dispatch latency, chain of ${chainLength}: deps done → spawned (median)`, value: `${fmt(median(toSpawn), 1)} ms`, target: '< 50 ms' },
      { figure: '  same, p90', value: `${fmt(percentile([...toSpawn].sort((a, b) => a - b), 90), 1)} ms` },
      { figure: '  deps done → command running (median, incl. /bin/sh start)', value: `${fmt(median(toRunning), 1)} ms` },
      { figure: `  whole chain (${chainLength} tasks)`, value: `${fmt(chainMs, 0)} ms` },
      { figure: `fan-out/fan-in, ${width + 2} no-op tasks: wall time`, value: `${fmt(fanMs, 0)} ms` },
      { figure: '  per task (run start → end / tasks)', value: `${fmt(perTask, 1)} ms` },
      { figure: '  fan-out: root done → each of 100 spawned (median; 4 slots)', value: `${fmt(median(fanLatencies), 1)} ms` },
      { figure: '  fan-in: last of 100 done → join spawned', value: `${fmt(joinLatency, 1)} ms`, target: '< 50 ms' },
    ]);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(projectDir, { recursive: true, force: true });
  }
}

/** `modelyard server --demo examples/modelyard.yaml --demo-only`, as `npm start -- --demo-only` runs it (without the build). */
function runDemoProcess(dataDir: string): Promise<{ ms: number; code: number | null; output: string }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'packages/server/src/main.ts'), 'server', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--demo', DEMO_PROJECT, '--demo-only'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  return new Promise((r) => child.once('exit', (code) => r({ ms: performance.now() - t0, code, output })));
}

async function benchDemo(): Promise<void> {
  if (!existsSync(DEMO_PROJECT)) {
    console.log('\npipelines — demo: skipped, examples/modelyard.yaml is missing');
    return;
  }
  console.log('\npipelines — the demo (examples/modelyard.yaml, fresh embedded store, process start to exit)');
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-demo-'));
  try {
    const first = await runDemoProcess(dataDir);
    const second = await runDemoProcess(dataDir);
    for (const [name, r] of [['first', first], ['second', second]] as const) {
      if (r.code !== 0) console.log(`  ${name} demo run exited ${r.code}:\n${r.output.split('\n').slice(-40).join('\n')}`);
    }
    report([
      { figure: 'first run (no champion yet)', value: `${fmt(first.ms / 1000, 1)} s`, target: '< 60 s' },
      { figure: 'second run (challenger vs champion)', value: `${fmt(second.ms / 1000, 1)} s`, target: '< 60 s' },
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchPipelines(): Promise<void> {
  await benchScheduler();
  await benchDemo();
}
