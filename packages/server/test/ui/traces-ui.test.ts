import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { waitForRunEnd, waitUntil } from '../pipelines/pipeline-harness.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import type { PageWindow } from './helpers/browser.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage, saveScreenshot } from './helpers/browser.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;
const NODE = JSON.stringify(process.execPath);

const PROJECT = `
project: { name: ui-traces }
jobs:
  train:
    tasks:
      - { task_key: features, command_task: { command: [${NODE}, -e, "console.log('features ok')"] } }
      - { task_key: fit, depends_on: [{ task_key: features }], command_task: { command: [${NODE}, -e, "console.error('out of memory while fitting'); process.exit(7)"] } }
`;

interface TraceJson {
  trace_id: string;
  span_count: number;
  status?: string;
  job_run_id?: number;
}

suite(skipWhy ? `traces UI in Chromium (skipped: ${skipWhy})` : 'traces UI in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let projectDir: string;
  let jobRunId: number;
  let mlflowRunId: string;
  let trace: TraceJson;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-ui-traces-'));
    writeFileSync(join(projectDir, 'README'), 'trace fixture');
    const loaded = loadProject(PROJECT);
    const [job] = await server.services.pipelines.jobs.deploy(loaded.spec!, projectDir);
    const started = await server.services.pipelines.jobs.runNow(job!.jobId, { actor: 'alice' });
    const run = await waitForRunEnd(server.services.pipelines, started.jobRunId);
    expect(run.state).toBe('FAILED');
    jobRunId = run.jobRunId;
    mlflowRunId = run.mlflowRunId!;
    // The root span is written when the run ends; spans are stored asynchronously.
    await waitUntil(async () => {
      const res = await fetch(`${server.url}/api/v1/traces?job_run_id=${jobRunId}`);
      const body = (await res.json()) as { traces?: TraceJson[] };
      trace = body.traces?.[0] as TraceJson;
      return trace?.span_count === 3 && trace.status !== undefined;
    });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  const openPage = (path: string) => openUiPage(browser, server.url + path);
  const finish = finishUiPage;

  it("goes from a job run to its trace: a waterfall of spans, attributes, and the failed task's exception", async () => {
    const { page, errors } = await openPage(`/jobs/runs/${jobRunId}`);
    await page.getByRole('link', { name: 'Spans of this run' }).click();
    await page.waitForURL(new RegExp(`/traces\\?job_run_id=${jobRunId}$`));
    const rows = page.locator('.traces-table tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('job train');
    await rows.first().getByRole('link', { name: 'job train' }).click();
    await page.waitForURL(new RegExp(`/traces/${trace.trace_id}`));

    // Waterfall order: the root, then its task spans by start time, indented under it.
    const spans = page.locator('.waterfall-span');
    await expect.poll(() => spans.evaluateAll((els) => els.map((e) => e.getAttribute('data-span')))).toEqual(['job train', 'task features', 'task fit']);
    const indent = (name: string) => page.locator(`.waterfall-span[data-span="${name}"] .waterfall-name`).evaluate((el) => parseFloat((globalThis as unknown as PageWindow).getComputedStyle(el).paddingLeft));
    expect(await indent('task features')).toBeGreaterThan(await indent('job train'));
    // Bars sit on one time axis: the fit task starts after features ended.
    const left = (name: string) => page.locator(`.waterfall-span[data-span="${name}"] .gantt-bar`).evaluate((el) => el.getBoundingClientRect().left);
    expect(await left('task fit')).toBeGreaterThan(await left('task features'));

    // The root span's attributes name the job run and the MLflow run, as links.
    const details = page.locator('.span-details');
    await expect.poll(() => details.locator('h2').textContent()).toBe('job train');
    expect(await details.locator('tr[data-attribute="modelyard.job_run_id"] a').textContent()).toBe(String(jobRunId));
    expect(await details.locator('tr[data-attribute="mlflow.run_id"] a').textContent()).toBe(mlflowRunId);

    await spans.filter({ hasText: 'task fit' }).click();
    await page.waitForURL(/span=/);
    await expect.poll(() => details.locator('h2').textContent()).toBe('task fit');
    const exception = details.locator('.span-exception');
    await expect.poll(() => exception.textContent()).toContain('out of memory while fitting');
    expect(await details.locator('tr[data-attribute="modelyard.task_key"]').textContent()).toContain('fit');
    expect(await page.locator('.waterfall-span[data-span="task fit"] .status').textContent()).toBe('exception');
    await saveScreenshot(page, 'trace-waterfall');

    // The address keeps the chosen span: reloading shows the same one.
    await page.reload();
    await expect.poll(() => details.locator('h2').textContent()).toBe('task fit');
    await finish(page, 'trace-span-reloaded', errors);
  }, UI_TIMEOUT);

  it('shows a retried run as a green OK with its failed span counted apart, and span names whole in tooltips', async () => {
    const longKey = 'load_features_from_the_feature_store_and_join_the_labels_for_training';
    // Fails its first attempt (no marker file yet), succeeds on the retry: the run ends OK.
    const retried = `
project: { name: ui-traces-retry }
jobs:
  retried:
    tasks:
      - task_key: ${longKey}
        max_retries: 1
        min_retry_interval_millis: 0
        command_task: { command: [${NODE}, -e, "const fs = require('fs'); if (!fs.existsSync('attempted-once')) { fs.writeFileSync('attempted-once', '1'); process.exit(3); }"] }
`;
    const [job] = await server.services.pipelines.jobs.deploy(loadProject(retried).spec!, projectDir);
    const started = await server.services.pipelines.jobs.runNow(job!.jobId, { actor: 'alice' });
    const run = await waitForRunEnd(server.services.pipelines, started.jobRunId);
    expect(run.state).toBe('SUCCESS');
    let listed: (TraceJson & { error_count?: number }) | undefined;
    await waitUntil(async () => {
      const res = await fetch(`${server.url}/api/v1/traces?job_run_id=${run.jobRunId}`);
      listed = ((await res.json()) as { traces?: Array<TraceJson & { error_count?: number }> }).traces?.[0];
      return listed?.span_count === 3 && listed.status === 'OK';
    });
    expect(listed!.error_count).toBe(1);

    const { page, errors } = await openPage(`/traces?job_run_id=${run.jobRunId}`);
    const status = page.locator('.traces-table tbody tr').first().locator('.trace-status');
    const colour = (selector: string) => status.locator(selector).evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).borderTopColor);
    await expect.poll(() => status.locator('[data-status]').textContent()).toBe('OK');
    expect(await colour('[data-status]')).toBe('rgb(15, 122, 69)'); // --ok, never red
    expect(await status.locator('[data-errors]').textContent()).toBe('1 span with errors');
    expect(await colour('[data-errors]')).toBe('rgb(192, 38, 38)'); // --danger
    await saveScreenshot(page, 'traces-ok-with-errors');

    await status.locator('xpath=ancestor::tr').getByRole('link', { name: 'job retried' }).click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}$/);
    const name = page.locator(`.waterfall-span[data-span="task ${longKey}"] .waterfall-name`).first();
    await expect.poll(() => name.getAttribute('title')).toBe(`task ${longKey}`);
    // The name is cut in its column: the tooltip is what shows it whole.
    const cut = await name.locator('.waterfall-label').evaluate((el) => {
      const e = el as unknown as { scrollWidth: number; clientWidth: number };
      return e.scrollWidth > e.clientWidth;
    });
    expect(cut).toBe(true);
    await finish(page, 'trace-long-span-names', errors);
  }, UI_TIMEOUT);

  it('shows the server error for a trace that does not exist', async () => {
    const missing = 'ab'.repeat(16);
    const res = await fetch(`${server.url}/api/v1/traces/${missing}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { message: string };
    const { page, errors } = await openPage(`/traces/${missing}`);
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain(body.message);
    await finish(page, 'trace-not-found', errors);
  }, UI_TIMEOUT);
});
