import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser downloads cannot be fetched on these machines. */
export const CHROMIUM_PATH = process.env.MODELYARD_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '__screenshots__');

/**
 * Why the browser suites cannot run here, or undefined when they can. Under CI there is no
 * reason: a missing Chromium fails the suite (`.ci/run` installs it), it never skips.
 */
export function chromiumUnavailableReason(): string | undefined {
  if (process.env.CI === 'true' || process.env.CI === '1') return undefined;
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} not installed (apt-get install -y chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Collects uncaught page errors and failed console errors so a test can assert there were none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** A fresh browser context and page at `url`, laptop-sized, watching for page errors. */
export async function openUiPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = watchPageErrors(page);
  await page.goto(url);
  return { page, errors };
}

/** Ends a view's test: a screenshot under the test output, the context closed, no page errors. */
export async function finishUiPage(page: Page, name: string, errors: string[]): Promise<void> {
  await saveScreenshot(page, name);
  await page.context().close();
  // A plain throw, not vitest's expect: bench/ui imports these helpers outside the test runner.
  if (errors.length > 0) throw new Error(`the page raised ${errors.length} error(s):\n${errors.join('\n')}`);
}

/**
 * The page's `window` as far as tests read it inside `evaluate` callbacks (the test tsconfig has
 * no DOM lib). Only a type: the callback runs in the page, where these globals exist.
 */
export interface PageWindow {
  getComputedStyle(el: unknown): { borderTopColor: string; paddingLeft: string };
  document: { activeElement: unknown };
}
