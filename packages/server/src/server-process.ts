import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { connect } from './db/connect.js';
import type { Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { parseStoreUri } from './db/store-uri.js';
import { buildApp } from './http/app.js';
import { createServices } from './services/services.js';
import type { Services } from './services/services.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  db: Db;
  /** `http://host:port` the server answers on. */
  url: string;
  close(): Promise<void>;
}

/**
 * The composition root of `modelyard server`: config → db (migrated) → services → HTTP, listening.
 * Tests use it too, with port 0.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  opts: { now?: () => number } = {},
): Promise<RunningServer> {
  const db = connect(parseStoreUri(config.backendStoreUri));
  try {
    await migrateToLatest(db.db, db.caps);
    const services = await createServices({ db: db.db, caps: db.caps, config, logger, now: opts.now });
    const app = await buildApp({ config, logger, services });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closed = false;
    return {
      app,
      services,
      db,
      url: `http://${host}:${port}`,
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
