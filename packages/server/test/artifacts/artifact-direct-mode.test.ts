import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelyard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * MLflow's direct mode: `modelyard server --default-artifact-root <object store> --no-serve-artifacts`.
 * Runs get roots in the bucket or container; the SDK writes and reads there itself with its own
 * credentials (the client's `env`), the server's proxy is off, and the server still lists runs
 * (its default artifact root is one of its object-store roots).
 */

const MiB = 1024 * 1024;
let azurite: AzuriteEmulator;
let s3: S3Emulator;
let work: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
  await Promise.all([azurite.createContainer('direct'), s3.createBucket('direct')]);
  // The server's own credentials; the SDK gets its copy through the client's `env` below.
  Object.assign(process.env, azurite.env, s3.env);
  work = mkdtempSync(join(tmpdir(), 'modelyard-direct-'));
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([azurite?.stop(), s3?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const ROOTS: Array<[string, () => string, () => Record<string, string>]> = [
  ['S3', () => 's3://direct/mlruns', () => s3.env],
  ['Azure Blob (wasbs://)', () => `wasbs://direct@${AZURITE_ACCOUNT}.blob.core.windows.net/mlruns`, () => azurite.env],
  ['ADLS Gen2 (abfss://)', () => `abfss://direct@${AZURITE_ACCOUNT}.dfs.core.windows.net/adls-runs`, () => azurite.env],
];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(ROOTS)('direct artifact access over %s', (name, rootOf, envOf) => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startTestServer({ config: { defaultArtifactRoot: rootOf(), serveArtifacts: false } });
    client = new Client({ trackingUri: server.url, env: { ...envOf(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  });

  afterAll(async () => {
    client?.artifacts.close();
    await server?.close();
  });

  it('gives runs roots below the default artifact root; the SDK uploads and downloads there itself', async () => {
    const experimentId = await client.tracking.createExperiment(`direct ${name}`);
    const run = await client.tracking.createRun({ experimentId });
    expect(run.info.artifactUri).toBe(`${rootOf()}/${experimentId}/${run.info.runId}/artifacts`);

    const big = randomBytes(11 * MiB);
    const local = join(work, `${experimentId}-model`);
    mkdirSync(join(local, 'data'), { recursive: true });
    writeFileSync(join(local, 'MLmodel'), 'flavors: {}\n');
    writeFileSync(join(local, 'data', 'weights.bin'), big);
    await client.artifacts.uploadDir(run.info.artifactUri, local, 'model');
    await client.artifacts.uploadBytes(run.info.artifactUri, 'metrics/summary.json', '{"auc": 0.9}');

    expect(await client.artifacts.list(run.info.artifactUri)).toEqual([
      { path: 'metrics', isDir: true },
      { path: 'model', isDir: true },
    ]);
    expect(await client.artifacts.list(run.info.artifactUri, 'model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: 12 },
      { path: 'model/data', isDir: true },
    ]);
    expect((await client.artifacts.readBytes(run.info.artifactUri, 'metrics/summary.json')).toString()).toBe('{"auc": 0.9}');

    const dest = join(work, `${experimentId}-download`);
    const downloaded = await client.artifacts.download(run.info.artifactUri, 'model', dest);
    expect(downloaded).toBe(join(dest, 'model'));
    expect(readFileSync(join(downloaded, 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
    expect(sha(readFileSync(join(downloaded, 'data', 'weights.bin')))).toBe(sha(big));
    const single = await client.artifacts.download(run.info.artifactUri, 'metrics/summary.json', join(work, `${experimentId}-one`));
    expect(readFileSync(single, 'utf8')).toBe('{"auc": 0.9}');

    // The server lists what the client wrote (the MLflow UI's artifact view), with its own credentials.
    const listed = await new MlflowHttp(server.url).okGet('/artifacts/list', { run_id: run.info.runId, path: 'model' });
    expect(listed).toEqual({
      root_uri: run.info.artifactUri,
      files: [
        { path: 'model/MLmodel', is_dir: false, file_size: 12 },
        { path: 'model/data', is_dir: true },
      ],
    });
  });

  it('answers the proxy routes 503 with MLflow\'s message, as `--no-serve-artifacts` does', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/x.txt`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error_code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringContaining('--no-serve-artifacts') });
    expect((await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=`)).status).toBe(503);
  });
});

describe('SDK direct access: refusals', () => {
  it('names the fix when the client has no credentials for the account the URI names', async () => {
    const client = new Client({ trackingUri: 'http://127.0.0.1:1', env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString } });
    await expect(client.artifacts.list('wasbs://direct@someoneelse.blob.core.windows.net/x')).rejects.toThrow(
      /AZURE_STORAGE_CONNECTION_STRING is for storage account 'devstoreaccount1', but the artifact URI names account 'someoneelse'/,
    );
    await expect(client.artifacts.list('gs://bucket/x')).rejects.toThrow(/cannot reach directly; use mlflow-artifacts:\/ .*s3:\/\//);
  });
});
