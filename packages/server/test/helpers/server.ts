import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveConfig } from '../../src/config/config.js';
import type { Config, ConfigInput } from '../../src/config/config.js';
import type { Db, Dialect } from '../../src/db/connect.js';
import { startServer } from '../../src/server-process.js';
import type { Services } from '../../src/services/services.js';
import { createLogger, silentLogger } from '../../src/telemetry/logger.js';
import { createTestStoreLocation } from './dialects.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>`; MLflow routes live under `${url}/api/2.0/mlflow/…`. */
  url: string;
  services: Services;
  app: FastifyInstance;
  db: Db;
  config: Config;
  /** Backend store URI (a fresh SQLite file or PostgreSQL database). */
  storeUri: string;
  /** Where proxied artifacts (`mlflow-artifacts:/`) land. */
  artifactsDir: string;
  /** Stops the server and deletes its store and data folder. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  dialect?: Dialect;
  /** Pins the services' clock. */
  now?: () => number;
  /** Extra settings on top of the test defaults. */
  config?: ConfigInput;
}

/**
 * The real server (`startServer`, the same composition root as `modelyard server`) on a free
 * loopback port, a fresh store and a temp data folder. Logs are silent unless
 * MODELYARD_TEST_LOG_LEVEL is set (e.g. `debug`), then they go to stderr.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dialect = opts.dialect ?? 'sqlite';
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-server-'));
  const store = await createTestStoreLocation(dialect, 'server');
  const logLevel = process.env.MODELYARD_TEST_LOG_LEVEL;
  const logger = logLevel ? createLogger({ level: logLevel, destination: process.stderr }) : silentLogger();
  const removeFiles = async () => {
    await store.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // resolveConfig, not loadConfig: a developer's MODELYARD_* variables must not leak into tests.
    const config = resolveConfig([
      {
        host: '127.0.0.1',
        port: 0,
        dataDir,
        backendStoreUri: store.uri,
        logLevel: logLevel ?? 'silent',
      },
      opts.config ?? {},
    ]);
    const server = await startServer(config, logger, { now: opts.now });
    return {
      url: server.url,
      services: server.services,
      app: server.app,
      db: server.db,
      config,
      storeUri: store.uri,
      artifactsDir: config.artifactsDestination,
      async close() {
        await server.close();
        await removeFiles();
      },
    };
  } catch (e) {
    await removeFiles();
    throw e;
  }
}
