import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parseWebhookEvent } from '../../src/domain/registry-webhook.js';
import { WebhookStore } from '../../src/stores/registry/webhook-store.js';
import { describeEachServer, MlflowHttp } from '../helpers/mlflow-http.js';
import type { ServerContext } from '../helpers/mlflow-http.js';
import { eventually } from '../registry/webhook-receiver.js';

/*
 * "Webhooks cannot reach inside": a webhook is a request the server makes on a user's behalf, so
 * it must not reach loopback, private or metadata addresses (however they are spelled), must not
 * hand back what an internal service answered, and must not read an unbounded reply. Every call
 * in this file goes to loopback: the "internal service" is a server of the test's own.
 */

const SECRET = 'internal-admin-token-6f1e2d';

/** A stand-in internal service: records calls and answers `status` with a secret body. */
class InternalService {
  calls = 0;
  status = 200;
  /** Bytes of the reply the kernel accepted (write callbacks that succeeded) before the socket closed. */
  flushed = 0;
  replyClosed: Promise<void> = Promise.resolve();
  /** When set, the reply is this many bytes, streamed with backpressure, instead of the secret. */
  floodBytes = 0;
  private server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/internal-admin`;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.calls++;
        if (this.floodBytes === 0) {
          // The reason phrase carries the secret too: it is receiver text as much as the body is.
          res.writeHead(this.status, `Status ${SECRET}`, { 'content-type': 'text/plain' }).end(`${SECRET}\n`.repeat(10));
          return;
        }
        this.flood(res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  private flood(res: import('node:http').ServerResponse): void {
    const total = this.floodBytes;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let queued = 0;
    this.flushed = 0;
    this.replyClosed = new Promise((resolve) => res.on('close', () => resolve()));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    const pump = () => {
      while (queued < total && !res.destroyed) {
        queued += chunk.length;
        const more = res.write(chunk, (err) => {
          if (!err) this.flushed += chunk.length;
        });
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
      if (queued >= total) res.end();
    };
    pump();
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

const internal = new InternalService();
beforeAll(() => internal.start());
afterAll(() => internal.stop());

const registeredModelCreated = [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }];

function webhookHelpers(ctx: ServerContext) {
  let n = 0;
  const deliveries = async (id: string) =>
    ((await new MlflowHttp(ctx.server.url, '/api/v1/registry').okGet(`/webhooks/${id}/deliveries`)) as { deliveries?: Array<Record<string, unknown>> }).deliveries ?? [];
  return {
    deliveries,
    /** Fires `registered_model.created`, the event every webhook here subscribes to. */
    fireEvent: () => ctx.http.ok('/registered-models/create', { name: `ssrf-${ctx.dialect}-${Date.now()}-${n++}` }),
    async deleteAll() {
      const listed = (await ctx.http.okGet('/webhooks')) as { webhooks?: Array<{ webhook_id: string }> };
      for (const w of listed.webhooks ?? []) await ctx.http.send('DELETE', `/webhooks/${w.webhook_id}`);
    },
  };
}

describeEachServer('webhooks without an allow list', (ctx) => {
  const h = webhookHelpers(ctx);
  afterEach(() => h.deleteAll());

  /** [url, what the refusal must say]: every internal class, and the spellings that hide one. */
  const refused = (): Array<[string, RegExp]> => [
    [internal.url, /127\.0\.0\.1 is a loopback address/],
    [`https://127.0.0.1:${internal.port}/`, /loopback/],
    ['http://127.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://127.255.255.254/', /loopback/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/], // decimal
    ['http://017700000001/', /127\.0\.0\.1 is a loopback address/], // octal, one part
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a loopback address/], // octal
    ['http://0x7f.0.0.1/', /127\.0\.0\.1 is a loopback address/], // hex
    ['http://0x7f000001/', /127\.0\.0\.1 is a loopback address/], // hex, one part
    [`http://localhost:${internal.port}/internal-admin`, /host 'localhost' resolves to (127\.0\.0\.1|::1), a loopback address/],
    [`http://LOCALHOST.:${internal.port}/`, /host 'localhost' resolves to .*loopback/],
    ['http://[::1]/', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/', /loopback/], // IPv4-mapped IPv6
    ['http://[0:0:0:0:0:ffff:7f00:1]/', /loopback/],
    ['http://10.0.0.5/', /private-network/],
    ['http://172.16.3.4/', /private-network/],
    ['http://172.31.255.255/', /private-network/],
    ['http://192.168.1.1/', /private-network/],
    ['http://[::ffff:10.0.0.1]/', /private-network/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/], // cloud metadata
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://0xa9fea9fe/', /169\.254\.169\.254 is a link-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fc00::1]/', /unique-local/],
    ['http://[fd12:3456::1]/', /unique-local/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://0/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://100.127.255.254/', /carrier-grade NAT/],
    ['http://224.0.0.1/', /multicast/],
    ['http://[ff02::1]/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://[64:ff9b::7f00:1]/', /special-purpose/], // NAT64 of 127.0.0.1
    ['http://[::7f00:1]/', /special-purpose/], // IPv4-compatible IPv6
    ['http://user:pa55@10.0.0.5/', /private-network/],
  ];

  it('refuses to register a webhook for any internal address, naming the URL and why', async () => {
    for (const [url, why] of refused()) {
      const r = await ctx.http.post('/webhooks', { name: 'probe', url, events: registeredModelCreated });
      expect(r.status, url).toBe(400);
      expect(r.body.error_code, url).toBe('INVALID_PARAMETER_VALUE');
      expect(r.body.message, url).toMatch(why);
      expect(r.body.message, url).toContain('--webhook-allow-hosts');
      expect(r.body.message, url).not.toContain('pa55');
    }
    expect(internal.calls).toBe(0);
    expect((await ctx.http.okGet('/webhooks')).webhooks).toBeUndefined();
  });

  it('refuses the same addresses when a webhook is updated', async () => {
    // A public address passes (nothing is sent: no event fires while it exists).
    const created = await ctx.http.ok('/webhooks', { name: 'public', url: 'https://93.184.215.14/hook', events: registeredModelCreated });
    const id = created.webhook.webhook_id as string;
    for (const [url, why] of refused()) {
      const r = await ctx.http.send('PATCH', `/webhooks/${id}`, JSON.stringify({ url }));
      expect(r.status, url).toBe(400);
      expect(r.body.message, url).toMatch(why);
    }
    expect((await ctx.http.okGet(`/webhooks/${id}`)).webhook.url).toBe('https://93.184.215.14/hook');
  });

  it('checks again at delivery: a stored webhook to loopback (registered before, or under an older allow list) is never called', async () => {
    // Written straight to the store, as a webhook from before this check (or a since-narrowed allow list) would be.
    const store = new WebhookStore(ctx.server.db.db, ctx.server.db.caps);
    const stored = [internal.url, `http://localhost:${internal.port}/internal-admin`];
    const ids: string[] = [];
    for (const url of stored) {
      const w = await store.create({ name: 'old', description: null, url, events: [parseWebhookEvent('registered_model.created')], status: 'ACTIVE', secret: null }, Date.now());
      ids.push(w.webhookId);
    }

    await h.fireEvent();
    for (const id of ids) {
      await eventually(async () => (await h.deliveries(id))[0]?.status === 'FAILED', `the refused delivery of ${id}`);
      const [d] = await h.deliveries(id);
      // Refusal is final: no retries against an address that is not allowed.
      expect(d).toMatchObject({ attempts: 1 });
      expect(d!.last_error).toMatch(/^refused: (127\.0\.0\.1 is|host 'localhost' resolves to .*,) a loopback address/);
      expect(d!.last_status_code).toBeUndefined();

      const tested = await ctx.http.post(`/webhooks/${id}/test`, {});
      expect(tested.status).toBe(200);
      expect(tested.body.result).toMatchObject({ success: false });
      expect(tested.body.result.error_message).toContain('refused');
    }
    expect(internal.calls).toBe(0);
  });
});

