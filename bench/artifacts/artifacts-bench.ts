import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openObjectStore } from '@modelyard/sdk';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../../packages/server/test/helpers/object-store-emulators.js';
import { spawnBenchProcess } from '../lib/servers.js';
import { fmt, report } from '../lib/stats.js';

const MiB = 1024 * 1024;
/** BENCH_ARTIFACT_MB shrinks the transfers for a quick look; the targets are for 1024 / 2048. */
const TRANSFER_MB = Number(process.env.BENCH_ARTIFACT_MB ?? 1024);
const BIG_UPLOAD_MB = 2 * TRANSFER_MB;

/** `mb` MiB of one random MiB repeated: a source that costs the benchmark nothing. */
function source(mb: number): Readable {
  const chunk = randomBytes(MiB);
  let left = mb;
  return new Readable({
    read() {
      this.push(left-- > 0 ? chunk : null);
    },
  });
}

/** Reads and drops a stream, returning its length. */
async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const c of stream) n += (c as Buffer).length;
  return n;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

function proxyPut(url: string, body: Readable): Promise<void> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? done() : fail(new Error(`PUT answered ${res.statusCode}`))));
    });
    req.once('error', fail);
    void pipeline(body, req).catch(fail);
  });
}

function proxyGet(url: string): Promise<number> {
  return new Promise((done, fail) => {
    request(url, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`GET answered ${res.statusCode}`));
      drain(res).then(done, fail);
    })
      .once('error', fail)
      .end();
  });
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolveUrl(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`modelyard server exited with ${code} before listening:\n${out}`)));
  });
}

/** Samples a process's resident set every 50 ms (Linux /proc); `stop` returns the peak in MiB. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const read = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) peak = Math.max(peak, Number(m[1]) / 1024);
  };
  read();
  const timer = setInterval(read, 50);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

async function benchStore(name: string, root: string): Promise<void> {
  const direct = await openObjectStore(`${root}/direct`);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-artifacts-'));
  const server = spawnBenchProcess('packages/server/src/main.ts', ['server', '--port', '0', '--data-dir', dataDir, '--artifacts-destination', `${root}/proxied`, '--log-level', 'warn']);
  try {
    const url = await listening(server);
    const proxied = (path: string) => `${url}/api/2.0/mlflow-artifacts/artifacts/${path}`;
    const rate = (seconds: number, mb: number) => mb / seconds;

    const directUp = rate(await timed(() => direct.write('one.bin', source(TRANSFER_MB))), TRANSFER_MB);
    const directDown = rate(await timed(async () => drain((await direct.openRead('one.bin')).stream)), TRANSFER_MB);
    await direct.delete('one.bin');

    const proxyUp = rate(await timed(() => proxyPut(proxied('one.bin'), source(TRANSFER_MB))), TRANSFER_MB);
    const proxyDown = rate(await timed(() => proxyGet(proxied('one.bin'))), TRANSFER_MB);
    await fetch(proxied('one.bin'), { method: 'DELETE' });

    const idle = sampleRss(server.pid!).stop();
    const rss = sampleRss(server.pid!);
    const bigUp = rate(await timed(() => proxyPut(proxied('two.bin'), source(BIG_UPLOAD_MB))), BIG_UPLOAD_MB);
    const peak = rss.stop();
    await fetch(proxied('two.bin'), { method: 'DELETE' });

    console.log(`\nartifacts — ${name}: ${TRANSFER_MB} MiB through the proxy vs. straight to the emulator (same client, same machine)`);
    report([
      { figure: 'upload, direct to the store', value: `${fmt(directUp)} MiB/s` },
      { figure: 'upload through the proxy', value: `${fmt(proxyUp)} MiB/s (${fmt(proxyUp / directUp, 2)}×)`, target: '≥ 0.8× direct' },
      { figure: 'download, direct from the store', value: `${fmt(directDown)} MiB/s` },
      { figure: 'download through the proxy', value: `${fmt(proxyDown)} MiB/s (${fmt(proxyDown / directDown, 2)}×)`, target: '≥ 0.8× direct' },
      // The idle figure is the whole server run from TypeScript sources (tsx, every module loaded);
      // what an upload costs is the growth above it.
      { figure: `server RSS during a ${BIG_UPLOAD_MB} MiB upload`, value: `peak ${fmt(peak)} MiB, idle ${fmt(idle)} MiB` },
      { figure: '  growth over idle (what the upload holds)', value: `${fmt(peak - idle)} MiB at ${fmt(bigUp)} MiB/s`, target: '< 200 MiB' },
    ]);
  } finally {
    direct.close();
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- artifacts`: a 1 GiB artifact up and down through the artifact proxy of a
 * `modelyard server` process, beside the same transfer made straight to the store by the SDK's
 * object-store client, and the server's peak RSS during a 2 GiB upload; over s3rver and Azurite,
 * the emulators the tests use (so the figures say what the proxy adds, not what S3 or Azure do).
 */
export async function benchArtifacts(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
  try {
    await Promise.all([azurite.createContainer('bench'), s3.createBucket('bench')]);
    // The server process inherits these, as a deployed server reads them from its environment.
    Object.assign(process.env, azurite.env, s3.env);
    await benchStore('S3 (s3rver)', 's3://bench/artifacts');
    await benchStore('Azure Blob (Azurite)', `wasbs://bench@${AZURITE_ACCOUNT}.blob.core.windows.net/artifacts`);
  } finally {
    await Promise.all([azurite.stop(), s3.stop()]);
  }
}
