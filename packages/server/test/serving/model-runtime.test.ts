import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOnnx } from '@modelyard/learn';
import { ModelInputError, onnxFlavors, signatureFromSchemas, utcTimeCreated, writeMlmodel } from '@modelyard/sdk';
import { ModelRuntime } from '../../src/runtime/model-runtime.js';
import type { ModelSource, ResolvedModelFiles } from '../../src/runtime/model-runtime.js';
import { ModelSlot } from '../../src/runtime/model-slot.js';
import { TrafficRouter } from '../../src/services/serving/traffic-router.js';
import { pimaFrame, trainClassifier } from './serving-fixtures.js';

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
