import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { resolveConfig } from '../../src/config/config.js';
import type { DbCaps } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import type { JobRecord, JobRunRecord } from '../../src/domain/pipelines/job-records.js';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { isTerminalJobRunState } from '../../src/domain/pipelines/run-states.js';
import { createPipelines, taskTypeDeps } from '../../src/worker/create-pipelines.js';
import type { Pipelines, PipelinesDeps } from '../../src/worker/create-pipelines.js';
import { createServices } from '../../src/services/services.js';
import type { Services } from '../../src/services/services.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface Harness extends Pipelines {
  services: Services;
  projectDir: string;
  dataDir: string;
  /** Writes a file into the project folder. */
  write(name: string, content: string): void;
  /** Validates the YAML (failing loudly on problems) and deploys its jobs. */
  deploy(yaml: string): Promise<Record<string, JobRecord>>;
  /** Another runner process over the same store and project (a restarted server). */
  another(opts?: Partial<PipelinesDeps>): Pipelines;
  close(): Promise<void>;
}

export async function createHarness(store: { db: Kysely<Database>; caps: DbCaps; uri: string }, opts: Partial<PipelinesDeps> = {}): Promise<Harness> {
  const projectDir = mkdtempSync(join(tmpdir(), 'modelyard-project-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-data-'));
  const config = resolveConfig([{ dataDir, backendStoreUri: store.uri, logLevel: 'silent' }]);
  const logger = silentLogger();
  const services = await createServices({ db: store.db, caps: store.caps, config, logger });
  const make = (extra: Partial<PipelinesDeps>) =>
    createPipelines({
      db: store.db,
      caps: store.caps,
      experiments: services.experiments,
      runs: services.runs,
      logger,
      dataDir,
      trackingUri: () => 'http://127.0.0.1:5999',
      taskTypes: taskTypeDeps({ db: store.db, caps: store.caps, ...services }),
      ...opts,
      ...extra,
    });
  const main = make({});
  const others: Pipelines[] = [];
  return {
    ...main,
    services,
    projectDir,
    dataDir,
    write: (name, content) => writeFileSync(join(projectDir, name), content),
    async deploy(yaml) {
      const loaded = loadProject(yaml);
      if (!loaded.spec) throw new Error(`invalid test project: ${JSON.stringify(loaded.problems, null, 1)}`);
      const jobs = await main.jobs.deploy(loaded.spec, projectDir);
      return Object.fromEntries(jobs.map((j) => [j.jobKey, j]));
    },
    another(extra = {}) {
      const p = make(extra);
      others.push(p);
      return p;
    },
    async close() {
      for (const p of [main, ...others]) await p.runner.stop();
      rmSync(projectDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls the store until the run has ended (the runner that drives it may be any process). */
export async function waitForRunEnd(p: Pipelines, jobRunId: number, timeoutMs = 20_000): Promise<JobRunRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { run } = await p.jobs.getRun(jobRunId);
    if (isTerminalJobRunState(run.state) && !p.runner.isDriving(jobRunId)) return run;
    if (Date.now() > until) throw new Error(`job run ${jobRunId} still ${run.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