describeEachServer(
  'webhooks to an allowed loopback receiver',
  (ctx) => {
    const h = webhookHelpers(ctx);
    afterEach(async () => {
      await h.deleteAll();
      internal.status = 200;
      internal.floodBytes = 0;
    });

    it('answers a test delivery with the status only, never what the receiver said', async () => {
      const { webhook } = await ctx.http.ok('/webhooks', { name: 'admin', url: internal.url, events: registeredModelCreated });
      const before = internal.calls;
      const ok = await ctx.http.post(`/webhooks/${webhook.webhook_id}/test`, {});
      expect(ok).toEqual({ status: 200, body: { result: { success: true, response_status: 200 } } });

      internal.status = 500;
      const failed = await ctx.http.post(`/webhooks/${webhook.webhook_id}/test`, {});
      expect(failed.body.result).toMatchObject({ success: false, response_status: 500 });
      expect(failed.body.result.error_message).toMatch(/HTTP 500 Internal Server Error/);
      expect(JSON.stringify(failed.body)).not.toContain(SECRET);

      // Real deliveries record a status and a short reason, not the reply either.
      await h.fireEvent();
      await eventually(async () => (await h.deliveries(webhook.webhook_id as string)).some((d) => d.last_status_code === 500), 'an attempt answered 500');
      expect(JSON.stringify(await h.deliveries(webhook.webhook_id as string))).not.toContain(SECRET);
      expect(internal.calls).toBeGreaterThanOrEqual(before + 3);
    });

    it('reads only a few KB of a huge reply and closes the connection', async () => {
      const total = 50 * 1024 * 1024;
      internal.floodBytes = total;
      const { webhook } = await ctx.http.ok('/webhooks', { name: 'flood', url: internal.url, events: registeredModelCreated });
      const mem = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
      const baseline = mem();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, mem())), 2);
      try {
        const tested = await ctx.http.post(`/webhooks/${webhook.webhook_id}/test`, {});
        expect(tested.body.result).toMatchObject({ success: true, response_status: 200 });
        // The server closes the socket: the receiver's reply ends early, whatever the kernel buffered.
        await internal.replyClosed;
      } finally {
        clearInterval(sampler);
      }
      // What the kernel took before the close is socket buffers (about 4 MiB here: tcp_wmem's
      // maximum), not the 50 MiB a reader of the whole reply would have pulled through.
      expect(internal.flushed).toBeLessThan(16 * 1024 * 1024);
      // This process is the server too: its heap did not take in the reply.
      expect(peak - baseline).toBeLessThan(32 * 1024 * 1024);
    });
  },
  { config: { webhookAllowHosts: '127.0.0.1' } },
);
