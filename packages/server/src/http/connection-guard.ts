import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimitSettings } from '../config/connection-limits.js';
import { connectionCap, openFileLimit } from './connection-cap.js';

const STREAMED_BODY = Symbol('modelyard.streamedBody');

/**
 * Marks a request whose body is streamed to storage (an artifact upload): it has no total time
 * limit, only the idle one, so a large upload over a slow but steady link completes.
 */
export function markStreamedBody(req: IncomingMessage): void {
  (req as IncomingMessage & { [STREAMED_BODY]?: boolean })[STREAMED_BODY] = true;
}

function isStreamedBody(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [STREAMED_BODY]?: boolean })[STREAMED_BODY] === true;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** How often Node checks header timeouts and the guard checks transfers: a fraction of the shortest timeout, at most 1 s. */
function checkIntervalMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(25, Math.floor(timeoutMs / 4)));
}

/**
 * Fastify's server options for `limits`. Headers are Node's to time (`headersTimeout`, which
 * also closes a connection that never sends a request; answered 408 by the clientError handler),
 * keep-alive idleness too. Node's `requestTimeout` stays off: it is a total per request, and
 * would cut a large artifact upload on a slow link; the ConnectionGuard times bodies instead.
 * No socket idle timeout (`connectionTimeout`) either: it would also cut a request whose handler
 * works for a while without sending (a large search), which is the server's time, not the client's.
 */
export function connectionServerOptions(limits: ConnectionLimitSettings): {
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  http: ServerOptions;
} {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: 0,
    connectionTimeout: 0,
    // Node's default check interval is 30 s: a 30 s headers timeout would then cut at up to 60 s.
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: checkIntervalMs(limits.headersTimeoutMs) },
  };
}

/** A connection with a request in progress. */
interface Transfer {
  /** The newest request on the connection (HTTP/1.1 pipelining may queue more than one). */
  req: IncomingMessage;
  /** Requests whose responses have not closed yet. */
  inFlight: number;
  startedAt: number;
  bytesRead: number;
  bytesWritten: number;
  lastProgressAt: number;
}

export interface ConnectionGuardOptions {
  /** Most connections at once (see http/connection-cap.ts). */
  maxConnections: number;
  bodyIdleTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Keeps clients from holding connections without making progress, and caps how many are held.
 *
 * - A request body that stops arriving, or a response the client stops reading, for
 *   `bodyIdleTimeoutMs` closes the connection; so does a body (other than a streamed artifact
 *   upload) not complete after `requestTimeoutMs`. Checked by one timer over the connections
 *   with a request in progress, from the bytes the socket moved: nothing is added per chunk.
 *   A body the server is not reading yet (its handler applies backpressure) is not idle.
 * - Past `maxConnections`, a new connection takes the place of the one that has waited longest
 *   without a request in progress (a keep-alive connection left idle, or one that connected and
 *   sent nothing or half its headers), as nginx reuses idle connections when it runs out: a flood
 *   of stalled connections then cannot lock healthy clients out until timeouts reap them. Only
 *   when every connection is busy with a request is the new one closed at once.
 */
export class ConnectionGuard {
  private readonly open = new Set<Socket>();
  /** Connections without a request in progress, longest-waiting first (a Set keeps insertion order). */
  private readonly waiting = new Set<Socket>();
  private readonly transfers = new Map<Socket, Transfer>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    server: Server,
    private readonly opts: ConnectionGuardOptions,
  ) {
    server.on('connection', (socket: Socket) => this.onConnection(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.timer = setInterval(() => this.check(Date.now()), checkIntervalMs(Math.min(opts.bodyIdleTimeoutMs, opts.requestTimeoutMs)));
    this.timer.unref();
    server.once('close', () => clearInterval(this.timer));
  }

  get maxConnections(): number {
    return this.opts.maxConnections;
  }

  private onConnection(socket: Socket): void {
    this.open.add(socket);
    this.waiting.add(socket);
    socket.once('close', () => this.forget(socket));
    if (this.open.size <= this.opts.maxConnections) return;
    let victim: Socket = socket;
    for (const candidate of this.waiting) {
      if (candidate !== socket) {
        victim = candidate;
        break;
      }
    }
    this.cut(victim);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    if (!this.open.has(socket)) return;
    this.waiting.delete(socket);
    const now = Date.now();
    const transfer = this.transfers.get(socket);
    if (transfer) {
      transfer.req = req;
      transfer.inFlight++;
    } else {
      this.transfers.set(socket, { req, inFlight: 1, startedAt: now, bytesRead: socket.bytesRead, bytesWritten: socket.bytesWritten, lastProgressAt: now });
    }
    res.once('close', () => {
      const t = this.transfers.get(socket);
      if (!t || --t.inFlight > 0) return;
      this.transfers.delete(socket);
      if (this.open.has(socket) && !socket.destroyed) this.waiting.add(socket);
    });
  }

  private check(now: number): void {
    for (const [socket, t] of this.transfers) {
      const req = t.req;
      const bodyArriving = hasBody(req) && !req.complete && !req.destroyed;
      if (bodyArriving && !isStreamedBody(req) && now - t.startedAt > this.opts.requestTimeoutMs) {
        this.cut(socket);
        continue;
      }
      if (socket.bytesRead !== t.bytesRead || socket.bytesWritten !== t.bytesWritten) {
        t.bytesRead = socket.bytesRead;
        t.bytesWritten = socket.bytesWritten;
        t.lastProgressAt = now;
        continue;
      }
      // Bytes already received and not yet read by the handler: the wait is the server's.
      const awaitingClient = bodyArriving && req.readableLength === 0;
      const responseStuck = socket.writableLength > 0;
      if ((awaitingClient || responseStuck) && now - t.lastProgressAt > this.opts.bodyIdleTimeoutMs) this.cut(socket);
    }
  }

  private cut(socket: Socket): void {
    this.forget(socket);
    socket.destroy();
  }

  private forget(socket: Socket): void {
    this.open.delete(socket);
    this.waiting.delete(socket);
    this.transfers.delete(socket);
  }
}

/** Guards `server` with `limits`, the connection cap derived from this process's open-file limit unless set. */
export function guardConnections(server: Server, limits: ConnectionLimitSettings): ConnectionGuard {
  return new ConnectionGuard(server, {
    maxConnections: connectionCap(limits.maxConnections, openFileLimit()),
    bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs,
    requestTimeoutMs: limits.requestTimeoutMs,
  });
}
