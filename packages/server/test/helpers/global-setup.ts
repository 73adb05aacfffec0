import type { TestProject } from 'vitest/node';
import { findPostgresBinDir, POSTGRES_PROVIDE_KEY, startPostgresCluster } from './postgres.js';
import type { PostgresAvailability } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    modelyardPostgres: PostgresAvailability;
  }
}

/**
 * Vitest global setup: one PostgreSQL cluster for the whole run, its admin URL handed to the
 * workers. `MODELYARD_TEST_POSTGRES_URL` (a superuser URL) uses an existing server instead.
 * With CI=true a missing PostgreSQL is an error: the PostgreSQL suites must run there.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const external = process.env.MODELYARD_TEST_POSTGRES_URL;
  if (external) {
    project.provide(POSTGRES_PROVIDE_KEY, { adminUrl: external });
    return () => {};
  }
  const binDir = findPostgresBinDir();
  if (!binDir) {
    const why = 'PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`${why}; CI=true requires the PostgreSQL suites to run`);
    }
    process.stderr.write(`\n[modelyard tests] NOTICE: ${why}; PostgreSQL variants are SKIPPED.\n\n`);
    project.provide(POSTGRES_PROVIDE_KEY, { unavailable: why });
    return () => {};
  }
  const cluster = await startPostgresCluster(binDir);
  project.provide(POSTGRES_PROVIDE_KEY, { adminUrl: cluster.adminUrl });
  return () => cluster.stop();
}
