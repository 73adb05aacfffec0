import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Client } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
/** A fast slice of the examples' own unit tests stands in for the repository's whole `npm test`. */
const UNIT_TESTS = 'npx vitest run examples/diabetes-classification/src/split.test.ts examples/diabetes-regression/src/cleanse.test.ts';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

/**
 * The pull-request half of the generated workflows, executed as the CI runner would: each `run`
 * step in order with `bash -eo pipefail` (GitHub's default shell), from the root of a repository
 * that holds a copy of examples/, stopping at the first failure except for `if: always()` steps.
 * What differs from a runner, and why:
 * - `uses:` steps (checkout, setup-node) have nothing to do here: the copy is the checkout, and
 *   this Node runs;
 * - the install step (`npm ci`) would need the npm registry: the repository's node_modules is
 *   linked in instead;
 * - `npx modelyard` runs the CLI from its TypeScript sources (a build is not part of `npm test`),
 *   through a `modelyard` wrapper on PATH;
 * - `${{ runner.temp }}` is a scratch folder.
 * The release half runs against a real server started by the test: `modelyard deploy -t staging`
 * of the copy, the staging runs (on the server, from the bundle), the transition request, then
 * the approval check (failing, then passing once approved) and `modelyard deploy -t prod`.
 */
describe('modelyard ci init', () => {
  let work: string;
  let bin: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'modelyard-ci-'));
    bin = join(work, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'modelyard'), `#!/bin/sh\nexec "${process.execPath}" --conditions=source --import "${TSX}" "${join(ROOT, 'packages/server/src/main.ts')}" "$@"\n`);
    chmodSync(join(bin, 'modelyard'), 0o755);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A repository holding a copy of examples/ (without its outputs), as a checkout would. */
  function makeRepo(name: string): string {
    const repo = join(work, name);
    mkdirSync(repo);
    cpSync(join(ROOT, 'examples'), join(repo, 'examples'), { recursive: true, filter: (src) => !src.includes(`${join(ROOT, 'examples', 'out')}`) && !src.includes('node_modules') });
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'ci-copy', private: true, type: 'module' }));
    cpSync(join(ROOT, 'tsconfig.base.json'), join(repo, 'tsconfig.base.json'));
    // The repository's vitest settings that matter for the examples: workspace packages from source.
    writeFileSync(join(repo, 'vitest.config.ts'), "export default { resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] }, ssr: { resolve: { conditions: ['source', 'node'], externalConditions: ['source'] } } };\n");
    return repo;
  }

  function env(): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    for (const k of Object.keys(e)) if (k.startsWith('MODELYARD_') || k.startsWith('MLFLOW_')) delete e[k];
    delete e.NODE_OPTIONS;
    return e;
  }

  function bash(script: string, cwd: string, extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
    return new Promise((done) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env: { ...env(), ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => done({ code, output }));
    });
  }

  async function init(repo: string, provider: string): Promise<string> {
    const r = await bash(`modelyard ci init ${provider} -f examples/modelyard.yaml --test '${UNIT_TESTS}' --stdout`, repo);
    expect(r.code, r.output).toBe(0);
    return r.output;
  }

  /** Runs the validate job's steps as the runner does; returns each step's outcome. */
  async function runValidation(repo: string, workflow: string): Promise<Array<{ id: string; code: number | null; output: string }>> {
    const job = (YAML.parse(workflow) as { jobs: { validate: { steps: Step[] } } }).jobs.validate;
    const runnerTemp = join(repo, '.runner-temp');
    mkdirSync(runnerTemp, { recursive: true });
    const stepEnv = (step: Step) => Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, v.replaceAll('${{ runner.temp }}', runnerTemp)]));
    const outcomes: Array<{ id: string; code: number | null; output: string }> = [];
    let failed = false;
    for (const step of job.steps) {
      if (step.uses || !step.run) continue;
      if (step.id === 'install') {
        outcomes.push({ id: 'install', code: 0, output: 'node_modules linked' });
        continue;
      }
      if (failed && step.if !== 'always()') continue;
      expect(step.run, 'an expression left in a script would need GitHub to expand it').not.toContain('${{');
      const r = await bash(step.run.replace(/\bnpx modelyard\b/g, 'modelyard'), repo, { ...stepEnv(step), GITHUB_STEP_SUMMARY: join(runnerTemp, 'step-summary.md') });
      outcomes.push({ id: step.id ?? step.name ?? '?', ...r });
      if (r.code !== 0) failed = true;
    }
    return outcomes;
  }

  const failedStep = (outcomes: Array<{ id: string; code: number | null }>) => outcomes.find((o) => o.code !== 0)?.id;

  it('writes a GitHub workflow that @actions/workflow-parser accepts, whose pull-request steps pass on the examples', async () => {
    const repo = makeRepo('passing');
    const workflow = await init(repo, 'github');
    const parsed = parseWorkflow({ name: 'modelyard.yml', content: workflow }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['validate', 'staging', 'production']);

    const outcomes = await runValidation(repo, workflow);
    expect(outcomes.map((o) => o.id)).toEqual(['install', 'unit-tests', 'validate', 'run-classification', 'run-regression', 'summary', 'publish-summary']);
    for (const o of outcomes) expect(o.code, `${o.id}\n${o.output}`).toBe(0);
    const summary = readFileSync(join(repo, 'modelyard-summary.md'), 'utf8');
    expect(summary).toMatch(/\| classification \| \d+ \| ✅ SUCCESS \|/);
    expect(summary).toMatch(/\| regression \| \d+ \| ✅ SUCCESS \|/);
    expect(summary).toContain('**gate**: passed');
    // The toy datasets: each job's evaluation reads a holdout of a few dozen rows.
    expect(summary).toMatch(/\*\*evaluate\*\* on 40 rows/);

    // The release half: deploy to staging, evaluate there, request Production; production waits for approval.
    const jobs = (YAML.parse(workflow) as { jobs: Record<string, { environment?: string; steps: Step[] }> }).jobs;
    const release = jobs.staging!.steps.map((s) => s.run ?? '').join('\n');
    expect(release).toContain('npx modelyard deploy -f examples/modelyard.yaml -t staging');
    expect(release).toContain('npx modelyard run classification -f examples/modelyard.yaml -t staging');
    expect(release).toContain('npx modelyard ci request-production diabetes-classifier diabetes-regressor --alias candidate');
    expect(jobs.production!.environment).toBe('production');
    expect(jobs.production!.steps.map((st) => st.run ?? '')).toContain('npx modelyard ci check-production diabetes-classifier diabetes-regressor --alias candidate');
    expect(jobs.production!.steps.at(-1)!.run).toBe('npx modelyard deploy -f examples/modelyard.yaml -t prod');
  }, 300_000);

  it('fails the build when the training script is broken, and still publishes the summary', async () => {
    const repo = makeRepo('broken-training');
    const cli = join(repo, 'examples/diabetes-classification/src/cli.ts');
    writeFileSync(cli, `throw new Error('broken on purpose');\n${readFileSync(cli, 'utf8')}`);
    const outcomes = await runValidation(repo, await init(repo, 'github'));
    expect(failedStep(outcomes)).toBe('run-classification');
    expect(outcomes.find((o) => o.id === 'run-classification')!.output).toMatch(/train\s+FAILED/);
    expect(outcomes.slice(-2)).toMatchObject([{ id: 'summary', code: 0 }, { id: 'publish-summary', code: 0 }]);
    expect(readFileSync(join(repo, 'modelyard-summary.md'), 'utf8')).toMatch(/\| classification \| \d+ \| ❌ FAILED \|/);
  }, 300_000);

  it('fails the build when the gate fails', async () => {
    const repo = makeRepo('gate-failing');
    const project = join(repo, 'examples/modelyard.yaml');
    writeFileSync(project, readFileSync(project, 'utf8').replace('challenger.roc_auc >= 0.75', 'challenger.roc_auc >= 0.999'));
    const outcomes = await runValidation(repo, await init(repo, 'github'));
    expect(failedStep(outcomes)).toBe('run-classification');
    expect(outcomes.find((o) => o.id === 'run-classification')!.output).toMatch(/gate\s+FAILED.*challenger\.roc_auc >= 0\.999/);
    expect(outcomes.find((o) => o.id === 'run-classification')!.output).toMatch(/promote\s+UPSTREAM_FAILED/);
  }, 300_000);

  /**
   * The job's steps after the merge, as the runner runs them: `env:` of the job with its
   * expressions filled in (the server's URL, the commit), each `run` step in order.
   */
  async function runReleaseJob(repo: string, job: { steps: Step[] }, serverEnv: NodeJS.ProcessEnv): Promise<Array<{ name: string; code: number | null; output: string }>> {
    const outcomes: Array<{ name: string; code: number | null; output: string }> = [];
    for (const step of job.steps) {
      if (step.uses || !step.run || step.name === 'Install dependencies') continue;
      const r = await bash(step.run.replace(/\bnpx modelyard\b/g, 'modelyard'), repo, serverEnv);
      outcomes.push({ name: step.name ?? '?', ...r });
      if (r.code !== 0) break;
    }
    return outcomes;
  }

  it('runs the release half against a real server: deploy to staging, the staging runs, the Production request, then after approval deploy to prod', async () => {
    const repo = makeRepo('release');
    // The server unpacks bundles in its data folder and runs the tasks there: the examples' train
    // tasks (node --import tsx …) need the project's dependencies, so the data folder lies in a
    // checkout with them installed, as on a server machine set up per docs/ci.md.
    const server = await startTestServer({ config: { dataDir: join(repo, '.modelyard-server') } });
    try {
      const workflow = YAML.parse(await init(repo, 'github')) as { jobs: Record<string, { env: Record<string, string>; steps: Step[] }> };
      const { staging, production } = workflow.jobs as { staging: { env: Record<string, string>; steps: Step[] }; production: { env: Record<string, string>; steps: Step[] } };
      expect(Object.keys(staging.env).sort()).toEqual(['GIT_SHA', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_URI', 'MODELYARD_USER']);
      const serverEnv = { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: '', MODELYARD_USER: 'ci-octocat', GIT_SHA: 'abc123' };
      const client = new Client({ trackingUri: server.url, maxRetries: 0 });

      const staged = await runReleaseJob(repo, staging, serverEnv);
      for (const o of staged) expect(o.code, `${o.name}\n${o.output}`).toBe(0);
      const out = staged.map((o) => o.output).join('\n');
      expect(out).toMatch(/created\s+job classification/);
      expect(out).toMatch(/promote\s+SUCCESS/);
      // A first release: no champion yet, so each gate passes and each model has a @candidate in Staging.
      const candidates: Record<string, string> = {};
      for (const name of ['diabetes-classifier', 'diabetes-regressor']) {
        const version = (await client.registry.getRegisteredModel(name)).aliases.candidate;
        expect(version, name).toBeDefined();
        candidates[name] = version!;
        expect((await client.registry.getModelVersion(name, version!)).currentStage).toBe('Staging');
        expect(out).toContain(`requested ${name} version ${version} → Production`);
        const [open] = await client.registryGovernance.listTransitionRequests(name, version!);
        expect(open).toMatchObject({ toStage: 'Production', comment: 'CI abc123: passed the staging gate' });
      }
      // The jobs deployed for staging are the staging target's, run from the bundle on the server.
      const deployed = await client.jobs.listJobs();
      expect(deployed.filter((j) => j.target === 'staging').map((j) => j.jobKey).sort()).toEqual(['classification', 'nightly-scoring', 'regression']);

      // Held until approved: the check fails, naming what to approve, and nothing reaches prod.
      const waiting = await runReleaseJob(repo, production, serverEnv);
      expect(waiting.map((o) => [o.name, o.code])).toEqual([['Check the transition requests were approved', 1]]);
      expect(waiting[0]!.output).toContain(`diabetes-classifier version ${candidates['diabetes-classifier']} is in Staging, not Production: approve its request`);
      expect((await client.jobs.listJobs()).some((j) => j.target === 'prod')).toBe(false);

      for (const [name, version] of Object.entries(candidates)) await client.registryGovernance.approveTransitionRequest(name, version, 'Production');
      const released = await runReleaseJob(repo, production, serverEnv);
      expect(released.map((o) => o.name)).toEqual(['Check the transition requests were approved', 'Make the approved versions the champions', 'Deploy to production']);
      for (const o of released) expect(o.code, `${o.name}\n${o.output}`).toBe(0);
      expect(released[0]!.output).toContain(`diabetes-classifier version ${candidates['diabetes-classifier']} is in Production`);
      // The prod target's endpoints serve @champion: the approved version, not nothing.
      for (const [name, version] of Object.entries(candidates)) {
        expect((await client.registry.getRegisteredModel(name)).aliases.champion, name).toBe(version);
        expect(released[1]!.output).toContain(`${name}@champion → version ${version}`);
      }
      const prod = (await client.jobs.listJobs()).filter((j) => j.target === 'prod');
      expect(prod.map((j) => j.jobKey).sort()).toEqual(['classification', 'nightly-scoring', 'regression']);
      // The prod target unpauses the nightly scoring.
      expect(prod.find((j) => j.jobKey === 'nightly-scoring')!.schedule?.pauseStatus).toBe('UNPAUSED');
    } finally {
      await server.close();
    }
  }, 600_000);

  it('writes Azure Pipelines whose pull-request and release steps run the same commands', async () => {
    const repo = makeRepo('azure');
    const github = YAML.parse(await init(repo, 'github')) as { jobs: { validate: { steps: Step[] }; staging: { steps: Step[] }; production: { steps: Step[] } } };
    const azure = YAML.parse(await init(repo, 'azure-pipelines')) as {
      pr: unknown;
      stages: Array<{ stage: string; jobs: Array<{ steps?: Array<{ bash?: string }>; environment?: string; strategy?: { runOnce: { deploy: { steps: Array<{ bash?: string }> } } } }> }>;
    };
    expect(azure.pr).toEqual({ branches: { include: ['main'] } });
    expect(azure.stages.map((s) => s.stage)).toEqual(['validate', 'staging', 'production']);
    const azureRuns = azure.stages[0]!.jobs[0]!.steps!.filter((s) => s.bash && !s.bash.includes('##vso')).map((s) => s.bash!.replace(/^set -eo pipefail\n/, ''));
    const githubRuns = github.jobs.validate.steps.filter((s) => s.run && s.id !== 'publish-summary').map((s) => s.run!);
    expect(azureRuns).toEqual(githubRuns);
    const production = azure.stages[2]!.jobs[0]!;
    expect(production.environment).toBe('production');
    expect(production.strategy!.runOnce.deploy.steps.at(-1)!.bash).toBe('npx modelyard deploy -f examples/modelyard.yaml -t prod');
    // The release half too: the same commands as the GitHub jobs the release test runs.
    const release = (steps: Array<{ bash?: string }>) => steps.filter((s) => s.bash && s.bash !== 'npm ci').map((s) => s.bash!.replace(/^set -eo pipefail\n/, ''));
    const githubRelease = (steps: Step[]) => steps.filter((s) => s.run && s.run !== 'npm ci').map((s) => s.run!);
    expect(release(azure.stages[1]!.jobs[0]!.steps!)).toEqual(githubRelease(github.jobs.staging.steps));
    expect(release(production.strategy!.runOnce.deploy.steps)).toEqual(githubRelease(github.jobs.production.steps));
  });

  it('refuses a project without a ci target, naming what to add', async () => {
    const repo = join(work, 'no-ci');
    mkdirSync(repo);
    writeFileSync(join(repo, 'modelyard.yaml'), 'project: { name: p }\njobs:\n  j:\n    tasks:\n      - task_key: t\n        command_task: { command: [echo, hi] }\n');
    const r = await bash('modelyard ci init github', repo);
    expect(r.code).toBe(1);
    expect(r.output).toBe("modelyard: modelyard.yaml has no target 'ci': add one that runs the jobs on a toy dataset (see docs/ci.md), or name yours with --ci-target\n");
  });
});
