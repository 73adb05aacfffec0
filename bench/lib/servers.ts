import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../packages/server/src/config/config.js';
import { startServer } from '../../packages/server/src/server-process.js';
import type { RunningServer } from '../../packages/server/src/server-process.js';
import { silentLogger } from '../../packages/server/src/telemetry/logger.js';
import { createTestDatabase, findPostgresBinDir, startPostgresCluster } from '../../packages/server/test/helpers/postgres.js';
import type { PostgresCluster } from '../../packages/server/test/helpers/postgres.js';

export interface BenchServer {
  store: 'sqlite' | 'postgres';
  server: RunningServer;
  close(): Promise<void>;
}

let cluster: PostgresCluster | undefined;

/** A real server on a fresh store: a SQLite file, or a database on a throwaway PostgreSQL cluster. */
export async function startBenchServer(store: 'sqlite' | 'postgres'): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-bench-'));
  let uri = `sqlite:///${join(dataDir, 'modelyard.db')}`;
  let drop = async () => {};
  if (store === 'postgres') {
    if (!cluster) {
      const bin = findPostgresBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found (apt-get install postgresql)');
      cluster = await startPostgresCluster(bin);
    }
    const db = await createTestDatabase(cluster.adminUrl, 'bench');
    uri = db.uri;
    drop = db.drop;
  }
  const config = resolveConfig([{ host: '127.0.0.1', port: 0, dataDir, backendStoreUri: uri, logLevel: 'silent' }]);
  const server = await startServer(config, silentLogger());
  return {
    store,
    server,
    async close() {
      await server.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function stopBenchClusters(): void {
  cluster?.stop();
  cluster = undefined;
}

/** PostgreSQL is benchmarked when its binaries exist; a missing install is reported, not fatal. */
export function postgresAvailable(): boolean {
  return findPostgresBinDir() !== undefined;
}
