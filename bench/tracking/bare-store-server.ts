import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { connect } from '../../packages/server/src/db/connect.js';
import { migrateToLatest } from '../../packages/server/src/db/migrate.js';
import { parseStoreUri } from '../../packages/server/src/db/store-uri.js';
import { keepPollingAfterRequests } from '../../packages/server/src/http/busy-poll.js';
import { runToJson } from '../../packages/server/src/http/routes/mlflow/json/tracking-json.js';
import { metricFromMessage } from '../../packages/server/src/http/routes/mlflow/json/tracking-messages.js';
import { ExperimentService } from '../../packages/server/src/services/tracking/experiment-service.js';
import { RunService } from '../../packages/server/src/services/tracking/run-service.js';
import { createTrackingStores } from '../../packages/server/src/services/services.js';
import { artifactLocationPolicyOf } from '../../packages/server/src/artifacts/artifact-location-policy.js';

/**
 * The tracking benchmark's ceiling: the server's own run service and SQLite store behind the least
 * HTTP there is (node:http, `JSON.parse`, no framework, no message validation, no hooks), with
 * the same busy polling. Only the routes the write figures use. Measured beside the real server
 * in the same run, it shows what one waiting client can get from these writes on this machine
 * whatever the HTTP layer does: the durable transaction and the round trip.
 *
 * Usage: bare-store-server.ts <data dir>; prints `{"url": …}` once it listens.
 */
async function main(dataDir: string): Promise<void> {
  const config = loadConfig({ flags: { dataDir, backendStoreUri: `sqlite:///${join(dataDir, 'modelyard.db')}` }, env: {} });
  const db = connect(parseStoreUri(config.backendStoreUri), { checkpointInBackground: true });
  await migrateToLatest(db.db, db.caps);
  const deps = { stores: createTrackingStores(db.db, db.caps), config, now: Date.now };
  await new ExperimentService({ ...deps, locations: artifactLocationPolicyOf(config) }).ensureDefaultExperiment();
  const runs = new RunService(deps);

  const routes: Record<string, (msg: any) => Promise<unknown>> = {
    '/api/2.0/mlflow/runs/log-metric': async (m) => {
      await runs.logMetric(m.run_id, metricFromMessage(m));
      return {};
    },
    '/api/2.0/mlflow/runs/log-batch': async (m) => {
      await runs.logBatch(m.run_id, { metrics: m.metrics.map(metricFromMessage), params: [], tags: [] });
      return {};
    },
    '/api/2.0/mlflow/runs/create': async (m) => ({
      run: runToJson(await runs.create({ experimentId: m.experiment_id, runName: m.run_name, startTime: m.start_time, tags: [] })),
    }),
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = routes[req.url ?? ''];
    if (req.method !== 'POST' || !route) return send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `${req.method} ${req.url}` });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      route(JSON.parse(body)).then(
        (out) => send(res, 200, out),
        (e: unknown) => send(res, 500, { error_code: 'INTERNAL_ERROR', message: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
  keepPollingAfterRequests(server, config.busyPollMicros);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', () => {
    server.close();
    void db.close().then(() => process.exit(0));
  });
}

main(process.argv[2] ?? '').catch((e: unknown) => {
  process.stderr.write(`bare store server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
