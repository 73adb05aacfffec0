import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOnnx } from '@modelyard/learn';
import { ModelInputError, onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import type { ModelSource, ResolvedModelFiles } from '../../src/runtime/model-runtime.js';
import { ModelSlot } from '../../src/runtime/model-slot.js';
import { RequestCoalescer } from '../../src/runtime/request-coalescer.js';
import { TrafficRouter } from '../../src/services/serving/traffic-router.js';
import { pimaFrame, trainClassifier } from './serving-fixtures.js';

const FOREIGN_ONNX = '/usr/share/libonnx-testdata/data/simple/test_single_relu_model/model.onnx';

/** A source over local folders that counts resolves; `versions` maps a URI to the folder it names now. */
class FolderSource implements ModelSource {
  resolves = 0;
  constructor(readonly versions: Map<string, { dir: string; version: string }>) {}
  async resolve(uri: string): Promise<ResolvedModelFiles> {
    this.resolves++;
    const v = this.versions.get(uri);
    if (!v) throw new Error(`no model at ${uri}`);
    return { uri, name: 'm', version: v.version, localDir: v.dir };
  }
}

describe('ModelRuntime and ModelSlot', () => {
  let dir: string;
  const folders: string[] = [];
  const rows = pimaFrame().drop(['Outcome']).head(2);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-runtime-'));
    for (const c of [0.001, 10]) {
      const p = trainClassifier(c);
      const folder = join(dir, `v${folders.length + 1}`);
      mkdirSync(folder);
      writeFileSync(join(folder, 'model.onnx'), toOnnx(p));
      writeFileSync(
        join(folder, 'MLmodel'),
        writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.17.0'), modelUuid: 'u', utcTimeCreated: utcTimeCreated(), signature: signatureFromSchemas(p.inputSchema(), p.outputSchema()) }),
      );
      folders.push(folder);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shares one session per version, frees it after the last holder closes, and keeps held models past eviction', async () => {
    const source = new FolderSource(new Map([
      ['models:/m/1', { dir: folders[0]!, version: '1' }],
      ['models:/m/2', { dir: folders[1]!, version: '2' }],
      ['models:/m@a', { dir: folders[0]!, version: '1' }],
    ]));
    const runtime = new ModelRuntime({ source, cacheSize: 1 });
    const a = await runtime.load('models:/m/1');
    const b = await runtime.load('models:/m@a');
    expect(runtime.size).toBe(1);
    expect(a.isClassifier).toBe(true);
    expect(a.signature?.inputs.map((s) => s.name)).toContain('Glucose');
    const v2 = await runtime.load('models:/m/2');
    // Both are held: the cache may exceed its size rather than free a session in use.
    expect(runtime.size).toBe(2);
    await a.close();
    expect((await b.predict(rows.toRecords())).predictions).toHaveLength(2);
    await b.close();
    await v2.close();
    expect(runtime.size).toBe(1);
    await expect(b.predict(rows.toRecords())).rejects.toThrow();
    await expect(runtime.load('models:/nope')).rejects.toThrow(/no model at/);
    const again = await runtime.load('models:/m/2');
    await expect(again.predict([{ Glucose: 'high' }])).rejects.toBeInstanceOf(ModelInputError);
    await again.close();
    await runtime.clear();
    expect(runtime.size).toBe(0);
  });

  it('a slot keeps a borrowed model open across a swap and closes it on release', async () => {
    const runtime = new ModelRuntime({ source: new FolderSource(new Map([['1', { dir: folders[0]!, version: '1' }], ['2', { dir: folders[1]!, version: '2' }]])), cacheSize: 0 });
    const slot = new ModelSlot();
    expect(slot.borrow()).toBeUndefined();
    slot.swap(await runtime.load('1'));
    const inFlight = slot.borrow()!;
    slot.swap(await runtime.load('2'));
    expect(slot.current?.version).toBe('2');
    // The old version still answers the request that borrowed it before the swap.
    expect((await inFlight.model.predict(rows.toRecords())).predictions).toHaveLength(2);
    inFlight.release();
    await new Promise((r) => setTimeout(r, 10));
    await expect(inFlight.model.predict(rows.toRecords())).rejects.toThrow();
    slot.clear();
    expect(slot.current).toBeUndefined();
  });

  it('coalesces concurrent requests into one run with the same answers, and a bad request fails alone', async () => {
    const runtime = new ModelRuntime({ source: new FolderSource(new Map([['1', { dir: folders[0]!, version: '1' }]])) });
    const model = await runtime.load('1');
    const records = pimaFrame().drop(['Outcome']).head(30).toRecords();
    const toColumns = (rs: Array<Record<string, unknown>>) => new Map(Object.keys(rs[0]!).map((k) => [k, rs.map((r) => r[k])]));
    const alone = await Promise.all(records.map((r) => model.predictColumns(toColumns([r]), 1)));
    const together = await Promise.allSettled([
      ...records.map((r) => model.predictCoalesced(toColumns([r]), 1)),
      model.predictCoalesced(toColumns([{ ...records[0], Glucose: 'high' }]), 1),
      model.predictCoalesced(toColumns(records.slice(0, 3)), 3),
    ]);
    together.slice(0, 30).forEach((t, i) => {
      expect(t.status).toBe('fulfilled');
      expect((t as PromiseFulfilledResult<{ predictions: unknown[] }>).value).toEqual(alone[i]);
    });
    expect(together[30]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/column 'Glucose' expects double/) }) });
    expect((together[31] as PromiseFulfilledResult<{ predictions: unknown[] }>).value.predictions).toEqual(alone.slice(0, 3).flatMap((a) => a.predictions));
    // Merged means one onnxruntime run for all of them.
    let runs = 0;
    const coalescer = new RequestCoalescer((c, n) => {
      runs++;
      return model.predictColumns(c, n);
    });
    const merged = await Promise.all(records.map((r) => coalescer.run(toColumns([r]), 1)));
    expect(runs).toBe(1);
    // A batched run may differ from single-row runs in the last float32 bit (vectorised kernels).
    merged.forEach((m, i) => {
      expect(m.predictions).toEqual(alone[i]!.predictions);
      m.probabilities!.forEach((row, r) => row.forEach((p, k) => expect(Math.abs(p - alone[i]!.probabilities![r]![k]!)).toBeLessThan(1e-6)));
    });
    await model.close();
    await runtime.clear();
  });

  it.skipIf(!existsSync(FOREIGN_ONNX) && process.env.CI !== 'true')('stops coalescing for a graph with a fixed batch size (needs libonnx-testdata)', async () => {
    const folder = join(dir, 'relu');
    mkdirSync(folder);
    copyFileSync(FOREIGN_ONNX, join(folder, 'model.onnx'));
    writeFileSync(
      join(folder, 'MLmodel'),
      writeMlmodel({ artifactPath: 'model', flavors: onnxFlavors('1.12.0'), modelUuid: 'r', utcTimeCreated: utcTimeCreated(), signature: { inputs: [{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }] } }),
    );
    const runtime = new ModelRuntime({ source: new FolderSource(new Map([['relu', { dir: folder, version: '1' }]])) });
    const model = await runtime.load('relu');
    const row = (a: number, b: number) => new Map<string, unknown[]>([['a', [a]], ['b', [b]]]);
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all([model.predictCoalesced(row(-1, 2), 1), model.predictCoalesced(row(3, -4), 1)]);
      expect(answers.map((a) => a.predictions)).toEqual([[[0, 2]], [[3, 0]]]);
    }
    await model.close();
    await runtime.clear();
  });

  it('routes traffic exactly by percentage and falls back to a loaded served model', () => {
    const router = new TrafficRouter([
      { servedModelName: 'a', percentage: 70 },
      { servedModelName: 'b', percentage: 30 },
      { servedModelName: 'c', percentage: 0 },
    ]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const name = router.pick(() => true)!;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 140, b: 60 });
    expect(new Set(Array.from({ length: 10 }, () => router.pick((n) => n === 'b')))).toEqual(new Set(['b']));
    expect(router.pick(() => false)).toBeUndefined();
  });
});
