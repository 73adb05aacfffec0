import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killServer, launchServer } from './server-launch.js';
import type { LaunchedServer } from './server-launch.js';

/**
 * "Connections cannot be held open forever." Clients that open connections and stop sending
 * (half a header, half a body, nothing at all) are cut by the server's timeouts, and a flood of
 * them cannot lock healthy clients out, even when it would use up the process's file descriptors.
 * A large upload on a slow but steady link is not a stalled one and completes. Real server
 * processes on loopback; the only timing asserted is "closed within a generous bound".
 */

/** Far above every timeout the tests set: "closed eventually". */
const GENEROUS_MS = 30_000;

interface RawConnection {
  socket: Socket;
  /** Resolves once the connection is closed, by either side. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Everything the server sent. */
  received(): string;
}

function openRaw(url: string, firstBytes?: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let isClosed = false;
    let received = '';
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        isClosed = true;
        done();
      }),
    );
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    // A reset by the server is one way of being closed.
    socket.on('error', () => {});
    socket.once('connect', () => {
      if (firstBytes) socket.write(firstBytes);
      resolve({ socket, closed, isClosed: () => isClosed, received: () => received });
    });
    socket.once('error', reject);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connection limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-connection-limits-'));
  const servers: LaunchedServer[] = [];
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => killServer(s)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts stalled headers, bodies and idle connections, while a slow but steady upload completes', { timeout: 90_000 }, async () => {
    const server = await launchServer({
      args: [
        '--data-dir', join(dir, 'timeouts'),
        '--log-level', 'warn',
        '--headers-timeout-ms', '1000',
        '--keep-alive-timeout-ms', '1000',
        '--body-idle-timeout-ms', '1000',
        '--request-timeout-ms', '2500',
      ],
    });
    servers.push(server);
    const { url } = server;
    const stalled: Array<{ kind: string; conn: RawConnection }> = [];
    const open = async (kind: string, bytes?: string) => {
      const conn = await openRaw(url, bytes);
      sockets.push(conn.socket);
      stalled.push({ kind, conn });
      return conn;
    };
    for (let i = 0; i < 10; i++) {
      await open('nothing sent');
      await open('half a header', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      await open('half a JSON body', 'POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":');
      await open('half an artifact upload', `PUT /api/2.0/mlflow-artifacts/artifacts/stalled/${i}.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(1000)}`);
    }
    // An idle keep-alive connection after a complete exchange.
    const keepAlive = await open('idle keep-alive', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

    // A body that keeps trickling in (one byte every 300 ms, never idle for long) but would take a
    // minute: its total time is limited.
    const dripBody = JSON.stringify({ name: `drip-${'d'.repeat(150)}` });
    const drip = await openRaw(url, `POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${dripBody.length}\r\n\r\n`);
    sockets.push(drip.socket);
    const dripping = (async () => {
      for (const ch of dripBody) {
        if (drip.isClosed()) return;
        drip.socket.write(ch);
        await sleep(300);
      }
    })();

    // A healthy client gets answers while all of that is held open.
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('OK');

    // A large upload on a slow but steady link: a chunk every 300 ms for about 5 s, longer than
    // both the idle timeout and the total request timeout, which streamed uploads are exempt from.
    const chunks = Array.from({ length: 16 }, () => randomBytes(4096));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const upload = await openRaw(url, `PUT /api/2.0/mlflow-artifacts/artifacts/slow/steady.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
    sockets.push(upload.socket);
    for (const chunk of chunks) {
      await sleep(300);
      expect(upload.isClosed(), 'the steady upload was cut').toBe(false);
      upload.socket.write(chunk);
    }
    await within(upload.closed, GENEROUS_MS, 'the answer to the steady upload');
    expect(upload.received()).toMatch(/^HTTP\/1\.1 200 /);
    const stored = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/slow/steady.bin`);
    expect(stored.status).toBe(200);
    expect(Buffer.from(await stored.arrayBuffer()).equals(Buffer.concat(chunks))).toBe(true);

    // Every stalled connection is closed by the server.
    await within(Promise.all(stalled.map((s) => s.conn.closed)), GENEROUS_MS, 'closing every stalled connection');
    await within(drip.closed, GENEROUS_MS, 'closing the dripping body');
    await dripping;
    expect(drip.received()).not.toMatch(/^HTTP\/1\.1 200 /);
    // The keep-alive connection had its answer first; the half header a 408 in MLflow's JSON.
    expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200 /);
    const halfHeader = stalled.find((s) => s.kind === 'half a header')!.conn.received();
    expect(halfHeader).toMatch(/^HTTP\/1\.1 408 /);
    // Nothing of the stalled uploads was stored.
    const listing = (await (await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts?path=stalled`)).json()) as { files?: unknown[] };
    expect(listing.files ?? []).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  });

  it('lets a healthy client in while stalled connections would use up the open-file limit', { timeout: 90_000 }, async () => {
    // 256 descriptors; 300 stalled connections would take them all, and with default timeouts
    // (30 s for headers) none is cut during the test.
    const fileLimit = 256;
    const server = await launchServer({ args: ['--data-dir', join(dir, 'descriptors'), '--log-level', 'warn'], fileLimit });
    servers.push(server);
    const conns: RawConnection[] = [];
    for (let i = 0; i < 300; i++) {
      try {
        const conn = await openRaw(server.url, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        sockets.push(conn.socket);
        conns.push(conn);
      } catch {
        // A connection refused outright is fine too: the point is what the next client gets.
      }
    }
    await sleep(200);

    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=1`, { signal: AbortSignal.timeout(15_000) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // The server holds no more connections than its cap (half the limit here), leaving
    // descriptors for its files and database.
    await within(
      (async () => {
        while (conns.filter((c) => !c.isClosed()).length > fileLimit / 2) await sleep(100);
      })(),
      GENEROUS_MS,
      'closing the connections over the cap',
    );
    // Writes, which need the database's descriptors, still work.
    const created = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made-under-a-flood' }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(created.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
