import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import type { ProjectSpec } from '../../src/domain/pipelines/project-model.js';
import { runQueueWorker } from '../../src/worker/pg-queue/queue-worker.js';
import type { QueueWorker } from '../../src/worker/pg-queue/queue-worker.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { queueDatabase } from '../pipelines/pg-queue-fixtures.js';

// Security: "parameters never become shell syntax". A job parameter is set by whoever may call
// run-now, so its value must reach a command string as one literal word. Each case below sends a
// value shaped like one kind of shell injection through POST /api/v1/jobs/run-now to a job whose
// command string is `printf '[%s]\n' hello {{job.parameters.who}}`, then asserts that the command
// printed the value, whole and literal, as one argument, and that the injected command did not
// run (its marker file does not exist).

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SAY = `printf '[%s]\\n' hello {{job.parameters.who}}`;

/** Each injection shape, as a value that would create `marker` if the shell read it as syntax. */
const INJECTIONS: Array<[string, (marker: string) => string]> = [
  ['; command list', (m) => `x; touch ${m}`],
  ['&& and-list', (m) => `x && touch ${m}`],
  ['| pipe', (m) => `x | touch ${m}`],
  ['$(…) command substitution', (m) => `$(touch ${m})`],
  ['`…` backquotes', (m) => `\`touch ${m}\``],
  ['newline', (m) => `x\ntouch ${m}`],
  ["' single quotes", (m) => `it's'; touch ${m}; echo '`],
  ['" double quotes', (m) => `x"; touch ${m}; echo "`],
  ['> redirection', (m) => `x > ${m}`],
  // No side effect to look for: a glob would print the project's file names instead of `*`.
  ['* glob', () => '*'],
];

interface Api {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json>;
  /** Runs the job now with these parameters and returns the ended run. */
  runToEnd(jobId: number, params?: Record<string, string>): Promise<Json>;
  stdout(runId: number, taskKey: string): Promise<string>;
}

