import { afterAll, beforeAll, expect, it } from 'vitest';
import { Time, TimeUnits } from '@databricks/sdk-experimental';
import type { WorkspaceClient } from '@databricks/sdk-experimental';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachServer } from '../helpers/mlflow-http.js';
import { collect, databricksClient, sdkFailure } from './databricks-sdk-client.js';

/**
 * The Workspace API calls a Databricks client ships code with (mkdirs, import, get-status, list,
 * delete), and the Jobs API's spark_python_task run from a shipped file, through
 * `@databricks/sdk-experimental`'s WorkspaceClient: what Modelyard's own Databricks executor
 * calls when a second Modelyard server stands in for a workspace.
 */

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const WAIT = { timeout: new Time(60, TimeUnits.seconds) };

describeEachServer('Databricks SDK workspace service and spark_python_task', (ctx) => {
  let sdk: { client: WorkspaceClient; close(): void };
  beforeAll(() => {
    sdk = databricksClient(ctx.server.url);
  });
  afterAll(() => sdk.close());
  const ws = () => sdk.client.workspace;

  it('creates folders, imports files, reads their status, lists and deletes them', async () => {
    await ws().mkdirs({ path: '/Users/me@example.com/proj/src' });
    await ws().import({ path: '/Users/me@example.com/proj/src/train.py', content: b64('print("hi")\n'), format: 'RAW', overwrite: true });
    // /Workspace/… names the same object.
    const status = await ws().getStatus({ path: '/Workspace/Users/me@example.com/proj/src/train.py' });
    expect(status).toMatchObject({ object_type: 'FILE', path: '/Users/me@example.com/proj/src/train.py', size: 12, object_id: expect.any(Number) });
    expect(await ws().getStatus({ path: '/Users/me@example.com/proj' })).toMatchObject({ object_type: 'DIRECTORY' });
    const listed = await collect(ws().list({ path: '/Users/me@example.com/proj' }));
    expect(listed.map((o) => [o.path, o.object_type])).toEqual([['/Users/me@example.com/proj/src', 'DIRECTORY']]);
    // Without overwrite an existing file is refused, as Databricks refuses it.
    expect(await sdkFailure(ws().import({ path: '/Users/me@example.com/proj/src/train.py', content: b64('x'), format: 'AUTO' }))).toMatchObject({ statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    expect(await sdkFailure(ws().delete({ path: '/Users/me@example.com/proj' }))).toMatchObject({ statusCode: 400, errorCode: 'DIRECTORY_NOT_EMPTY' });
    await ws().delete({ path: '/Users/me@example.com/proj', recursive: true });
    expect(await sdkFailure(ws().getStatus({ path: '/Users/me@example.com/proj' }))).toMatchObject({ statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses paths that leave the workspace, missing parents, notebook formats and oversized files', async () => {
    for (const path of ['/Users/../../etc/passwd', '/Shared/./x', 'relative/path', '/Shared//x', '/Shared/a\\..\\b']) {
      const f = await sdkFailure(ws().import({ path, content: b64('x'), format: 'RAW' }));
      expect(f, path).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    }
    expect(existsSync(join(ctx.server.config.dataDir, 'etc'))).toBe(false);
    const parent = await sdkFailure(ws().import({ path: '/Shared/nowhere/x.py', content: b64('x'), format: 'RAW' }));
    expect(parent).toMatchObject({ statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(parent.message).toContain('workspace/mkdirs');
    await ws().mkdirs({ path: '/Shared/limits' });
    const notebook = await sdkFailure(ws().import({ path: '/Shared/limits/n.ipynb', content: b64('{}'), format: 'JUPYTER' }));
    expect(notebook.message).toContain('import with RAW, AUTO or SOURCE');
    const big = await sdkFailure(ws().import({ path: '/Shared/limits/big.bin', content: b64(Buffer.alloc(10 * 1024 * 1024 + 1)), format: 'RAW' }));
    expect(big).toMatchObject({ statusCode: 400, errorCode: 'MAX_NOTEBOOK_SIZE_EXCEEDED' });
    expect(await sdkFailure(ws().delete({ path: '/' }))).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('runs a spark_python_task from a workspace file with the local Python, cluster fields accepted and ignored', async () => {
    await ws().mkdirs({ path: '/Shared/spark' });
    await ws().import({ path: '/Shared/spark/job.py', content: b64('import sys\nprint("args=" + ",".join(sys.argv[1:]))\n'), format: 'RAW', overwrite: true });
    const waiter = await sdk.client.jobs.submit({
      run_name: 'spark python',
      tasks: [
        {
          task_key: 'main',
          spark_python_task: { python_file: '/Workspace/Shared/spark/job.py', parameters: ['--alpha', '0.5'] },
          new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 },
          libraries: [{ pypi: { package: 'scikit-learn' } }],
        },
      ],
    });
    const run = await waiter.wait(WAIT);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    const out = await sdk.client.jobs.getRunOutput({ run_id: run.tasks![0]!.run_id! });
    expect(out.logs).toBe('args=--alpha,0.5\n');
  });

  it('refuses spark_python_task files it cannot read, saying how to ship them', async () => {
    const dbfs = await sdkFailure(sdk.client.jobs.submit({ tasks: [{ task_key: 'main', spark_python_task: { python_file: 'dbfs:/FileStore/job.py' }, existing_cluster_id: 'x' }] }));
    expect(dbfs).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(dbfs.message).toContain('/api/2.0/workspace/import');
    const git = await sdkFailure(sdk.client.jobs.submit({ tasks: [{ task_key: 'main', spark_python_task: { python_file: 'train.py', source: 'GIT' } }] }));
    expect(git.message).toContain('source GIT needs git_source');
    // Other Databricks task kinds stay refused, naming what runs.
    const wheel = await sdkFailure(sdk.client.jobs.submit({ tasks: [{ task_key: 'main', python_wheel_task: { package_name: 'p', entry_point: 'main' } }] }));
    expect(wheel.message).toContain('python_wheel_task is a Databricks task kind Modelyard does not run');
  });
});
