import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The MLflow signature check, done the way a receiver would (secret known to the test). */
  signatureValid: boolean | null;
}

/**
 * A webhook receiver on a loopback port: records every call, verifies MLflow's signature, and
 * answers with whatever `respond` says (a status, or 'hang' to never answer).
 */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  respond: (call: ReceivedCall, n: number) => number | 'hang' = () => 200;
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly secret: string | null) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const call: ReceivedCall = { headers: req.headers, body, signatureValid: this.verify(req.headers, body) };
        this.calls.push(call);
        const answer = this.respond(call, this.calls.length);
        if (answer === 'hang') return;
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 400 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private verify(headers: ReceivedCall['headers'], body: string): boolean | null {
    const signature = headers['x-mlflow-signature'];
    if (this.secret === null || typeof signature !== 'string') return signature === undefined ? null : false;
    const signed = `${String(headers['x-mlflow-delivery-id'])}.${String(headers['x-mlflow-timestamp'])}.${body}`;
    const expected = `v1,${createHmac('sha256', this.secret).update(signed).digest('base64')}`;
    return signature === expected;
  }
}

/** Polls `check` until it holds (tests wait for asynchronous delivery; they never assert timings). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
