import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactTestApp } from './artifact-test-app.js';
import type { ArtifactTestApp } from './artifact-test-app.js';

const MiB = 1024 * 1024;
const API = '/api/2.0/mlflow-artifacts';

let t: ArtifactTestApp;
let port: number;

beforeAll(async () => {
  t = await startArtifactTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});

afterAll(() => t.close());

/** The V8 `gc()` function, switched on at run time (vitest's workers do not start with --expose-gc). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** PUTs `chunks` one after another over a real connection, honouring backpressure. */
function upload(path: string, chunks: Iterable<Buffer>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'PUT', path: `${API}/artifacts/${path}` }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    const iterator = chunks[Symbol.iterator]();
    const pump = () => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function download(path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'GET', path: `${API}/artifacts/${path}` }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('artifact upload streaming', () => {
  it('streams a 50 MiB upload (50× the JSON body limit) to disk without holding it in memory', async () => {
    const patterns = [0x11, 0x22, 0x33, 0x44].map((b) => Buffer.alloc(MiB, b));
    const chunks = Array.from({ length: 50 }, (_, i) => patterns[i % patterns.length]!);
    const expected = createHash('sha256');
    for (const c of chunks) expected.update(c);

    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakLive = baseline.arrayBuffers;
    // Garbage (the socket's consumed 64 KiB reads) is not retention: collect it before each
    // sample, so what grows is only what the server holds on to.
    const sampler = setInterval(() => {
      gc();
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakLive = Math.max(peakLive, now.arrayBuffers);
    }, 20);
    const res = await upload('big/blob.bin', chunks);
    clearInterval(sampler);

    expect(res).toEqual({ status: 200, body: '{}' });
    const stored = join(t.artifactsDir, 'big', 'blob.bin');
    expect(statSync(stored).size).toBe(50 * MiB);
    expect(createHash('sha256').update(readFileSync(stored)).digest('hex')).toBe(expected.digest('hex'));
    const rssGrowth = (peakRss - baseline.rss) / MiB;
    const liveGrowth = (peakLive - baseline.arrayBuffers) / MiB;
    console.log(`50 MiB upload: peak RSS growth ${rssGrowth.toFixed(1)} MiB, peak live buffers +${liveGrowth.toFixed(1)} MiB`);
    expect(rssGrowth).toBeLessThan(20);
    expect(liveGrowth).toBeLessThan(10);
  });

  it('leaves one whole file when many clients upload the same path at once, and readers never see a partial one', async () => {
    const size = 3 * MiB;
    const quarter = (byte: number) => Buffer.alloc(MiB / 4, byte);
    // A whole first version, so every read during the race must find a whole file.
    expect((await upload('race/model.onnx', Array.from({ length: 12 }, () => quarter(0x40)))).status).toBe(200);
    const writers = Array.from({ length: 8 }, (_, i) => {
      const chunk = quarter(0x41 + i);
      return upload('race/model.onnx', Array.from({ length: size / chunk.length }, () => chunk));
    });
    const reads: Array<{ status: number; body: Buffer }> = [];
    let writing = true;
    const reader = (async () => {
      while (writing) reads.push(await download('race/model.onnx'));
    })();
    const results = await Promise.all(writers);
    writing = false;
    await reader;

    expect(results.every((r) => r.status === 200)).toBe(true);
    const isWhole = (b: Buffer) => b.length === size && b.every((x) => x === b[0]) && b[0]! >= 0x40 && b[0]! < 0x49;
    const final = readFileSync(join(t.artifactsDir, 'race', 'model.onnx'));
    expect(isWhole(final) && final[0]! > 0x40).toBe(true);
    expect(readdirSync(join(t.artifactsDir, 'race'))).toEqual(['model.onnx']);
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(isWhole(r.body)).toBe(true);
    }
  });
});