function api(server: () => TestServer): Api {
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${server().url}/api/v1/jobs${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-modelyard-user': 'mallory' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as Json;
  };
  return {
    call,
    async runToEnd(jobId, params) {
      const started = await call('POST', '/run-now', { job_id: jobId, ...(params ? { job_parameters: params } : {}) });
      if (typeof started.run_id !== 'number') throw new Error(`run-now failed: ${JSON.stringify(started)}`);
      for (let i = 0; i < 600; i++) {
        const run = await call('GET', `/runs/get?run_id=${started.run_id}`);
        if (!['QUEUED', 'RUNNING', 'PENDING'].includes(run.state as string)) return run;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job run ${started.run_id} did not end`);
    },
    async stdout(runId, taskKey) {
      return (await call('GET', `/runs/logs?run_id=${runId}&task_key=${taskKey}`)).text ?? '';
    },
  };
}

/** A project folder with a few files, so that an unquoted `*` would visibly expand. */
function projectFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-injection-project-'));
  for (const f of ['a.txt', 'b.txt', 'train.py']) writeFileSync(join(dir, f), '');
  return dir;
}

function project(yaml: string): ProjectSpec {
  const loaded = loadProject(yaml);
  if (!loaded.spec) throw new Error(`invalid test project: ${JSON.stringify(loaded.problems)}`);
  return loaded.spec;
}

describe('job parameters never become shell syntax (local process pool, over HTTP)', () => {
  let server: TestServer;
  let projectDir: string;
  let markers: string;
  let jobs: Record<string, number>;
  const http = api(() => server);

  beforeAll(async () => {
    server = await startTestServer();
    projectDir = projectFolder();
    markers = mkdtempSync(join(tmpdir(), 'modelyard-injection-markers-'));
    const deployed = await server.services.pipelines.jobs.deploy(
      project(`
project: { name: injection }
jobs:
  say:
    parameters: [{ name: who, default: world }]
    tasks:
      - { task_key: say, command_task: { command: ${JSON.stringify(SAY)} } }
  named:
    name: ${JSON.stringify(`nightly; touch ${join(markers, 'job-name')}`)}
    tasks:
      - { task_key: say, command_task: { command: "printf '[%s]\\\\n' {{job.name}} {{job.run_id}} {{task.name}}" } }
  raw:
    parameters: [{ name: who, default: world }]
    tasks:
      - task_key: argv
        command_task: { command: [printf, "[%s]\\n", "{{job.parameters.who}}"] }
      - task_key: env
        command_task: { command: "printf '[%s]\\\\n' \\"$WHO\\"", env: { WHO: "{{job.parameters.who}}" } }
`),
      projectDir,
    );
    jobs = Object.fromEntries(deployed.map((j) => [j.jobKey, j.jobId]));
  });

  afterAll(async () => {
    await server?.close();
    for (const d of [projectDir, markers]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it.each(INJECTIONS)('%s: printed literally as one word, nothing else ran', async (name, shape) => {
    const marker = join(markers, name.replace(/[^a-z]+/gi, '-'));
    const value = shape(marker);
    const run = await http.runToEnd(jobs.say!, { who: value });
    expect(run.state, JSON.stringify(run.tasks)).toBe('SUCCESS');
    expect(await http.stdout(run.run_id as number, 'say')).toBe(`[hello]\n[${value}]\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('quotes dynamic values too: a job name shaped like an injection prints literally', async () => {
    const run = await http.runToEnd(jobs.named!);
    expect(run.state, JSON.stringify(run.tasks)).toBe('SUCCESS');
    expect(await http.stdout(run.run_id as number, 'say')).toBe(`[nightly; touch ${join(markers, 'job-name')}]\n[${run.run_id}]\n[say]\n`);
    expect(existsSync(join(markers, 'job-name'))).toBe(false);
  });

  it('gives argv elements and env values the raw value: no shell reads them, so no quotes are added', async () => {
    const value = `it's "$(x)" \`y\` *; z`;
    const run = await http.runToEnd(jobs.raw!, { who: value });
    expect(run.state, JSON.stringify(run.tasks)).toBe('SUCCESS');
    expect(await http.stdout(run.run_id as number, 'argv')).toBe(`[${value}]\n`);
    expect(await http.stdout(run.run_id as number, 'env')).toBe(`[${value}]\n`);
  });

  it('refuses to run a command string that puts a reference inside quotes, when a definition skipped validation', async () => {
    // `validate` and deploy report this placement (shell-references.test.ts); a definition built in
    // code, or deployed before the check existed, reaches the runner anyway.
    const spec = project(`
project: { name: legacy }
jobs:
  quoted:
    parameters: [{ name: who, default: world }]
    tasks:
      - { task_key: say, command_task: { command: "printf '[%s]' hello" } }
`);
    const task = spec.jobs.quoted!.tasks[0]!;
    if (task.type !== 'command') throw new Error('expected a command task');
    task.command.command = `printf '[%s]\\n' "{{job.parameters.who}}"`;
    const [job] = await server.services.pipelines.jobs.deploy(spec, projectDir);
    const marker = join(markers, 'legacy');
    const run = await http.runToEnd(job!.jobId, { who: `$(touch ${marker})` });
    expect(run.state).toBe('FAILED');
    expect(run.tasks[0].state_message).toContain('the command was not run: {{job.parameters.who}} is inside double quotes in a command string');
    expect(existsSync(marker)).toBe(false);
  });
});

const skipWhy = postgresUnavailableReason();

describe.skipIf(skipWhy !== undefined)(`job parameters never become shell syntax (PostgreSQL queue worker)${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  let queue: TestDatabase;
  let server: TestServer;
  let worker: QueueWorker;
  let projectDir: string;
  let markers: string;
  let jobId: number;
  const http = api(() => server);

  beforeAll(async () => {
    queue = await queueDatabase('shell_injection');
    server = await startTestServer({ config: { taskQueueUri: queue.uri } });
    worker = await runQueueWorker({ connectionString: queue.uri, concurrency: 1, pollIntervalMs: 200, workerId: 'injection' });
    projectDir = projectFolder();
    markers = mkdtempSync(join(tmpdir(), 'modelyard-injection-markers-'));
    const [job] = await server.services.pipelines.jobs.deploy(
      project(`
project: { name: injection-queue }
jobs:
  say:
    parameters: [{ name: who, default: world }]
    tasks:
      - { task_key: say, command_task: { command: ${JSON.stringify(SAY)} } }
`),
      projectDir,
    );
    jobId = job!.jobId;
  });

  afterAll(async () => {
    await worker?.stop();
    await server?.close();
    await queue?.drop();
    for (const d of [projectDir, markers]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it.each([INJECTIONS[0]!, INJECTIONS[3]!, INJECTIONS[6]!])('%s: the worker prints it literally as one word, nothing else ran', async (name, shape) => {
    const marker = join(markers, name.replace(/[^a-z]+/gi, '-'));
    const value = shape(marker);
    const run = await http.runToEnd(jobId, { who: value });
    expect(run.state, JSON.stringify(run.tasks)).toBe('SUCCESS');
    expect(JSON.stringify(run.tasks)).toContain('pg-queue');
    expect(await http.stdout(run.run_id as number, 'say')).toBe(`[hello]\n[${value}]\n`);
    expect(existsSync(marker)).toBe(false);
  });
});
