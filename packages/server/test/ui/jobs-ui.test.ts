import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadProject } from '../../src/domain/pipelines/project-parser.js';
import { waitForRunEnd } from '../pipelines/pipeline-harness.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import type { PageWindow } from './helpers/browser.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage, saveScreenshot } from './helpers/browser.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;
const NODE = JSON.stringify(process.execPath);

/** Task programs: real processes writing real logs. */
const SCRIPTS: Record<string, string> = {
  'prepare.js': `console.log('read 768 rows from pima_diabetes.csv'); console.log('wrote features.csv');`,
  'train.js': `setTimeout(() => console.log('trained with alpha=' + process.env.MODELYARD_PARAM_ALPHA), 150);`,
  // Fails until the file `approved.flag` exists in the project folder: a repair after creating it succeeds.
  'evaluate.js': `
    const fs = require('node:fs');
    console.log('evaluating on holdout, attempt ' + process.env.MODELYARD_ATTEMPT_NUMBER);
    if (!fs.existsSync('approved.flag')) { console.error('roc_auc 0.61 is below the 0.75 threshold'); process.exit(3); }
    console.log('roc_auc 0.83');`,
  'report.js': `console.log('report written');`,
  // Prints a numbered line every 100 ms, `ticks` times: a log that grows while the page watches.
  'ticker.js': `
    const n = Number(process.env.MODELYARD_PARAM_TICKS);
    let i = 0;
    const t = setInterval(() => { i++; console.log('tick ' + i); if (i >= n) clearInterval(t); }, 100);`,
};

const PROJECT = `
project: { name: ui-jobs }
jobs:
  train:
    name: diabetes-train
    parameters: [{ name: alpha, default: "0.5" }]
    tasks:
      - { task_key: prepare, command_task: { command: [${NODE}, prepare.js] } }
      - { task_key: train, depends_on: [{ task_key: prepare }], command_task: { command: [${NODE}, train.js] } }
      - { task_key: evaluate, depends_on: [{ task_key: train }], command_task: { command: [${NODE}, evaluate.js] } }
      - { task_key: report, depends_on: [{ task_key: evaluate }], command_task: { command: [${NODE}, report.js] } }
  stream:
    name: long-ticker
    parameters: [{ name: ticks, default: "3" }]
    tasks:
      - { task_key: tick, command_task: { command: [${NODE}, ticker.js] } }
`;

