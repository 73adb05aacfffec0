import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage } from './helpers/browser.js';
import { seedUiData } from './helpers/seed.js';
import type { UiSeed } from './helpers/seed.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;

/** Width of an element in CSS pixels (the test tsconfig has no DOM lib, hence the cast). */
const widthOf = (el: unknown) => (el as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width;

suite(skipWhy ? `metric charts in Chromium (skipped: ${skipWhy})` : 'metric charts in Chromium', () => {
  let server: TestServer;
  let seed: UiSeed;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    seed = await seedUiData(server.url);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("draws a run's single-value metric as a bar with its value, and a metric over steps as a line", async () => {
    const run = seed.richRun;
    const { page, errors } = await openUiPage(browser, `${server.url}/experiments/${seed.experimentId}/runs/${run.runId}/metrics`);
    const cards = page.locator('.chart-card');
    await expect.poll(() => cards.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-metric')}:${e.getAttribute('data-chart-kind')}`))).toEqual(['loss:line', 'roc_auc:bar']);

    // roc_auc was logged once (step 0): a bar labelled with the run and its value, no line chart.
    const rocAuc = page.locator('[data-metric="roc_auc"]');
    expect(await rocAuc.locator('.uplot-box').count()).toBe(0);
    const bar = rocAuc.locator('.bar-row');
    expect(await bar.getAttribute('data-bar')).toBe(run.name);
    expect(Number(await bar.getAttribute('data-value'))).toBe(run.rocAuc);
    expect(await rocAuc.locator('.bar-value').textContent()).toBe(String(run.rocAuc));
    expect(await rocAuc.locator('.bar').evaluate(widthOf)).toBeGreaterThan(50);
    expect(await rocAuc.locator('figcaption').textContent()).toBe('One value, at step 0');

    // loss was logged at every step: uPlot draws every point as a line.
    await expect.poll(() => page.locator('[data-metric="loss"] .uplot-box').getAttribute('data-points')).toBe(String(seed.lossSteps));
    expect(await page.locator('[data-metric="loss"] .bar-chart').count()).toBe(0);
    await finishUiPage(page, 'metric-charts-run', errors);
  }, UI_TIMEOUT);

  it('compares a single-value metric as one bar per run, to scale, and a curve as lines', async () => {
    const [deep, , shallow] = seed.runs;
    const ids = [deep!.runId, shallow!.runId, seed.childRunId];
    const { page, errors } = await openUiPage(browser, `${server.url}/compare?experiment=${seed.experimentId}&runs=${ids.join(',')}`);

    // With no metric in the URL the first metric logged over steps is shown, as lines.
    const overlay = page.locator('.overlay-chart');
    await expect.poll(() => overlay.getAttribute('data-chart-kind')).toBe('line');
    expect(await overlay.getAttribute('data-metric')).toBe('loss');
    await expect.poll(() => overlay.locator('.uplot-box').getAttribute('data-points')).toBe(String(2 * seed.lossSteps));

    await page.getByLabel('Metric', { exact: true }).selectOption('roc_auc');
    await page.waitForURL(/metric=roc_auc/);
    await expect.poll(() => overlay.getAttribute('data-chart-kind')).toBe('bar');
    expect(await overlay.locator('.uplot-box').count()).toBe(0);
    // Smoothing, log scale and the x axis mean nothing for bars: their controls are gone.
    expect(await overlay.getByLabel('Smoothing').count()).toBe(0);

    const rows = overlay.locator('.bar-row');
    expect(await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-bar'), e.getAttribute('data-value')]))).toEqual([
      [deep!.name, String(deep!.rocAuc)],
      [shallow!.name, String(shallow!.rocAuc)],
      ['rf-deep-fold-0', null],
    ]);
    expect(await overlay.locator('.bar-chart').getAttribute('data-bars')).toBe('2');
    expect(await rows.nth(2).locator('.bar-value').textContent()).toBe('not logged');
    // Bars start at zero on one shared axis: their lengths are in the ratio of the values.
    const deepWidth = await rows.nth(0).locator('.bar').evaluate(widthOf);
    const shallowWidth = await rows.nth(1).locator('.bar').evaluate(widthOf);
    expect(shallowWidth / deepWidth).toBeCloseTo(shallow!.rocAuc / deep!.rocAuc, 2);
    await finishUiPage(page, 'metric-charts-compare-bars', errors);
  }, UI_TIMEOUT);
});
