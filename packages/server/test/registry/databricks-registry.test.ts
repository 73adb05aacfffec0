import type { FastifyInstance } from 'fastify';
import type { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { databricksClient, sdkFailure } from '../conformance/databricks-sdk-client.js';
import { buildRegistryTestApp, createRegistryFixture } from './registry-fixture.js';
import type { RegistryFixture } from './registry-fixture.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The registry through @databricks/sdk-experimental's modelRegistry client, over a real port. */
describeEachDialect('Databricks SDK modelRegistry', (ctx) => {
  let f: RegistryFixture;
  let app: FastifyInstance;
  let client: WorkspaceClient;
  let closeClient: () => void;
  beforeAll(async () => {
    f = await createRegistryFixture(ctx.db, ctx.caps);
    app = await buildRegistryTestApp(f);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    ({ client, close: closeClient } = databricksClient(url));
  });
  afterAll(async () => {
    closeClient();
    await app.close();
    f.close();
  });

  it('creates a model and versions, transitions stages and reads latest versions', async () => {
    const mr = client.modelRegistry;
    const created = await mr.createModel({ name: 'dbx-model', description: 'from the SDK', tags: [{ key: 'team', value: 'ml' }] });
    expect(created.registered_model).toMatchObject({ name: 'dbx-model', description: 'from the SDK', tags: [{ key: 'team', value: 'ml' }] });
    const v1 = await mr.createModelVersion({ name: 'dbx-model', source: 's3://bucket/m/1' });
    expect(v1.model_version).toMatchObject({ name: 'dbx-model', version: '1', current_stage: 'None', status: 'READY' });
    await mr.createModelVersion({ name: 'dbx-model', source: 's3://bucket/m/2' });

    const staged = await mr.transitionStage({ name: 'dbx-model', version: '1', stage: 'Staging', archive_existing_versions: false, comment: 'smoke tests' });
    expect(staged.model_version_databricks).toMatchObject({ version: '1', current_stage: 'Staging' });
    await mr.transitionStage({ name: 'dbx-model', version: '2', stage: 'Staging', archive_existing_versions: true });
    const latest = await collect(mr.getLatestVersions({ name: 'dbx-model', stages: ['Staging', 'Archived'] }));
    expect(latest.map((v) => `${v.version}:${v.current_stage}`)).toEqual(['1:Archived', '2:Staging']);

    const model = await mr.getModel({ name: 'dbx-model' });
    expect(model.registered_model_databricks?.name).toBe('dbx-model');
    const uri = await mr.getModelVersionDownloadUri({ name: 'dbx-model', version: '2' });
    expect(uri.artifact_uri).toBe('s3://bucket/m/2');
    const listed = await collect(mr.listModels({}));
    expect(listed.map((m) => m.name)).toContain('dbx-model');
    const found = await collect(mr.searchModelVersions({ filter: "name='dbx-model'" }));
    expect(found.map((v) => v.version)).toEqual(['2', '1']);

    const missing = await sdkFailure(mr.getModelVersion({ name: 'dbx-model', version: '9' }));
    expect(missing).toMatchObject({ statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    const dup = await sdkFailure(mr.createModel({ name: 'dbx-model' }));
    expect(dup).toMatchObject({ statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
  });

  it('runs the request → approve / reject / withdraw workflow', async () => {
    const mr = client.modelRegistry;
    await mr.createModel({ name: 'dbx-flow' });
    await mr.createModelVersion({ name: 'dbx-flow', source: 's3://bucket/f/1' });
    const req = await mr.createTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Production', comment: 'ready' });
    expect(req.request).toMatchObject({ to_stage: 'Production', comment: 'ready', user_id: 'anonymous' });
    expect(req.request?.available_actions).toContain('APPROVE_TRANSITION_REQUEST');
    const open = await collect(mr.listTransitionRequests({ name: 'dbx-flow', version: '1' }));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ activity_type: 'REQUESTED_TRANSITION', to_stage: 'Production', comment: 'ready' });

    const approved = await mr.approveTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Production', archive_existing_versions: true, comment: 'approved' });
    expect(approved.activity).toMatchObject({ activity_type: 'APPROVED_REQUEST', from_stage: 'None', to_stage: 'Production', comment: 'approved' });
    expect((await mr.getModelVersion({ name: 'dbx-flow', version: '1' })).model_version?.current_stage).toBe('Production');
    expect(await collect(mr.listTransitionRequests({ name: 'dbx-flow', version: '1' }))).toEqual([]);

    await mr.createTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Archived' });
    const rejected = await mr.rejectTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Archived', comment: 'still needed' });
    expect(rejected.activity).toMatchObject({ activity_type: 'REJECTED_REQUEST', to_stage: 'Archived', comment: 'still needed' });

    await mr.createTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Staging' });
    const withdrawn = await mr.deleteTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Staging', creator: 'anonymous' });
    expect(withdrawn.activity).toMatchObject({ activity_type: 'CANCELLED_REQUEST' });
    expect((await mr.getModelVersion({ name: 'dbx-flow', version: '1' })).model_version?.current_stage).toBe('Production');

    const none = await sdkFailure(mr.approveTransitionRequest({ name: 'dbx-flow', version: '1', stage: 'Staging', archive_existing_versions: false }));
    expect(none).toMatchObject({ statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
