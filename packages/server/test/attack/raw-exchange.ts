import { connect } from 'node:net';

export interface RawExchange {
  method: string;
  /** The request target exactly as sent (no normalisation, no percent-encoding added). */
  target: string;
  /** Header lines as sent, without the final CRLF; Host and Connection are added. */
  headers: string[];
  body?: Buffer;
}

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request over a fresh socket, written byte for byte. HTTP client libraries refuse to send a
 * malformed Content-Length, an unknown method or invalid UTF-8 in a body they encode themselves;
 * a hostile client does not, so the corpus speaks raw HTTP. Only the first response is read: a
 * Content-Length shorter than the body leaves bytes the server may parse as a second request.
 */
export function rawExchange(port: number, req: RawExchange, timeoutMs = 10_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | undefined, reply?: RawReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new Error(`no complete response to ${req.method} ${req.target.slice(0, 80)} within ${timeoutMs} ms`)), timeoutMs);
    const tryParse = (ended: boolean) => {
      const reply = parseFirstResponse(received, ended);
      if (reply) finish(undefined, reply);
      else if (ended) finish(new Error(`the connection closed without a complete response to ${req.method} ${req.target.slice(0, 80)}: ${received.toString('latin1').slice(0, 200)}`));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    // The server may answer and close before reading a large body: that is a reply, not a failure.
    socket.on('error', () => tryParse(true));
    const head = `${req.method} ${req.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${req.headers.map((h) => `${h}\r\n`).join('')}\r\n`;
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]));
  });
}

function parseFirstResponse(data: Buffer, ended: boolean): RawReply | undefined {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const lines = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(split + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts).toString('utf8') };
      if (rest.length < eol + 2 + size + 2) return undefined;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length === undefined) return ended ? { status, headers, body: rest.toString('utf8') } : undefined;
  if (rest.length < length) return undefined;
  return { status, headers, body: rest.subarray(0, length).toString('utf8') };
}
