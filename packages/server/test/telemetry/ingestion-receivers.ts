import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Receiver<T> {
  /** What was received so far. */
  readonly items: T[];
  readonly port: number;
  close(): Promise<void>;
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function bodyText(chunks: Buffer[], encoding: string | undefined): string {
  const raw = Buffer.concat(chunks);
  return (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * An Application Insights ingestion endpoint on loopback: envelopes posted to `/v2.1/track`
 * (a JSON array, gzip'd) are kept. The exporter always speaks HTTPS (it rewrites http://
 * endpoints), so it answers with a throwaway self-signed certificate; the caller sets
 * NODE_TLS_REJECT_UNAUTHORIZED=0 for the exporter to accept it.
 */
export async function startAppInsightsReceiver(): Promise<Receiver<Json> & { connectionString: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-ai-receiver-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const items: Json[] = [];
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      let count = 0;
      if (req.url === '/v2.1/track') {
        const envelopes = JSON.parse(bodyText(chunks, req.headers['content-encoding'])) as Json[];
        items.push(...envelopes);
        count = envelopes.length;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: count, itemsAccepted: count, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = portOf(server);
  return {
    items,
    port,
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/`,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An OTLP/HTTP (JSON) collector on loopback: keeps every request's path and parsed body. */
export async function startOtlpReceiver(): Promise<Receiver<{ url: string; body: Json }>> {
  const items: Array<{ url: string; body: Json }> = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      try {
        items.push({ url: req.url ?? '', body: JSON.parse(bodyText(chunks, req.headers['content-encoding'])) as Json });
      } catch {
        // Not JSON (protobuf): refused, as a JSON-only collector would.
        return res.writeHead(415).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    items,
    port: portOf(server),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** OTLP JSON attributes (`[{ key, value: { stringValue | intValue | … } }]`) as a plain object; integers as strings (int64). */
export function otlpAttributes(list: Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = value.stringValue ?? (value.intValue !== undefined ? String(value.intValue) : (value.doubleValue ?? value.boolValue));
  return out;
}
