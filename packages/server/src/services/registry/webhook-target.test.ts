import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhook } from './webhook-sender.js';
import { WebhookTargetPolicy } from './webhook-target.js';
import type { HostResolver } from './webhook-target.js';

const answers = (map: Record<string, string[]>): HostResolver => async (host) => {
  const list = map[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('WebhookTargetPolicy', () => {
  const resolver = answers({ 'mixed.example': ['93.184.215.14', '10.0.0.7'], 'public.example': ['93.184.215.14'], 'hooks.internal': ['10.0.0.7'] });

  it('refuses a name when any of its addresses is internal, and says which', async () => {
    const r = await new WebhookTargetPolicy([], resolver).check(new URL('https://mixed.example/x'));
    expect(r).toEqual({ ok: false, final: true, reason: "host 'mixed.example' resolves to 10.0.0.7, a private-network address" });
  });

  it('passes public names and what the allow list names or holds', async () => {
    expect(await new WebhookTargetPolicy([], resolver).check(new URL('https://public.example/'))).toMatchObject({ ok: true });
    expect(await new WebhookTargetPolicy(['hooks.internal'], resolver).check(new URL('http://hooks.internal/'))).toMatchObject({ ok: true, addresses: [{ address: '10.0.0.7' }] });
    expect(await new WebhookTargetPolicy(['10.0.0.0/8'], resolver).check(new URL('http://mixed.example/'))).toMatchObject({ ok: true });
    expect(await new WebhookTargetPolicy(['10.0.0.0/8'], resolver).check(new URL('http://[::ffff:10.1.1.1]/'))).toMatchObject({ ok: true });
  });

  it('reports a failed lookup as retryable, not as a refusal', async () => {
    expect(await new WebhookTargetPolicy([], resolver).check(new URL('http://nowhere.example/'))).toEqual({ ok: false, final: false, reason: "host 'nowhere.example' cannot be resolved (ENOTFOUND)" });
  });
});

describe('sendWebhook address pinning', () => {
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(String(req.headers.host));
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects to the address it checked: a DNS answer that changes afterwards is never asked for', async () => {
    // First answer: the allowed 127.0.0.1; any later one: 127.0.0.2, where nothing listens.
    let lookups = 0;
    const rebinding: HostResolver = async () => [{ address: lookups++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    const targets = new WebhookTargetPolicy(['127.0.0.0/8'], rebinding);
    const r = await sendWebhook({ url: `http://hooks.example.test:${port}/hook`, deliveryId: 'd1', payload: '{}', secret: null, nowMs: Date.now(), timeoutMs: 5000, targets });
    expect(r).toEqual({ ok: true, statusCode: 200, error: null });
    expect(lookups).toBe(1);
    expect(hosts).toEqual([`hooks.example.test:${port}`]);
  });
});
