import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage, saveScreenshot, watchPageErrors } from './helpers/browser.js';
import { seedUiData } from './helpers/seed.js';
import type { UiSeed } from './helpers/seed.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;

/**
 * Pixels of `rgb` (±tolerance) on the first canvas inside `selector`: proof that uPlot drew the
 * series, not just an empty frame with axes.
 */
function seriesPixelsScript(selector: string, rgb: [number, number, number]): string {
  return `(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)} + ' canvas');
    if (!canvas) return -1;
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const [r, g, b] = ${JSON.stringify(rgb)};
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40) n++;
    }
    return n;
  })()`;
}
const FIRST_SERIES_RGB: [number, number, number] = [0x3b, 0x82, 0xf6];
const SECOND_SERIES_RGB: [number, number, number] = [0xf9, 0x73, 0x16];

suite(skipWhy ? `tracking UI in Chromium (skipped: ${skipWhy})` : 'tracking UI in Chromium', () => {
  let server: TestServer;
  let seed: UiSeed;
  let browser: Browser;
  let context: BrowserContext;
  let http: MlflowHttp;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    http = new MlflowHttp(server.url);
    seed = await seedUiData(server.url);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = (path: string) => openUiPage(browser, server.url + path);
  const finish = finishUiPage;

  it('lists experiments and searches them by name', async () => {
    const { page, errors } = await openPage('/');
    await page.waitForURL(/\/experiments$/);
    const names = page.locator('.experiments-table tbody a');
    await expect.poll(() => names.allTextContents()).toEqual(expect.arrayContaining(['ui-diabetes-classifiers', 'ui-regression-baselines']));

    await page.getByLabel('Search experiments').fill('regression');
    await page.getByLabel('Search experiments').press('Enter');
    await page.waitForURL(/q=regression/);
    await expect.poll(() => names.allTextContents()).toEqual(['ui-regression-baselines']);
    await finish(page, 'experiments-search', errors);
  }, UI_TIMEOUT);

  it('filters runs with metrics.roc_auc > 0.8 and shows a rejected filter inline', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}`);
    const runNames = page.locator('[data-row-index] [role="cell"] a');
    await expect.poll(() => runNames.count()).toBe(seed.runs.length + 1);

    await page.getByLabel('Filter runs').fill('metrics.roc_auc > 0.8');
    await page.getByLabel('Filter runs').press('Enter');
    const expected = seed.runs.filter((r) => r.rocAuc > 0.8).map((r) => r.name);
    await expect.poll(async () => (await runNames.allTextContents()).sort()).toEqual([...expected].sort());
    expect(new URL(page.url()).searchParams.get('filter')).toBe('metrics.roc_auc > 0.8');

    // Sorting is the server's: roc_auc descending puts the best run first.
    await page.getByRole('button', { name: 'Sort by roc_auc' }).click();
    await expect.poll(() => runNames.first().textContent()).toBe('rf-deep');
    await page.getByRole('button', { name: 'Sort by roc_auc' }).click();
    await expect.poll(() => runNames.first().textContent()).toBe('lr-l2');
    await saveScreenshot(page, 'runs-filtered');

    const bad = 'metrics.roc_auc >> 1';
    const direct = await http.post('/runs/search', { experiment_ids: [seed.experimentId], filter: bad });
    expect(direct.status).toBe(400);
    await page.getByLabel('Filter runs').fill(bad);
    await page.getByLabel('Filter runs').press('Enter');
    const alert = page.locator('#run-filter-error [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain(direct.body.message);
    expect(await alert.textContent()).toContain(direct.body.error_code);
    expect(await page.getByLabel('Filter runs').getAttribute('aria-invalid')).toBe('true');
    await finish(page, 'runs-filter-error', errors);
  }, UI_TIMEOUT);

  it('opens a run: overview facts, then the loss chart drawn with every point', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}?filter=${encodeURIComponent('metrics.roc_auc > 0.8')}`);
    await page.locator('[data-row-index] a', { hasText: 'rf-deep' }).first().click();
    await page.waitForURL(new RegExp(`/runs/${seed.richRun.runId}$`));
    const facts = page.locator('.facts');
    await expect.poll(() => facts.textContent()).toContain('alice');
    const text = (await facts.textContent())!;
    expect(text).toContain('train.py');
    expect(text).toContain('FINISHED');
    await expect.poll(() => page.getByRole('link', { name: 'rf-deep-fold-0' }).count()).toBe(1);
    expect(await page.locator('.overview table').textContent()).toContain('pima_diabetes');

    await page.getByRole('link', { name: 'Metrics' }).click();
    const chart = page.locator('[data-metric="loss"] .uplot-box');
    await expect.poll(() => chart.getAttribute('data-points')).toBe(String(seed.lossSteps));
    const pixels = await page.evaluate<number>(seriesPixelsScript('[data-metric="loss"]', FIRST_SERIES_RGB));
    expect(pixels).toBeGreaterThan(200);

    // URL-bound controls update through a router transition: click, then wait for the URL.
    await page.getByLabel('Log scale').click();
    await page.waitForURL(/log=1/);
    await expect.poll(() => chart.getAttribute('data-points')).toBe(String(seed.lossSteps));
    expect(await page.evaluate<number>(seriesPixelsScript('[data-metric="loss"]', FIRST_SERIES_RGB))).toBeGreaterThan(200);

    // The full history comes from get-history instead of the sampled endpoint: same 200 points.
    await page.getByLabel('Full history (every point)').click();
    await page.waitForURL(/full=1/);
    await expect.poll(() => page.locator('[data-metric="loss"] figcaption').textContent()).toContain('full history');
    await finish(page, 'run-metrics-chart', errors);
  }, UI_TIMEOUT);

  it('edits a tag, and deletes one only after confirming', async () => {
    const runId = seed.runs[1]!.runId;
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}/runs/${runId}/tags`);
    const tagValue = async (key: string) => {
      const r = await http.okGet('/runs/get', { run_id: runId });
      return (r.run.data.tags as Array<{ key: string; value: string }>).find((t) => t.key === key)?.value;
    };

    await page.getByRole('button', { name: 'Edit tag stage' }).click();
    await page.getByLabel('Value of stage').fill('champion');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('tr[data-tag="stage"]').textContent()).toContain('champion');
    expect(await tagValue('stage')).toBe('champion');

    await page.getByRole('button', { name: 'Delete tag stage' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete tag?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await tagValue('stage')).toBe('champion');

    await page.getByRole('button', { name: 'Delete tag stage' }).click();
    await saveScreenshot(page, 'run-tag-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete tag' }).click();
    await expect.poll(() => page.locator('tr[data-tag="stage"]').count()).toBe(0);
    expect(await tagValue('stage')).toBeUndefined();
    await finish(page, 'run-tags', errors);
  }, UI_TIMEOUT);

  it('browses artifacts with JSON, CSV, MLmodel and image previews', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}/runs/${seed.richRun.runId}/artifacts`);
    const tree = page.getByRole('tree', { name: 'Artifacts' });
    const preview = page.locator('.artifact-preview');

    await tree.getByRole('button', { name: /^metrics\.json/ }).click();
    await expect.poll(() => preview.locator('pre').textContent()).toContain('"roc_auc": 0.91');
    expect(new URL(page.url()).searchParams.get('path')).toBe('metrics.json');

    await tree.getByRole('button', { name: 'data/' }).click();
    await tree.getByRole('button', { name: /^holdout\.csv/ }).click();
    await expect.poll(() => preview.locator('table thead').textContent()).toBe('GlucoseBMIOutcome');
    expect(await preview.locator('table tbody tr').count()).toBe(3);

    await tree.getByRole('button', { name: 'model/' }).click();
    await tree.getByRole('button', { name: /^MLmodel/ }).click();
    await expect.poll(() => preview.locator('.facts').textContent()).toContain('onnx, python_function');
    expect(await preview.locator('.signature').textContent()).toContain('Glucose');
    expect(await preview.locator('.signature').textContent()).toContain('tensor int64 [-1]');

    await tree.getByRole('button', { name: 'plots/' }).click();
    await tree.getByRole('button', { name: /^roc\.png/ }).click();
    const img = preview.locator('img.artifact-image');
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(40);
    await finish(page, 'run-artifacts', errors);
  }, UI_TIMEOUT);

  it('compares selected runs: overlaid chart, diff table and scatter', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}?filter=${encodeURIComponent("params.model = 'rf'")}`);
    const rows = page.locator('[data-row-index]');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel('Select run rf-deep').check();
    await page.getByLabel('Select run rf-shallow').check();
    await page.getByRole('button', { name: 'Compare selected (2)' }).click();
    await page.waitForURL(/\/compare\?/);

    await expect.poll(() => page.locator('.compare-page .uplot-box').getAttribute('data-drawn')).toBe('true');
    await page.getByLabel('Metric', { exact: true }).selectOption('loss');
    await expect.poll(() => page.locator('.compare-page .uplot-box').getAttribute('data-points')).toBe(String(2 * seed.lossSteps));
    expect(await page.evaluate<number>(seriesPixelsScript('.compare-page', FIRST_SERIES_RGB))).toBeGreaterThan(100);
    expect(await page.evaluate<number>(seriesPixelsScript('.compare-page', SECOND_SERIES_RGB))).toBeGreaterThan(100);

    const diff = page.locator('.diff-table');
    expect(await diff.locator('tbody th').allTextContents()).toEqual(['params.max_depth', 'metrics.loss', 'metrics.roc_auc']);
    expect(await diff.locator('tr', { hasText: 'params.max_depth' }).locator('td').allTextContents()).toEqual(['12', '3']);

    await expect.poll(() => page.locator('svg.scatter-plot').getAttribute('data-points')).toBe('2');
    await page.getByLabel('Parallel coordinates').click();
    await page.waitForURL(/view=parallel/);
    await expect.poll(() => page.locator('svg.parallel-coordinates polyline').count()).toBe(2);
    await finish(page, 'compare-runs', errors);
  }, UI_TIMEOUT);

  it('follows the dark system theme and works from the keyboard alone', async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 800 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${server.url}/experiments/${seed.experimentId}`);
    await page.locator('[data-row-index]').first().waitFor();
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!, background).toBeLessThan(150);

    // Tab to the filter box, search, then Tab on to the first run's link and open it with Enter.
    const focused = () => page.evaluate<string>('document.activeElement ? (document.activeElement.id || document.activeElement.textContent || "") : ""');
    for (let i = 0; i < 30 && (await focused()) !== 'run-filter'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('run-filter');
    await page.keyboard.type("params.model = 'lr'");
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-row-index]').count()).toBe(3);
    const firstName = await page.locator('[data-row-index="0"] a').textContent();
    for (let i = 0; i < 40 && (await focused()) !== firstName; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe(firstName);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[0-9a-f]+$/);
    await expect.poll(() => page.locator('h1').textContent()).toContain(firstName!);
    await finish(page, 'dark-theme-keyboard', errors);
  }, UI_TIMEOUT);

  it('shows the server message for a run that does not exist, never a blank page', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.experimentId}/runs/0123456789abcdef0123456789abcdef`);
    const direct = await http.get('/runs/get', { run_id: '0123456789abcdef0123456789abcdef' });
    expect(direct.status).toBe(404);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain(direct.body.message);
    expect(await alert.textContent()).toContain('RESOURCE_DOES_NOT_EXIST');
    await finish(page, 'run-not-found', errors);
  }, UI_TIMEOUT);
});
