import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { JobDefinition } from '../../src/domain/pipelines/job-records.js';
import { AttemptLogReceiver } from '../../src/services/pipelines/attempt-log-receiver.js';
import { AttemptStore } from '../../src/stores/jobs/attempt-store.js';
import { JobRunStore } from '../../src/stores/jobs/job-run-store.js';
import { JobStore } from '../../src/stores/jobs/job-store.js';
import { AttemptLogShipper } from '../../src/worker/pg-queue/attempt-log-shipper.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { commandTask } from './attempt-requests.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function definition(): JobDefinition {
  return {
    projectName: 'log-shipping',
    projectDir: '/tmp/project',
    workspace: {},
    job: { key: 'ship', name: 'ship', parameters: [], tasks: [commandTask('t', ['true'])], maxConcurrentRuns: 10, queueEnabled: true, tags: {} },
  };
}

/**
 * The two halves of issue 22's log shipping without HTTP between them (the route and the worker
 * over a real port are in pg-queue-bundles.test.ts): a worker's shipper following its local files,
 * and the server's receiver writing them into the attempt's own log files.
 */
describeEachDialect('attempt log shipping', (ctx) => {
  let clock = 1_000_000;
  const now = () => clock;

  async function attempt(executor = 'pg-queue') {
    const stores = { jobs: new JobStore(ctx.db, ctx.caps), runs: new JobRunStore(ctx.db, ctx.caps), attempts: new AttemptStore(ctx.db, ctx.caps) };
    const job = await stores.jobs.upsert(definition(), 1);
    const run = (await stores.runs.create({ jobId: job.jobId, trigger: 'MANUAL', actor: 'test', parameters: {}, definition: job.definition, now: 1 }))!;
    const serverDir = mkdtempSync(join(tmpdir(), 'modelyard-log-server-'));
    dirs.push(serverDir);
    const paths = { stdoutPath: join(serverDir, 'job-runs', String(run.jobRunId), 't', 'attempt-1', 'stdout.log'), stderrPath: join(serverDir, 'job-runs', String(run.jobRunId), 't', 'attempt-1', 'stderr.log') };
    const a = (await stores.attempts.create({ jobRunId: run.jobRunId, taskKey: 't', attemptNumber: 1, trigger: 'INITIAL', executor, ...paths, now: 1 }))!;
    return { receiver: new AttemptLogReceiver(stores.attempts, now), attempts: stores.attempts, attemptId: a.attemptId, where: { jobRunId: run.jobRunId, taskKey: 't', attemptNumber: 1 }, ...paths };
  }

  it('ships a log written in pieces, in chunks, byte for byte, and a chunk re-sent after a lost answer is not written twice', async () => {
    const { receiver, where, stdoutPath, stderrPath } = await attempt();
    const local = mkdtempSync(join(tmpdir(), 'modelyard-log-worker-'));
    dirs.push(local);
    const out = join(local, 'stdout.log');
    const err = join(local, 'stderr.log');
    let lost = 0;
    const shipper = new AttemptLogShipper({
      files: [
        { path: out, stream: 'stdout' },
        { path: err, stream: 'stderr' },
      ],
      send: async (stream, offset, data) => {
        await receiver.append({ ...where, stream, offset, data });
        // Every third answer "lost": the shipper sends the same chunk again.
        if (++lost % 3 === 0) throw new Error('connection reset after the server wrote');
      },
      pollMs: 20,
    });
    shipper.start();
    // Not UTF-8, and larger than one chunk: offsets count bytes.
    const binary = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 7) % 256));
    writeFileSync(out, 'first line\n');
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(out, binary);
    appendFileSync(err, 'an error\n');
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(out, 'last line, no newline');
    expect(await shipper.finish()).toBe(true);
    expect(readFileSync(stdoutPath).equals(readFileSync(out))).toBe(true);
    expect(readFileSync(stderrPath, 'utf8')).toBe('an error\n');
  });

  it('writes only the new part of a chunk that overlaps what it holds, and refuses a gap naming the offset to resume from', async () => {
    const { receiver, where, stdoutPath } = await attempt();
    expect(await receiver.append({ ...where, stream: 'stdout', offset: 0, data: Buffer.from('hello') })).toEqual({ nextOffset: 5 });
    expect(await receiver.append({ ...where, stream: 'stdout', offset: 3, data: Buffer.from('lo world') })).toEqual({ nextOffset: 11 });
    expect(await receiver.append({ ...where, stream: 'stdout', offset: 0, data: Buffer.from('hello') })).toEqual({ nextOffset: 11 });
    await expect(receiver.append({ ...where, stream: 'stdout', offset: 12, data: Buffer.from('!') })).rejects.toThrow('offset 12 leaves a gap: the server holds 11 bytes of this log; resend from offset 11');
    // Appends racing for one file are serialised: each lands once, in offset order.
    await Promise.all([receiver.append({ ...where, stream: 'stdout', offset: 11, data: Buffer.from('!') }), receiver.append({ ...where, stream: 'stdout', offset: 11, data: Buffer.from('!') })]);
    expect(readFileSync(stdoutPath, 'utf8')).toBe('hello world!');
  });

  it("refuses the logs of an attempt the server runs itself, and of one that ended long ago", async () => {
    const local = await attempt('local');
    await expect(local.receiver.append({ ...local.where, stream: 'stdout', offset: 0, data: Buffer.from('x') })).rejects.toThrow(/runs on the server \(executor 'local'\).*only queue workers' attempts take logs over HTTP/);
    const queued = await attempt();
    await queued.attempts.finish(queued.attemptId, { state: 'CANCELED', message: 'cancelled', exitCode: null, signal: null, endTime: clock });
    // A cancelled attempt's worker may still send its last lines for a while…
    expect(await queued.receiver.append({ ...queued.where, stream: 'stdout', offset: 0, data: Buffer.from('bye\n') })).toEqual({ nextOffset: 4 });
    clock += 10 * 60_000;
    // …but not forever.
    await expect(queued.receiver.append({ ...queued.where, stream: 'stdout', offset: 4, data: Buffer.from('late\n') })).rejects.toThrow(/ended more than 5 minutes ago; its logs are closed/);
  });
});
