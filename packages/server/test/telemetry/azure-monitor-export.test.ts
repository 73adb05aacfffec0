import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing } from '../../src/telemetry/tracing.js';
import { silentLogger } from '../../src/telemetry/logger.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Azure Monitor export against a loopback "ingestion endpoint". The exporter always speaks HTTPS
 * (it rewrites http:// endpoints), so the receiver uses a throwaway self-signed certificate.
 */
describe('Azure Monitor export', () => {
  let dir: string;
  let receiver: Server;
  const envelopes: Json[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelyard-azure-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    receiver = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
        if (req.url === '/v2.1/track') for (const e of JSON.parse(text) as Json[]) envelopes.push(e);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    // The self-signed certificate, and no statistics sent to Microsoft's endpoints from a test.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((r) => receiver.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports spans to Application Insights, the trace id as operation id, when a connection string is set', async () => {
    const address = receiver.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const tracing = await createTracing({
      logger: silentLogger(),
      azureMonitorConnectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
    });
    const span = tracing.tracer.startSpan('task fit', { attributes: { 'mlflow.run_id': 'abc123', 'modelyard.task_key': 'fit' } });
    const traceId = span.spanContext().traceId;
    span.end();
    await tracing.forceFlush();
    await tracing.shutdown();
    const items = envelopes.filter((e) => e.tags?.['ai.operation.id'] === traceId);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      iKey: '00000000-0000-0000-0000-000000000001',
      data: { baseType: 'RemoteDependencyData', baseData: { name: 'task fit', properties: expect.objectContaining({ 'mlflow.run_id': 'abc123', 'modelyard.task_key': 'fit' }) } },
    });
  });
});
