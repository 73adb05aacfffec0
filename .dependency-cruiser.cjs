/**
 * Dependency direction inside packages/server/src, as DESIGN.md draws it:
 *
 *   domain ← db, stores, artifacts, runtime ← services ← http, cli, worker, serving, batch ← main.ts
 *
 * errors.ts, version.ts, config/ and telemetry/ are leaves anyone may use (domain only errors.ts).
 * server-process.ts is the composition root `modelyard server` and the test helpers share with
 * main.ts, so like main.ts it may import every layer. Type-only imports count: a layer that needs
 * another's types is coupled to it all the same. Run: `npm run depcheck`.
 */
const SRC = '^packages/server/src/';
const UPPER_LAYERS = `${SRC}(services|http|cli|worker|serving|batch|scheduler)/`;
const ENTRY_POINTS = `${SRC}(main|server-process)[.]ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one concept split in two, or a layer leaks upwards.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'domain-imports-no-layer',
      severity: 'error',
      comment: 'domain/ is pure: entities, rules and the search grammar. It may use errors.ts and nothing else of ours.',
      from: { path: `${SRC}domain/` },
      to: { path: SRC, pathNot: [`${SRC}domain/`, `${SRC}errors[.]ts$`] },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      comment: 'domain/ does no I/O: no files, network, processes, databases or HTTP frameworks.',
      from: { path: `${SRC}domain/` },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|child_process|worker_threads|cluster)$|(^|/)node_modules/(kysely|pg|better-sqlite3|fastify|pino|commander|onnxruntime-node)/',
      },
    },
    {
      name: 'lower-layers-do-not-import-upper',
      severity: 'error',
      comment: 'db/, stores/, artifacts/ and runtime/ sit below services: they must not know services, HTTP or the CLI.',
      from: { path: `${SRC}(db|stores|artifacts|runtime)/` },
      to: { path: [UPPER_LAYERS, ENTRY_POINTS] },
    },
    {
      name: 'services-do-not-import-delivery',
      severity: 'error',
      comment: 'services/ are called by http, cli, worker, serving and batch, never the other way round.',
      from: { path: `${SRC}services/` },
      to: { path: [`${SRC}(http|cli|worker|serving|batch|scheduler)/`, ENTRY_POINTS] },
    },
    {
      name: 'only-db-and-stores-touch-sql',
      severity: 'error',
      comment: 'Only db/ and stores/ run SQL; others may name Kysely types (the wiring passes a db handle) but not build queries.',
      from: { path: SRC, pathNot: [`${SRC}(db|stores)/`, ENTRY_POINTS, `${SRC}cli/db-command[.]ts$`] },
      to: {
        path: '(^|/)node_modules/(kysely|pg|better-sqlite3)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'leaves-import-no-layer',
      severity: 'error',
      comment: 'errors.ts, version.ts, config/ and telemetry/ are used by every layer, so they may only use domain/ and each other.',
      from: { path: `${SRC}(errors[.]ts|version[.]ts|config/|telemetry/)` },
      to: { path: `${SRC}(db|stores|artifacts|runtime|services|http|cli|worker|serving|batch|scheduler)/` },
    },
    {
      name: 'nothing-imports-main',
      severity: 'error',
      comment: 'main.ts is the process entry: importing it would run the CLI.',
      from: {},
      to: { path: `${SRC}main[.]ts$` },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: { path: SRC },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Not a bare `/dist/`: npm packages resolve into their dist folders and must stay visible.
    exclude: { path: '[.]test[.]ts$|^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'packages/server/tsconfig.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
