import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Tracker } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { logAndRegister, pimaFrame, postJson, trainClassifier } from '../serving/serving-fixtures.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage } from './helpers/browser.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;
const API = '/api/v1/serving-endpoints';

suite(skipWhy ? `serving UI in Chromium (skipped: ${skipWhy})` : 'serving UI in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const row = pimaFrame().drop(['Outcome']).head(1).toRecords()[0]!;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    // Trained, logged and registered through the SDK, as training code does it.
    const tracker = new Tracker({ trackingUri: server.url, env: {} });
    await tracker.setExperiment('ui-serving');
    await logAndRegister(tracker, trainClassifier(0.0005), 'pima');
    await logAndRegister(tracker, trainClassifier(100), 'pima');
    await tracker.client.registry.setAlias('pima', 'champion', '1');
    await tracker.client.registry.setAlias('pima', 'challenger', '2');
    const created = await postJson(`${server.url}${API}`, {
      name: 'pima-live',
      description: 'champion with a challenger on 20%',
      config: {
        served_models: [
          { name: 'champion', model_uri: 'models:/pima@champion' },
          { name: 'challenger', model_uri: 'models:/pima@challenger' },
        ],
        traffic_config: {
          routes: [
            { served_model_name: 'champion', traffic_percentage: 80 },
            { served_model_name: 'challenger', traffic_percentage: 20 },
          ],
        },
      },
    });
    expect(created.status).toBe(200);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = (path: string) => openUiPage(browser, server.url + path);
  const finish = finishUiPage;

  it('lists endpoints with their served versions and traffic split', async () => {
    const { page, errors } = await openPage('/serving');
    const row = page.locator('.endpoints-table tbody tr', { hasText: 'pima-live' });
    await expect.poll(() => row.textContent()).toContain('pima v2');
    expect(await row.textContent()).toContain('pima v1');
    expect(await row.locator('.traffic-split').getAttribute('aria-label')).toBe('Traffic: champion 80%, challenger 20%');
    expect(await row.locator('.status').textContent()).toBe('READY');
    await finish(page, 'serving-endpoints', errors);
  }, UI_TIMEOUT);

  it('scores a JSON row with the try-it form and shows the prediction and the version that made it', async () => {
    const { page, errors } = await openPage('/serving/pima-live');
    const input = page.getByLabel(/^Input row/);
    // Prefilled from the served version's signature.
    await expect.poll(() => input.inputValue()).toContain('"Glucose"');

    const direct = await postJson(`${server.url}${API}/pima-live/served-models/challenger/invocations`, { dataframe_records: [row] });
    expect(direct.status).toBe(200);
    await input.fill(JSON.stringify(row));
    await page.locator('.try-it select').selectOption('challenger');
    await page.waitForURL(/served=challenger/);
    await page.getByRole('button', { name: 'Score' }).click();
    const prediction = page.locator('.prediction');
    await expect.poll(() => prediction.textContent()).toContain('pima version 2');
    expect(await prediction.textContent()).toContain('challenger');
    expect(JSON.parse((await page.locator('.prediction-body').textContent())!)).toEqual(direct.json);

    // A row the model cannot take: the server's own message is shown.
    const bad = await postJson(`${server.url}${API}/pima-live/invocations`, { dataframe_records: [{ Glucose: 'high' }] });
    expect(bad.status).toBe(400);
    await input.fill('{"Glucose": "high"}');
    await page.getByRole('button', { name: 'Score' }).click();
    const alert = page.locator('.try-it [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain(bad.json.message);
    expect(await alert.textContent()).toContain(bad.json.error_code);
    await finish(page, 'serving-try-it', errors);
  }, UI_TIMEOUT);

  it('shows the live request rate and latency while requests arrive', async () => {
    const { page, errors } = await openPage('/serving/pima-live');
    let sent = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        await Promise.all(
          Array.from({ length: 5 }, async () => {
            const r = await postJson(`${server.url}${API}/pima-live/invocations`, { dataframe_records: [row] });
            if (r.status === 200) sent++;
          }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      const rps = page.locator('[data-kpi="rps"]');
      await expect.poll(async () => Number(await rps.textContent()), { timeout: 20_000 }).toBeGreaterThan(1);
      await expect.poll(() => page.locator('[data-kpi="p95"]').textContent(), { timeout: 10_000 }).toMatch(/ms$/);
      await expect.poll(() => page.locator('.live-metrics .uplot-box').getAttribute('data-drawn'), { timeout: 10_000 }).toBe('true');
      expect(await page.locator('.live-metrics').textContent()).toMatch(/pima v1 \d/);
    } finally {
      stop = true;
      await load;
    }
    // Every request the page counted came from this test (the earlier ones were on this server too).
    await expect.poll(async () => Number((await page.locator('[data-kpi="total"]').textContent())!.replace(/,/g, '')), { timeout: 10_000 }).toBeGreaterThanOrEqual(sent);
    await finish(page, 'serving-live-metrics', errors);
  }, UI_TIMEOUT);
});
