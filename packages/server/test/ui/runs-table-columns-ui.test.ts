import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage, saveScreenshot } from './helpers/browser.js';
import { ensureWebBuilt } from './helpers/web-build.js';
import { seedWideRuns } from './helpers/wide-runs-seed.js';
import type { WideRunsSeed } from './helpers/wide-runs-seed.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 120_000;

interface ColumnMisfit {
  column: number;
  header: string;
  row: string;
  headerX: [number, number];
  cellX: [number, number];
}

interface LayoutReport {
  headers: number;
  rows: number;
  misfits: ColumnMisfit[];
  scrollLeft: number;
  maxScrollLeft: number;
}

/**
 * Compares, in the page, every header cell's x-range with the x-range of the cell in the same
 * position of every rendered row (getBoundingClientRect, so transforms and scrolling count).
 * A string, not a function: the test tsconfig has no DOM lib.
 */
const LAYOUT_SCRIPT = `(() => {
  const scroll = document.querySelector('.runs-scroll');
  const headers = [...document.querySelectorAll('.runs-header [role="columnheader"]')];
  const rows = [...document.querySelectorAll('[data-row-index]')];
  const misfits = [];
  for (const row of rows) {
    const cells = [...row.querySelectorAll('[role="cell"]')];
    if (cells.length !== headers.length) {
      misfits.push({ column: -1, header: String(headers.length) + ' headers', row: row.getAttribute('data-row-index') + ': ' + cells.length + ' cells', headerX: [0, 0], cellX: [0, 0] });
      continue;
    }
    headers.forEach((h, i) => {
      const a = h.getBoundingClientRect();
      const b = cells[i].getBoundingClientRect();
      if (Math.abs(a.left - b.left) > 0.5 || Math.abs(a.right - b.right) > 0.5) {
        misfits.push({ column: i, header: (h.getAttribute('title') || h.textContent || '').trim(), row: row.getAttribute('data-row-index'), headerX: [a.left, a.right], cellX: [b.left, b.right] });
      }
    });
  }
  return { headers: headers.length, rows: rows.length, misfits: misfits.slice(0, 12), scrollLeft: scroll.scrollLeft, maxScrollLeft: scroll.scrollWidth - scroll.clientWidth };
})()`;

async function layout(page: Page): Promise<LayoutReport> {
  return page.evaluate<LayoutReport>(LAYOUT_SCRIPT);
}

async function scrollRunsTo(page: Page, left: number | 'end', top = 0): Promise<void> {
  await page.evaluate(`(() => {
    const s = document.querySelector('.runs-scroll');
    s.scrollLeft = ${left === 'end' ? 's.scrollWidth' : left};
    s.scrollTop = ${top};
  })()`);
  // Two frames: the virtualizer renders the rows for the new offset on scroll, then paints.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

suite(skipWhy ? `runs table columns in Chromium (skipped: ${skipWhy})` : 'runs table columns in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let seed: WideRunsSeed;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    seed = await seedWideRuns(server.url);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps every cell under its header with 30 param and metric columns, before and after scrolling', async () => {
    expect(seed.columns).toHaveLength(30);
    const { page, errors } = await openUiPage(browser, `${server.url}/experiments/${seed.experimentId}?cols=${seed.columns.map(encodeURIComponent).join(',')}`);
    await expect.poll(() => page.locator('[data-row-index]').count()).toBeGreaterThan(10);
    // The checkbox and the five fixed columns, then the 30 data columns.
    await expect.poll(async () => (await layout(page)).headers).toBe(36);

    const atStart = await layout(page);
    expect(atStart.maxScrollLeft, 'the table is wider than the window').toBeGreaterThan(1000);
    expect(atStart.misfits).toEqual([]);

    for (const left of [700, 2345, 'end'] as const) {
      await scrollRunsTo(page, left);
      const report = await layout(page);
      expect(report.scrollLeft).toBeGreaterThan(0);
      expect(report.misfits, `scrolled to ${left}`).toEqual([]);
    }
    await saveScreenshot(page, 'runs-table-30-columns-scrolled');

    // Down the list too: rows the virtualizer renders later get the same columns.
    await scrollRunsTo(page, 1500, 1200);
    const lower = await layout(page);
    expect(lower.rows).toBeGreaterThan(10);
    expect(await page.locator('[data-row-index="40"]').count()).toBe(1);
    expect(lower.misfits).toEqual([]);

    // A narrower window changes the layout; header and cells still share it.
    await page.setViewportSize({ width: 900, height: 700 });
    await scrollRunsTo(page, 'end', 0);
    expect((await layout(page)).misfits).toEqual([]);
    await finishUiPage(page, 'runs-table-30-columns', errors);
  }, UI_TIMEOUT);

  it('still lines up with few columns, when the table is narrower than the window', async () => {
    const cols = ['metrics.f1', 'params.optimizer'];
    const { page, errors } = await openUiPage(browser, `${server.url}/experiments/${seed.experimentId}?cols=${cols.join(',')}`);
    await expect.poll(async () => (await layout(page)).headers).toBe(8);
    await expect.poll(() => page.locator('[data-row-index]').count()).toBeGreaterThan(10);
    const report = await layout(page);
    expect(report.maxScrollLeft).toBeLessThanOrEqual(0);
    expect(report.misfits).toEqual([]);
    await finishUiPage(page, 'runs-table-2-columns', errors);
  }, UI_TIMEOUT);
});
