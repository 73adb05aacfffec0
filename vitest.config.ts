import { defineConfig } from 'vitest/config';

// The `source` export condition points workspace packages at their TypeScript sources, so tests
// run without a build step.
const conditions = ['source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  // Vitest also passes ssr.resolve.conditions to the worker processes as `node --conditions`, which
  // applies to require() too: an `import` condition there makes require('pg-pool') load its ESM
  // build, and pg breaks. So SSR gets Vite's defaults plus `source`, nothing more.
  // No `module` either: as a Node condition it sends require('@opentelemetry/api') (prom-client's
  // dependency) to a bundler-only ESM build whose extension-less imports Node cannot load.
  ssr: { resolve: { conditions: ['source', 'node', 'development|production'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/web/**'],
    pool: 'forks',
    // One throwaway PostgreSQL cluster per run (test/helpers/postgres.ts); workers get its URL via inject().
    globalSetup: ['packages/server/test/helpers/global-setup.ts'],
    // @actions/workflow-parser imports its JSON schema without `with { type: 'json' }`, which
    // Node 20 refuses; transformed by Vite, the import works.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
