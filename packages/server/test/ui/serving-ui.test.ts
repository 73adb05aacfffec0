import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Tracker } from '@modelyard/sdk';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { getJson, logAndRegister, pimaFrame, postJson, trainClassifier } from '../serving/serving-fixtures.js';
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
      // Which version answered, in a table with labelled counts (not "pima v1 12").
      const answered = page.locator('.answered-table tr[data-version="pima v1"]');
      expect(await page.locator('.answered-table caption').textContent()).toBe('Requests answered, by model version');
      expect(await page.locator('.answered-table thead').textContent()).toBe('Model versionRequests since startShare');
      expect(Number(await answered.locator('[data-requests]').getAttribute('data-requests'))).toBeGreaterThan(0);
      expect(await answered.getByRole('link', { name: 'pima v1' }).getAttribute('href')).toBe('/models/pima/versions/1');
    } finally {
      stop = true;
      await load;
    }
    // Every request the page counted came from this test (the earlier ones were on this server too).
    await expect.poll(async () => Number((await page.locator('[data-kpi="total"]').textContent())!.replace(/,/g, '')), { timeout: 10_000 }).toBeGreaterThanOrEqual(sent);
    await finish(page, 'serving-live-metrics', errors);
  }, UI_TIMEOUT);

  it('creates an endpoint with a traffic split from the form, then changes it, showing what is wrong on the way', async () => {
    const { page, errors } = await openPage('/serving');
    await page.getByRole('button', { name: 'Create endpoint…' }).click();
    const dialog = page.locator('dialog[open]');
    const create = dialog.getByRole('button', { name: 'Create endpoint' });
    await dialog.getByLabel('Name', { exact: true }).fill('pima-ui');
    await dialog.getByLabel('Served model 1 model URI').fill('s3://bucket/model');
    // The server's refusal is shown in the dialog with its message; nothing is created.
    const refused = await postJson(`${server.url}${API}`, { name: 'pima-ui', config: { served_models: [{ name: 'champion', model_uri: 's3://bucket/model' }] } });
    expect(refused.status).toBe(400);
    await create.click();
    await expect.poll(() => dialog.locator('[role="alert"]').textContent()).toContain(refused.json.message);
    expect((await getJson(`${server.url}${API}/pima-ui`)).status).toBe(404);

    await dialog.getByLabel('Served model 1 model URI').fill('models:/pima@champion');
    await dialog.getByLabel('Served model 1 traffic').fill('60');
    await dialog.getByRole('button', { name: 'Add served model' }).click();
    await dialog.getByLabel('Served model 2 model URI').fill('models:/pima@challenger');
    await dialog.getByLabel('Served model 2 traffic').fill('30');
    // The form checks the split as it is typed: create stays disabled until it adds up.
    await expect.poll(() => dialog.locator('.form-problem').textContent()).toContain('Traffic adds up to 90%');
    expect(await create.isDisabled()).toBe(true);
    await dialog.getByLabel('Served model 1 traffic').fill('70');
    await create.click();

    await page.waitForURL(/\/serving\/pima-ui$/);
    const champion = page.locator('.served-models-table tr[data-served="champion"]');
    await expect.poll(() => champion.textContent()).toContain('pima version 1');
    expect(await champion.locator('td.num').textContent()).toBe('70%');
    expect(await page.locator('.served-models-table tr[data-served="challenger"] td.num').textContent()).toBe('30%');
    const stored = await getJson(`${server.url}${API}/pima-ui`);
    expect(stored.json.config.traffic_config.routes).toEqual([
      { served_model_name: 'champion', traffic_percentage: 70 },
      { served_model_name: 'challenger', traffic_percentage: 30 },
    ]);

    // Promote the champion to all of the traffic: the challenger leaves the endpoint.
    await page.getByRole('button', { name: 'Change models and traffic…' }).click();
    const edit = page.locator('dialog[open]');
    await edit.getByRole('button', { name: 'Remove served model 2' }).click();
    await edit.getByLabel('Served model 1 traffic').fill('100');
    await edit.getByRole('button', { name: 'Save and switch' }).click();
    await expect.poll(() => page.locator('.served-models-table tbody tr').count()).toBe(1);
    expect(await champion.locator('td.num').textContent()).toBe('100%');
    expect((await getJson(`${server.url}${API}/pima-ui`)).json.config.served_models.map((m: { name: string }) => m.name)).toEqual(['champion']);
    await finish(page, 'serving-create-endpoint', errors);
  }, UI_TIMEOUT);
});
