import { BenchClient } from '../lib/http-client.js';
import { fmt, report, timeSequential } from '../lib/stats.js';
import { startBenchServer } from '../lib/servers.js';

const MODELS = 1000;
const VERSIONS = 20;
/** Parallel writers while filling the registry (setup only; SQLite serialises them anyway). */
const WRITERS = 4;

const modelName = (i: number) => `model-${String(i).padStart(4, '0')}`;
/** A fixed pseudo-random order, so every run measures the same lookups without a warm-cache bias. */
const pick = (i: number) => (i * 7919) % MODELS;

async function fillRegistry(url: string): Promise<void> {
  const writers = Array.from({ length: WRITERS }, () => new BenchClient(url));
  try {
    await Promise.all(
      writers.map(async (c, w) => {
        for (let m = w; m < MODELS; m += WRITERS) {
          const name = modelName(m);
          await c.post('/registered-models/create', { name, tags: [{ key: 'team', value: m % 2 === 0 ? 'risk' : 'growth' }] });
          for (let v = 1; v <= VERSIONS; v++) {
            await c.post('/model-versions/create', {
              name,
              source: `s3://bench-models/${name}/${v}`,
              run_id: `${String(m).padStart(4, '0')}${String(v).padStart(2, '0')}`.padEnd(32, 'a'),
              tags: [{ key: 'quality', value: v % 4 === 0 ? 'gold' : 'silver' }],
            });
          }
          await c.post('/registered-models/alias', { name, alias: 'champion', version: String(VERSIONS - (m % 3)) });
          await c.post('/registered-models/alias', { name, alias: 'challenger', version: String(VERSIONS) });
          await c.post('/model-versions/transition-stage', { name, version: String(VERSIONS - 1), stage: 'Production', archive_existing_versions: false });
        }
      }),
    );
  } finally {
    for (const c of writers) c.close();
  }
}

/**
 * bench/registry: resolving `models:/name@alias` and searching model versions over real HTTP from
 * one client, with 1,000 registered models × 20 versions, for one store. The alias lookup is what
 * every serving refresh and batch job does, so its latency is the target.
 */
export async function benchRegistry(store: 'sqlite' | 'postgres'): Promise<void> {
  const bench = await startBenchServer(store);
  const c = new BenchClient(bench.url);
  try {
    console.log(`\nmodel registry — ${store}${store === 'postgres' ? ' (throwaway cluster, fsync off)' : ''}, ${fmt(MODELS)} models × ${VERSIONS} versions`);
    const t0 = performance.now();
    await fillRegistry(bench.url);
    const fillSeconds = (performance.now() - t0) / 1000;

    // Warm-up: JIT, statement caches, the socket.
    for (let i = 0; i < 500; i++) await c.get('/registered-models/alias', { name: modelName(pick(i)), alias: 'champion' });

    const floor = await timeSequential(3000, () => c.call('GET', '/api/3.0/mlflow/server-info').then(() => undefined));
    const byAlias = await timeSequential(5000, async (i) => {
      const m = pick(i);
      const r = await c.get('/registered-models/alias', { name: modelName(m), alias: 'champion' });
      if (r.model_version.version !== String(VERSIONS - (m % 3))) throw new Error(`alias resolved to ${r.model_version.version} for ${modelName(m)}`);
    });
    const downloadUri = await timeSequential(5000, async (i) => {
      const m = pick(i);
      const r = await c.get('/model-versions/get-download-uri', { name: modelName(m), version: 1 + (i % VERSIONS) });
      if (!String(r.artifact_uri).startsWith(`s3://bench-models/${modelName(m)}/`)) throw new Error(`unexpected download URI ${r.artifact_uri}`);
    });
    // What an MLflow client does for models:/name@alias: the alias, then the version's download URI.
    const resolveUri = await timeSequential(3000, async (i) => {
      const name = modelName(pick(i));
      const mv = (await c.get('/registered-models/alias', { name, alias: 'champion' })).model_version;
      await c.get('/model-versions/get-download-uri', { name, version: mv.version });
    });
    const latest = await timeSequential(2000, (i) =>
      c.post('/registered-models/get-latest-versions', { name: modelName(pick(i)), stages: ['Production'] }).then(() => undefined),
    );

    const search = (filter: string, expected: number, count = 200) =>
      timeSequential(count, async (i) => {
        const r = await c.get('/model-versions/search', { filter: filter.replaceAll('$NAME', modelName(pick(i))), max_results: 1000 });
        const n = (r.model_versions ?? []).length;
        if (n !== expected) throw new Error(`search '${filter}' returned ${n} versions, expected ${expected}`);
      });
    const byName = await search("name = '$NAME'", VERSIONS);
    const byNameAndTag = await search("name = '$NAME' AND tags.quality = 'gold'", VERSIONS / 4);
    const byRunId = await search(`run_id = '${'0500'}${'07'}${'a'.repeat(26)}'`, 1);
    const byPrefix = await search("name LIKE 'model-05%' AND tags.quality = 'gold'", 100 * (VERSIONS / 4), 50);

    report([
      { figure: 'fill: models + versions + aliases (s)', value: fmt(fillSeconds, 1) },
      { figure: 'HTTP floor: server-info p50 ms (same client)', value: fmt(floor.p50Ms, 3) },
      { figure: 'get model version by alias p50 / p99 ms', value: `${fmt(byAlias.p50Ms, 3)} / ${fmt(byAlias.p99Ms, 3)}`, target: 'p50 < 1 ms' },
      { figure: 'get-download-uri p50 / p99 ms', value: `${fmt(downloadUri.p50Ms, 3)} / ${fmt(downloadUri.p99Ms, 3)}` },
      { figure: 'models:/name@alias → download URI (2 calls) p50 / p99 ms', value: `${fmt(resolveUri.p50Ms, 3)} / ${fmt(resolveUri.p99Ms, 3)}` },
      { figure: 'get-latest-versions [Production] p50 ms', value: fmt(latest.p50Ms, 3) },
      { figure: "search versions name = 'm' (20) p50 / p99 ms", value: `${fmt(byName.p50Ms, 2)} / ${fmt(byName.p99Ms, 2)}` },
      { figure: "search versions name = 'm' AND tags.quality = 'gold' (5) p50 ms", value: fmt(byNameAndTag.p50Ms, 2) },
      { figure: "search versions run_id = '…' (1 of 20,000) p50 ms", value: fmt(byRunId.p50Ms, 2) },
      { figure: "search versions name LIKE 'model-05%' AND tag (500) p50 ms", value: fmt(byPrefix.p50Ms, 1) },
    ]);
  } finally {
    c.close();
    await bench.close();
  }
}
