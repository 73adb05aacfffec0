import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { buildRegistryTestApp, createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';
import { eventually, WebhookReceiver } from './webhook-receiver.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const alice = { actor: 'alice' };

describeEachDialect('registry webhooks', (ctx) => {
  let f: RegistryFixture;
  let app: FastifyInstance;
  const receivers: WebhookReceiver[] = [];
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps, {
      // The receivers listen on loopback, which webhooks may only call when the operator allows it.
      config: { webhookAllowHosts: '127.0.0.1' },
      // Short waits for the first retries, a longer one before the last: a receiver restarted in the
      // test comes back well within the attempts.
      webhooks: { timeoutMs: 300, maxAttempts: 4, backoffMs: (n) => (n >= 2 ? 300 : 30), pollIntervalMs: 25 },
    });
    f.registry.webhookDispatcher.start();
    app = await buildRegistryTestApp(f);
  });
  afterEach(async () => {
    for (const w of (await f.registry.webhooks.list({})).webhooks) await f.registry.webhooks.delete(w.webhookId);
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await f.registry.webhookDispatcher.stop();
    await app.close();
    f.close();
  });

  const receiver = async (secret: string | null) => {
    const r = new WebhookReceiver(secret);
    await r.start();
    receivers.push(r);
    return r;
  };
  const inject = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Json) => {
    const res = await app.inject({ method, url: `/api/2.0/mlflow${url}`, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Json) };
  };

  it('delivers signed MLflow payloads after commit for the subscribed events only', async () => {
    const rx = await receiver('s3cret');
    const created = await inject('POST', '/webhooks', {
      name: 'ci',
      url: rx.url,
      secret: 's3cret',
      events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }, 'model_version.transitioned', { entity: 'registered_model', action: 'created' }],
    });
    expect(created.status).toBe(200);
    expect(created.body!.webhook).toMatchObject({ name: 'ci', url: rx.url, status: 'ACTIVE' });
    expect(created.body!.webhook.secret).toBeUndefined();
    expect(created.body!.webhook.events).toEqual([
      { entity: 'MODEL_VERSION', action: 'CREATED' },
      { entity: 'MODEL_VERSION', action: 'TRANSITIONED' },
      { entity: 'REGISTERED_MODEL', action: 'CREATED' },
    ]);

    await f.registry.registeredModels.create({ name: 'wh-a', tags: [{ key: 't', value: '1' }] }, alice);
    await f.registry.modelVersions.create({ name: 'wh-a', source: 's3://b/1', runId: 'r1' }, alice);
    await f.registry.modelVersions.setTag('wh-a', 1, { key: 'k', value: 'v' }, alice); // not subscribed
    await f.registry.modelVersions.transitionStage({ name: 'wh-a', version: 1, stage: 'Staging' }, { actor: 'bob', comment: 'qa' });
    await eventually(() => rx.calls.length >= 3, 'three deliveries');
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.calls).toHaveLength(3);
    for (const c of rx.calls) {
      expect(c.signatureValid).toBe(true);
      expect(c.headers['content-type']).toBe('application/json');
      expect(c.headers['x-mlflow-timestamp']).toMatch(/^\d+$/);
    }
    const bodies = rx.calls.map((c) => JSON.parse(c.body) as Json);
    expect(bodies.map((b) => `${b.entity}.${b.action}`).sort()).toEqual(['model_version.created', 'model_version.transitioned', 'registered_model.created']);
    const byKey = Object.fromEntries(bodies.map((b) => [`${b.entity}.${b.action}`, b]));
    expect(byKey['registered_model.created']!.data).toEqual({ name: 'wh-a', tags: { t: '1' }, description: null });
    expect(byKey['model_version.created']!.data).toEqual({ name: 'wh-a', version: '1', source: 's3://b/1', run_id: 'r1', tags: {}, description: null });
    expect(byKey['model_version.transitioned']!.data).toEqual({ name: 'wh-a', version: '1', from_stage: 'None', to_stage: 'Staging', comment: 'qa' });
    expect(new Date(byKey['model_version.created']!.timestamp as string).toISOString()).toBe(byKey['model_version.created']!.timestamp);

    // A write that fails leaves nothing in the outbox.
    await expect(f.registry.registeredModels.create({ name: 'wh-a' }, alice)).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS' });
    const deliveries = await f.registry.webhooks.deliveries(created.body!.webhook.webhook_id as string);
    expect(deliveries.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
  });

  it('retries a receiver answering 500 with the same delivery id, then delivers', async () => {
    const rx = await receiver('k');
    rx.respond = (_c, n) => (n <= 2 ? 500 : 200);
    const w = await f.registry.webhooks.create({ name: 'flaky', url: rx.url, secret: 'k', events: ['registered_model.created'] });
    await f.registry.registeredModels.create({ name: 'wh-retry' }, alice);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId))[0]?.status === 'DELIVERED', 'delivery after retries');
    expect(rx.calls).toHaveLength(3);
    expect(new Set(rx.calls.map((c) => c.headers['x-mlflow-delivery-id'])).size).toBe(1);
    expect(rx.calls.every((c) => c.signatureValid === true)).toBe(true);
    const [d] = await f.registry.webhooks.deliveries(w.webhookId);
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
  });

  it('keeps the registry working while the receiver is down or hangs, and catches up later', async () => {
    const rx = await receiver(null);
    const port = Number(new URL(rx.url).port);
    await rx.stop();
    const w = await f.registry.webhooks.create({ name: 'down', url: `http://127.0.0.1:${port}/hook`, events: ['model_version.created'] });
    await f.registry.registeredModels.create({ name: 'wh-down' }, alice);
    for (let i = 0; i < 5; i++) await f.registry.modelVersions.create({ name: 'wh-down', source: `s3://b/${i}` }, alice);
    expect((await f.registry.modelVersions.search({ filter: "name = 'wh-down'" })).versions).toHaveLength(5);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId)).every((d) => d.attempts >= 1 && d.lastError !== null), 'failed first attempts');
    expect((await f.registry.webhooks.deliveries(w.webhookId))[0]!.lastError).toMatch(/ECONNREFUSED|fetch failed/);

    // Back up on the same port before the attempts run out: everything is delivered, unsigned (no secret).
    const back = new WebhookReceiver(null);
    await back.start(port);
    receivers.push(back);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId)).every((d) => d.status !== 'PENDING'), 'catch-up');
    expect((await f.registry.webhooks.deliveries(w.webhookId)).map((d) => d.status)).toEqual(Array(5).fill('DELIVERED'));
    expect(back.calls).toHaveLength(5);
    expect(back.calls.every((c) => c.signatureValid === null)).toBe(true);

    // A receiver that never answers: writes still return; the attempt times out and is retried.
    back.respond = () => 'hang';
    await f.registry.modelVersions.create({ name: 'wh-down', source: 's3://b/hang' }, alice);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId)).some((d) => d.lastError !== null && /abort|timeout/i.test(d.lastError)), 'a timed-out attempt');
  });

  it('gives up after the last attempt and marks the delivery FAILED; 4xx answers are not retried', async () => {
    const rx = await receiver(null);
    rx.respond = () => 503;
    const w = await f.registry.webhooks.create({ name: 'dead', url: rx.url, events: ['model_version_alias.created'] });
    await f.registry.registeredModels.create({ name: 'wh-dead' }, alice);
    await f.registry.modelVersions.create({ name: 'wh-dead', source: 's3://b/1' }, alice);
    await f.registry.modelVersions.setAlias('wh-dead', 'champion', 1, alice);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId))[0]?.status === 'FAILED', 'giving up');
    expect(rx.calls).toHaveLength(4);
    expect((await f.registry.webhooks.deliveries(w.webhookId))[0]).toMatchObject({ attempts: 4, lastStatusCode: 503 });

    rx.respond = () => 404;
    await f.registry.modelVersions.setAlias('wh-dead', 'champion', 1, alice);
    await eventually(async () => (await f.registry.webhooks.deliveries(w.webhookId))[1]?.status === 'FAILED', 'a final 404');
    expect((await f.registry.webhooks.deliveries(w.webhookId))[1]).toMatchObject({ attempts: 1, lastStatusCode: 404 });
  });

  it('serves MLflow webhook CRUD and test delivery over REST, with MLflow errors', async () => {
    const rx = await receiver('t');
    const { body } = await inject('POST', '/webhooks', { name: 'crud', url: rx.url, events: ['model_version_tag.set'], secret: 't', description: 'd' });
    const id = body!.webhook.webhook_id as string;
    expect((await inject('GET', `/webhooks/${id}`)).body!.webhook).toMatchObject({ webhook_id: id, name: 'crud', description: 'd' });
    const listed = await inject('GET', '/webhooks');
    expect(listed.body!.webhooks.map((w: Json) => w.webhook_id)).toEqual([id]);
    const patched = await inject('PATCH', `/webhooks/${id}`, { status: 'DISABLED', events: [{ entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' }] });
    expect(patched.body!.webhook).toMatchObject({ status: 'DISABLED', events: [{ entity: 'MODEL_VERSION_ALIAS', action: 'DELETED' }] });

    const tested = await inject('POST', `/webhooks/${id}/test`, {});
    // Only the status comes back, never the receiver's body (test/attack/webhook-ssrf.test.ts).
    expect(tested).toEqual({ status: 200, body: { result: { success: true, response_status: 200 } } });
    expect(rx.calls).toHaveLength(1);
    expect(rx.calls[0]!.signatureValid).toBe(true);
    expect(JSON.parse(rx.calls[0]!.body)).toMatchObject({ entity: 'model_version_alias', action: 'deleted', data: { name: 'example_model', alias: 'example_alias' } });
    rx.respond = () => 500;
    const failing = await inject('POST', `/webhooks/${id}/test`, { event: { entity: 'REGISTERED_MODEL', action: 'CREATED' } });
    expect(failing.body!.result).toMatchObject({ success: false, response_status: 500 });

    // A disabled webhook gets nothing from real events.
    await f.registry.registeredModels.create({ name: 'wh-crud' }, alice);
    await f.registry.modelVersions.create({ name: 'wh-crud', source: 's3://b/1' }, alice);
    await f.registry.modelVersions.setAlias('wh-crud', 'a', 1, alice);
    await f.registry.modelVersions.deleteAlias('wh-crud', 'a', alice);
    expect(await f.registry.webhooks.deliveries(id)).toEqual([]);

    const bad = await inject('POST', '/webhooks', { name: 'x', url: 'ftp://host/x', events: ['registered_model.created'] });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const badEvent = await inject('POST', '/webhooks', { name: 'x', url: rx.url, events: ['run.created'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body!.message).toContain('Invalid webhook event');
    const noEvents = await inject('POST', '/webhooks', { name: 'x', url: rx.url, events: [] });
    expect(noEvents.status).toBe(400);
    expect((await inject('DELETE', `/webhooks/${id}`)).status).toBe(200);
    expect(await inject('GET', `/webhooks/${id}`)).toEqual({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Webhook with ID ${id} not found.` },
    });
  });
});
