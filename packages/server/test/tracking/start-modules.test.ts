import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER_PACKAGE = resolve(import.meta.dirname, '../..');

/**
 * What `modelyard server` loads at start stays in its RSS for the life of the process (issue 20:
 * peak RSS of an artifact upload < 200 MiB). The packages below serve only some requests or
 * tasks, so they are loaded where first needed (a dynamic import or require there), not when the
 * modules of the server are imported. All of them are CommonJS, so require.cache shows whether
 * they were loaded, in a fresh process that imports the server's modules as main.ts does.
 */
const LOADED_ON_FIRST_USE = [
  '@duckdb/', // batch_score tasks (worker/task-types/batch-engine-scorer.ts)
  '@databricks/sdk-experimental', // tasks with compute.databricks (worker/databricks/workspace-client.ts)
  'node_modules/pg/', // a PostgreSQL backend store (db/connect.ts)
  'onnxruntime-node', // ONNX models (runtime/onnx)
];

describe('modules loaded when the server starts', () => {
  it('leaves the batch engine, the Databricks SDK, the PostgreSQL driver and ONNX Runtime for first use', () => {
    const script = `
      import { createRequire } from 'node:module';
      await import('./src/cli/program.ts');
      await import('./src/server-process.ts');
      const loaded = Object.keys(createRequire(process.cwd() + '/').cache);
      process.stdout.write(JSON.stringify(loaded));
    `;
    const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: SERVER_PACKAGE,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const loaded = JSON.parse(child.stdout) as string[];
    // The check sees CommonJS packages the server does load at start.
    expect(loaded.some((f) => f.includes('node_modules/fastify/'))).toBe(true);
    for (const pkg of LOADED_ON_FIRST_USE) expect(loaded.filter((f) => f.includes(pkg)), pkg).toEqual([]);
  });
});
