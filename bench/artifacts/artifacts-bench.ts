import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openObjectStore } from '@modelyard/sdk';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../../packages/server/test/helpers/object-store-emulators.js';
import { spawnBenchProcess } from '../lib/servers.js';
import { fmt, report } from '../lib/stats.js';

const ROOT = resolve(import.meta.dirname, '../..');
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

/**
 * How the server runs: from the built dist/, as `modelyard server` runs for a user, when the build
 * succeeds. From sources under tsx the process carries the TypeScript compiler's caches and every
 * module's source text (measured: 215 MiB against 153 MiB from dist at start), which would
 * inflate the peak figure. `tsc -b` is incremental: a current build costs a few seconds.
 */
function serverFromDist(): boolean {
  if (process.env.BENCH_SERVER_FROM === 'source') return false;
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server/tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  // tsc exits 2 when it found type errors but wrote the JavaScript all the same: dist is current.
  const current = (built.status === 0 || built.status === 2) && existsSync(join(ROOT, 'packages/server/dist/main.js'));
  if (built.status !== 0) {
    const how = current ? 'its JavaScript was emitted, so the server runs from dist' : 'no current dist, so the server runs from sources (tsx), whose RSS includes the compiler';
    console.log(`artifacts: building packages/server reported errors (${how}):\n${(built.stdout + built.stderr).slice(0, 1000)}`);
  }
  return current;
}

function spawnServer(fromDist: boolean, args: string[]): ChildProcess {
  if (!fromDist) return spawnBenchProcess('packages/server/src/main.ts', args);
  return spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

async function benchStore(name: string, root: string, fromDist: boolean): Promise<void> {
  const direct = await openObjectStore(`${root}/direct`);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-artifacts-'));
  const server = spawnServer(fromDist, ['server', '--port', '0', '--data-dir', dataDir, '--artifacts-destination', `${root}/proxied`, '--log-level', 'warn']);
  try {
    const url = await listening(server);
    const atStart = sampleRss(server.pid!).stop();
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

    console.log(`\nartifacts — ${name}: ${TRANSFER_MB} MiB through the proxy vs. straight to the emulator (same client, same machine); server from ${fromDist ? 'packages/server/dist' : 'sources (tsx)'}`);
    report([
      { figure: 'upload, direct to the store', value: `${fmt(directUp)} MiB/s` },
      { figure: 'upload through the proxy', value: `${fmt(proxyUp)} MiB/s (${fmt(proxyUp / directUp, 2)}×)`, target: '≥ 0.8× direct' },
      { figure: 'download, direct from the store', value: `${fmt(directDown)} MiB/s` },
      { figure: 'download through the proxy', value: `${fmt(proxyDown)} MiB/s (${fmt(proxyDown / directDown, 2)}×)`, target: '≥ 0.8× direct' },
      // What an upload holds is the growth over idle; the peak is what a host must provide.
      { figure: `server peak RSS during a ${BIG_UPLOAD_MB} MiB upload`, value: `${fmt(peak)} MiB at ${fmt(bigUp)} MiB/s`, target: '< 200 MiB' },
      // "Before it" follows the 1 GiB transfers: what the heap kept from them is counted there.
      { figure: '  at start / before it / growth during it', value: `${fmt(atStart)} / ${fmt(idle)} / ${fmt(peak - idle)} MiB` },
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
    const fromDist = serverFromDist();
    await benchStore('S3 (s3rver)', 's3://bench/artifacts', fromDist);
    await benchStore('Azure Blob (Azurite)', `wasbs://bench@${AZURITE_ACCOUNT}.blob.core.windows.net/artifacts`, fromDist);
  } finally {
    await Promise.all([azurite.stop(), s3.stop()]);
  }
}