suite(skipWhy ? `jobs UI in Chromium (skipped: ${skipWhy})` : 'jobs UI in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let projectDir: string;
  let trainJobId: number;
  let failedRunId: number;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = async (path: string): Promise<any> => {
    const res = await fetch(`${server.url}/api/v1/jobs${path}`);
    expect(res.status, path).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    projectDir = mkdtempSync(join(tmpdir(), 'modelyard-ui-jobs-'));
    for (const [name, body] of Object.entries(SCRIPTS)) writeFileSync(join(projectDir, name), body);
    const loaded = loadProject(PROJECT);
    expect(loaded.problems ?? []).toEqual([]);
    const jobs = await server.services.pipelines.jobs.deploy(loaded.spec!, projectDir);
    trainJobId = jobs.find((j) => j.jobKey === 'train')!.jobId;
    const started = await server.services.pipelines.jobs.runNow(trainJobId, { actor: 'alice' });
    failedRunId = (await waitForRunEnd(server.services.pipelines, started.jobRunId)).jobRunId;
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  });

  const openPage = (path: string) => openUiPage(browser, server.url + path);
  const finish = finishUiPage;

  const nodeStates = (page: Page) =>
    page.locator('.dag-node').evaluateAll((nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-task'), n.getAttribute('data-state')])));

  it('opens a failed job run: DAG coloured by state, Gantt bars, a task log; then repairs it', async () => {
    const { page, errors } = await openPage('/jobs');
    await page.locator('.jobs-table').getByRole('link', { name: 'diabetes-train' }).click();
    await page.waitForURL(new RegExp(`/jobs/${trainJobId}$`));
    await expect.poll(() => page.locator('.dag-node').count()).toBe(4);
    await page.getByRole('link', { name: `Run ${failedRunId}` }).click();
    await page.waitForURL(new RegExp(`/jobs/runs/${failedRunId}`));

    await expect.poll(() => nodeStates(page)).toEqual({ prepare: 'SUCCESS', train: 'SUCCESS', evaluate: 'FAILED', report: 'UPSTREAM_FAILED' });
    // Colour comes from the state: a failed node's border is the danger colour, a succeeded one's is not.
    const border = (task: string) => page.locator(`.dag-node[data-task="${task}"]`).evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).borderTopColor);
    expect(await border('evaluate')).not.toBe(await border('prepare'));
    expect(await page.locator('.gantt-row[data-task="prepare"] .gantt-bar').count()).toBe(1);
    expect(await page.locator('.gantt-row[data-task="report"] .gantt-bar').count()).toBe(0);
    expect(await page.locator('.facts').textContent()).toContain('alice');

    await page.locator('.dag-node[data-task="train"]').click();
    await page.waitForURL(/task=train/);
    await expect.poll(() => page.locator('.log-text').textContent()).toBe('trained with alpha=0.5\n');

    await page.locator('.dag-node[data-task="evaluate"]').click();
    await expect.poll(() => page.locator('.log-text').textContent()).toBe('evaluating on holdout, attempt 1\n');
    await page.getByRole('tab', { name: 'stderr' }).click();
    await page.waitForURL(/stream=stderr/);
    await expect.poll(() => page.locator('.log-text').textContent()).toBe('roc_auc 0.61 is below the 0.75 threshold\n');
    await saveScreenshot(page, 'jobs-run-failed');

    // Repair only after confirming; it re-runs evaluate and its dependant inside the same run.
    writeFileSync(join(projectDir, 'approved.flag'), 'ok');
    await page.getByRole('button', { name: 'Repair run…' }).click();
    const dialog = page.getByRole('dialog', { name: `Repair run ${failedRunId}` });
    expect(await dialog.getByLabel(/^evaluate/).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Re-run 1 task' }).click();
    await expect.poll(() => nodeStates(page), { timeout: 30_000 }).toEqual({ prepare: 'SUCCESS', train: 'SUCCESS', evaluate: 'SUCCESS', report: 'SUCCESS' });
    await expect.poll(() => page.locator('h1 .status').textContent()).toBe('SUCCESS');
    const run = await api(`/runs/get?run_id=${failedRunId}`);
    expect(run.repair_count).toBe(1);
    expect(run.tasks.find((t: { task_key: string }) => t.task_key === 'evaluate').attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['INITIAL', 'REPAIR']);
    await expect.poll(() => page.locator('.attempts-table tbody tr').count()).toBe(2);
    expect(await page.locator('.gantt-row[data-task="evaluate"] .gantt-bar').count()).toBe(2);
    await finish(page, 'jobs-run-repaired', errors);
  }, UI_TIMEOUT);

  it('runs a job now with a parameter, streams its log while it runs, and cancels it after confirming', async () => {
    const { page, errors } = await openPage('/jobs');
    await page.getByRole('button', { name: 'Run long-ticker now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run long-ticker now' });
    await dialog.getByLabel(/^ticks/).fill('400');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/jobs\/runs\/\d+/);
    const runId = Number(/\/jobs\/runs\/(\d+)/.exec(page.url())![1]);
    expect((await api(`/runs/get?run_id=${runId}`)).job_parameters).toEqual([{ name: 'ticks', value: '400' }]);

    // New lines arrive while the attempt is still running.
    const log = page.locator('.log-text');
    await expect.poll(() => log.textContent(), { timeout: 20_000 }).toContain('tick 3\n');
    const early = (await log.textContent())!.length;
    await expect.poll(async () => (await log.textContent())!.length, { timeout: 20_000 }).toBeGreaterThan(early);
    expect((await api(`/runs/get?run_id=${runId}`)).state).toBe('RUNNING');
    expect(await page.locator('.dag-node[data-task="tick"]').getAttribute('data-state')).toBe('RUNNING');
    await saveScreenshot(page, 'jobs-run-streaming');

    // The server stops answering the poll: the last state stays on screen beside the error, and
    // the page recovers by itself once answers come back.
    await page.route('**/api/v1/jobs/runs/get?*', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'server is restarting' }) }),
    );
    const banner = page.locator('.error-banner', { hasText: 'Could not load the job run' });
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(1);
    expect(await banner.textContent()).toContain('server is restarting');
    expect(await page.locator('.dag-node[data-task="tick"]').getAttribute('data-state')).toBe('RUNNING');
    await page.unroute('**/api/v1/jobs/runs/get?*');
    await expect.poll(() => banner.count(), { timeout: 20_000 }).toBe(0);

    await page.getByRole('button', { name: 'Cancel run…' }).click();
    const confirm = page.getByRole('dialog', { name: `Cancel run ${runId}?` });
    // The dialog's first focus is its harmless button.
    expect(await confirm.getByRole('button', { name: 'Cancel', exact: true }).evaluate((b) => b === (globalThis as unknown as PageWindow).document.activeElement)).toBe(true);
    await confirm.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => page.locator('h1 .status').textContent(), { timeout: 20_000 }).toBe('CANCELED');
    expect((await api(`/runs/get?run_id=${runId}`)).state).toBe('CANCELED');
    await finish(page, 'jobs-run-canceled', errors);
  }, UI_TIMEOUT);
});
