import { expect, it } from 'vitest';
import { ServingEndpointStore } from '../../src/stores/serving/serving-endpoint-store.js';
import type { ServingEndpointConfig } from '../../src/stores/serving/serving-endpoint-store.js';
import { describeEachDialect } from '../helpers/dialects.js';

const config = (uri: string, log = false): ServingEndpointConfig => ({
  servedModels: [{ name: 'main', modelUri: uri }],
  traffic: [{ servedModelName: 'main', percentage: 100 }],
  inferenceLog: log,
});

describeEachDialect('serving endpoint store', (ctx) => {
  it('creates once, updates, upserts keeping the creation time, lists by name and deletes', async () => {
    const store = new ServingEndpointStore(ctx.db, ctx.caps);
    expect(await store.create({ name: 'b-endpoint', description: 'first', config: config('models:/m@champion') }, 1000)).toBe(true);
    expect(await store.create({ name: 'b-endpoint', config: config('models:/m/1') }, 1001)).toBe(false);
    expect(await store.get('b-endpoint')).toEqual({ name: 'b-endpoint', description: 'first', config: config('models:/m@champion'), creationTime: 1000, lastUpdatedTime: 1000 });

    expect(await store.update('b-endpoint', { config: config('models:/m/2', true) }, 2000)).toBe(true);
    expect(await store.update('missing', { config: config('models:/m/2') }, 2000)).toBe(false);
    expect(await store.get('b-endpoint')).toMatchObject({ description: 'first', config: config('models:/m/2', true), creationTime: 1000, lastUpdatedTime: 2000 });

    await store.upsert({ name: 'a-endpoint', config: config('models:/m/Production') }, 3000);
    await store.upsert({ name: 'b-endpoint', description: 'second', config: config('models:/m@challenger') }, 4000);
    expect(await store.get('b-endpoint')).toMatchObject({ description: 'second', config: config('models:/m@challenger'), creationTime: 1000, lastUpdatedTime: 4000 });
    expect((await store.list()).map((e) => e.name)).toEqual(['a-endpoint', 'b-endpoint']);
    expect((await store.get('a-endpoint'))?.description).toBeUndefined();

    expect(await store.delete('a-endpoint')).toBe(true);
    expect(await store.delete('a-endpoint')).toBe(false);
    expect(await store.get('a-endpoint')).toBeUndefined();
  });
});
