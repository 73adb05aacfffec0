import { benchRegistry } from './registry/registry-bench.js';
import { benchTracking } from './tracking/tracking-bench.js';
import { postgresAvailable, stopBenchClusters } from './lib/servers.js';
import { benchPipelines } from './pipelines/pipelines-bench.js';
import { benchUi } from './ui/ui-bench.js';
import { benchServing } from './serving/serving-bench.js';
import { benchLearn } from './learn/learn-bench.js';
import { benchBatch } from './batch/batch-bench.js';
import { benchArtifacts } from './artifacts/artifacts-bench.js';
import { benchPythonBatch } from './batch/python-batch-bench.js';
import { benchPythonServing } from './serving/python-serving-bench.js';

/**
 * `npm run bench`: every benchmark, printing its figures beside the targets. Benchmarks never
 * fail on a figure (these machines are shared and noisy); they fail only when something breaks.
 * `npm run bench -- tracking` runs one group.
 */
const groups: Record<string, () => Promise<void>> = {
  tracking: async () => {
    await benchTracking('sqlite');
    if (postgresAvailable()) await benchTracking('postgres');
    else console.log('\ntracking server — postgres: skipped, PostgreSQL binaries not installed');
  },
  registry: async () => {
    await benchRegistry('sqlite');
    if (postgresAvailable()) await benchRegistry('postgres');
    else console.log('\nmodel registry — postgres: skipped, PostgreSQL binaries not installed');
  },
  ui: () => benchUi(),
  pipelines: () => benchPipelines(),
  serving: async () => {
    await benchServing();
    await benchPythonServing();
  },
  learn: () => benchLearn(),
  artifacts: () => benchArtifacts(),
  batch: async () => {
    await benchBatch();
    await benchPythonBatch();
  },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in groups));
  if (unknown.length > 0) throw new Error(`unknown benchmark group(s): ${unknown.join(', ')}; known: ${Object.keys(groups).join(', ')}`);
  try {
    for (const [name, run] of Object.entries(groups)) if (wanted.length === 0 || wanted.includes(name)) await run();
  } finally {
    stopBenchClusters();
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
