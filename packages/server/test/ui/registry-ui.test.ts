import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';
import { chromiumUnavailableReason, finishUiPage, launchChromium, openUiPage } from './helpers/browser.js';
import { seedUiData, uploadArtifact } from './helpers/seed.js';
import type { UiSeed } from './helpers/seed.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skipWhy = chromiumUnavailableReason();
const suite = skipWhy ? describe.skip : describe;
const UI_TIMEOUT = 90_000;
const MODEL = 'diabetes-classifier';

const MLMODEL_V2 = `artifact_path: model
flavors:
  onnx: { data: model.onnx, onnx_version: 1.17.0 }
signature:
  inputs: '[{"type": "double", "name": "Pregnancies", "required": true}, {"type": "double", "name": "Insulin", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]'
`;

interface RegistryEventJson {
  kind: string;
  version?: string;
  from?: string;
  to?: string;
  actor: string;
  comment?: string;
  alias?: string;
}

suite(skipWhy ? `registry UI in Chromium (skipped: ${skipWhy})` : 'registry UI in Chromium', () => {
  let server: TestServer;
  let seed: UiSeed;
  let browser: Browser;
  let http: MlflowHttp;

  const events = async (): Promise<RegistryEventJson[]> => {
    const res = await fetch(`${server.url}/api/v1/registry/events?name=${MODEL}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { events?: RegistryEventJson[] }).events ?? [];
  };
  const version = async (v: string) => (await http.okGet('/model-versions/get', { name: MODEL, version: v })).model_version;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    http = new MlflowHttp(server.url);
    seed = await seedUiData(server.url);
    // Two versions registered the way MLflow clients do it: from runs:/ sources of seeded runs.
    const second = seed.runs[1]!;
    await uploadArtifact(server.url, second.artifactUri, 'model/MLmodel', MLMODEL_V2);
    await http.ok('/registered-models/create', { name: MODEL, description: 'Pima diabetes classifier', tags: [{ key: 'team', value: 'fraud' }] });
    await http.ok('/registered-models/create', { name: 'other-regressor' });
    await http.ok('/model-versions/create', { name: MODEL, source: `runs:/${seed.richRun.runId}/model`, run_id: seed.richRun.runId });
    await http.ok('/model-versions/create', { name: MODEL, source: `runs:/${second.runId}/model`, run_id: second.runId, tags: [{ key: 'validated', value: 'no' }] });
    await http.ok('/model-versions/transition-stage', { name: MODEL, version: '1', stage: 'Staging', archive_existing_versions: false });
    await http.ok('/registered-models/alias', { name: MODEL, alias: 'champion', version: '1' });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = (path: string) => openUiPage(browser, server.url + path);
  const finish = finishUiPage;

  it('lists models with their latest version per stage and aliases, and searches them', async () => {
    const { page, errors } = await openPage('/models');
    const row = page.locator('.models-table tbody tr', { hasText: MODEL });
    await expect.poll(() => row.textContent()).toContain('Staging');
    const text = (await row.textContent())!;
    expect(text).toContain('Version 1');
    expect(text).toContain('Version 2');
    expect(text).toContain('@champion');
    expect(await page.locator('.models-table tbody tr').count()).toBe(2);

    await page.getByLabel('Search models').fill('diabetes');
    await page.getByLabel('Search models').press('Enter');
    await page.waitForURL(/q=diabetes/);
    await expect.poll(() => page.locator('.models-table tbody a').first().textContent()).toBe(MODEL);
    await expect.poll(() => page.locator('.models-table tbody tr').count()).toBe(1);

    // A malformed filter comes back from the server as an error shown under the box.
    await page.getByLabel('Search models').fill("name = 'x' AND");
    await page.getByLabel('Search models').press('Enter');
    await expect.poll(() => page.locator('#model-search-error [role="alert"]').textContent()).toContain('INVALID_PARAMETER_VALUE');
    await finish(page, 'registry-models', errors);
  }, UI_TIMEOUT);

  it('shows a version with its source run, signature and tags, and links runs to their versions', async () => {
    const { page, errors } = await openPage(`/models/${MODEL}`);
    await page.getByRole('link', { name: 'Version 2', exact: true }).first().click();
    await page.waitForURL(new RegExp(`/models/${MODEL}/versions/2$`));
    const facts = page.locator('.version-facts');
    await expect.poll(() => facts.textContent()).toContain(`runs:/${seed.runs[1]!.runId}/model`);
    await expect.poll(() => page.locator('.signature').textContent()).toContain('Insulin');
    expect(await page.locator('.signature').textContent()).toContain('float32');
    expect(await page.locator('tr[data-tag="validated"]').textContent()).toContain('no');

    // The source run link resolves the experiment and lands on the run, which links back.
    await facts.getByRole('link', { name: seed.runs[1]!.runId }).click();
    await page.waitForURL(new RegExp(`/experiments/${seed.experimentId}/runs/${seed.runs[1]!.runId}$`));
    const back = page.locator('.run-model-versions a');
    await expect.poll(() => back.textContent()).toBe(`${MODEL} version 2`);
    await back.click();
    await page.waitForURL(new RegExp(`/models/${MODEL}/versions/2$`));
    await finish(page, 'registry-version', errors);
  }, UI_TIMEOUT);

  it('promotes a version to Production after confirming and shows the history row', async () => {
    const { page, errors } = await openPage(`/models/${MODEL}/versions/1`);
    await page.getByRole('button', { name: 'Transition stage…' }).click();
    const dialog = page.getByRole('dialog', { name: `Move version 1 of ${MODEL}` });
    await dialog.getByLabel('Stage').selectOption('Production');
    await dialog.getByLabel('Comment (kept in the history)').fill('beats the baseline on holdout');
    // Nothing moves until the dialog is confirmed.
    expect((await version('1')).current_stage).toBe('Staging');
    await dialog.getByRole('button', { name: 'Move to Production' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await version('1')).current_stage).toBe('Production');

    const row = page.locator('.history-table tbody tr[data-kind="stage_transition"]').first();
    await expect.poll(() => row.textContent()).toContain('Staging → Production');
    expect(await row.textContent()).toContain('beats the baseline on holdout');
    expect(await row.textContent()).toContain('anonymous');
    expect(await events()).toContainEqual(expect.objectContaining({ kind: 'stage_transition', version: '1', from: 'Staging', to: 'Production', comment: 'beats the baseline on holdout' }));
    await expect.poll(() => page.locator('h1 .status').first().textContent()).toBe('Production');
    await finish(page, 'registry-promoted', errors);
  }, UI_TIMEOUT);

  it('moves an alias after confirming, and shows the server refusing a reserved alias', async () => {
    const { page, errors } = await openPage(`/models/${MODEL}/versions/2`);
    await page.getByRole('button', { name: 'Set alias…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Point an alias at version 2' });
    await dialog.getByLabel('Alias').fill('latest');
    await dialog.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => dialog.locator('[role="alert"]').textContent()).toContain("'latest' alias name (case insensitive) is reserved.");
    expect(await dialog.isVisible()).toBe(true);

    await dialog.getByLabel('Alias').fill('champion');
    await expect.poll(() => dialog.textContent()).toContain('moves from version 1 to version 2');
    await dialog.getByRole('button', { name: 'Move @champion' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await http.okGet('/registered-models/alias', { name: MODEL, alias: 'champion' })).model_version.version).toBe('2');
    const row = page.locator('.history-table tbody tr[data-kind="alias_set"]').first();
    await expect.poll(() => row.textContent()).toContain('version 1 → version 2');
    await finish(page, 'registry-alias-moved', errors);
  }, UI_TIMEOUT);

  it('requests a transition, then approves one request and rejects another', async () => {
    const { page, errors } = await openPage(`/models/${MODEL}/versions/2`);
    const request = async (stage: string, comment: string) => {
      await page.getByRole('button', { name: 'Request transition…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Request a transition of version 2' });
      await dialog.getByLabel('To stage').selectOption(stage);
      await dialog.getByLabel('Comment (kept in the history)').fill(comment);
      await dialog.getByRole('button', { name: 'Send request' }).click();
      await expect.poll(() => dialog.isVisible()).toBe(false);
    };
    await request('Staging', 'ready for shadow traffic');
    await request('Production', 'skip staging');
    const requests = page.locator('.requests-table tbody tr');
    await expect.poll(() => requests.count()).toBe(2);

    await page.getByRole('button', { name: 'Reject the request to move to Production' }).click();
    const reject = page.getByRole('dialog', { name: 'Reject moving version 2 to Production' });
    await reject.getByLabel('Comment (kept in the history)').fill('needs staging first');
    await reject.getByRole('button', { name: 'Reject request' }).click();
    await expect.poll(() => requests.count()).toBe(1);

    await page.getByRole('button', { name: 'Approve the request to move to Staging' }).click();
    const approve = page.getByRole('dialog', { name: 'Approve moving version 2 to Staging' });
    await approve.getByRole('button', { name: 'Approve and move' }).click();
    await expect.poll(() => page.locator('.requests-table').count()).toBe(0);
    expect((await version('2')).current_stage).toBe('Staging');

    const kinds = await page.locator('.history-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    // Newest first; approving records the stage move and then the approval, in one transaction.
    expect(kinds.slice(0, 5)).toEqual(['transition_approved', 'stage_transition', 'transition_rejected', 'transition_requested', 'transition_requested']);
    expect(await page.locator('.history-table tbody tr[data-kind="transition_rejected"]').textContent()).toContain('needs staging first');
    await finish(page, 'registry-requests', errors);
  }, UI_TIMEOUT);
});
