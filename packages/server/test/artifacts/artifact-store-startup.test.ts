import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';
import { startTestServer } from '../helpers/server.js';

/**
 * A server whose artifact store cannot work refuses to start, saying which setting, which URI
 * and what to fix: unknown schemes, malformed URIs, bad credentials, unreachable endpoints,
 * missing buckets or containers. Credentials come from the environment, as in production.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
let azurite: AzuriteEmulator;
let s3: S3Emulator;
let closedPort: number;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
  await Promise.all([azurite.createContainer('startup'), s3.createBucket('startup')]);
  closedPort = await new Promise<number>((done) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([azurite?.stop(), s3?.stop()]);
});

/** Starts a server with `env` as its only object-store settings; resolves with the start-up error. */
async function refusal(config: Record<string, string | boolean>, env: Record<string, string>): Promise<string> {
  process.env = { ...savedEnv, ...env };
  for (const k of ['AZURE_STORAGE_CONNECTION_STRING', 'AZURE_STORAGE_ACCESS_KEY', 'MLFLOW_S3_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    if (!(k in env)) delete process.env[k];
  }
  try {
    const server = await startTestServer({ config });
    await server.close();
    throw new Error('the server started');
  } catch (e) {
    return (e as Error).message;
  } finally {
    process.env = { ...savedEnv };
  }
}

const azureConnection = (endpoint: string, key = AZURITE_KEY, account = AZURITE_ACCOUNT) =>
  `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`;

describe('start-up refuses artifact stores that cannot work', () => {
  it('refuses schemes no store serves, and malformed object-store URIs', async () => {
    expect(await refusal({ artifactsDestination: 'gs://bucket/mlflow' }, {})).toMatch(
      /^--artifacts-destination "gs:\/\/bucket\/mlflow": scheme 'gs:' is not an artifact store this server can write; use a local folder, s3:\/\//,
    );
    expect(await refusal({ allowedArtifactRoots: 'hdfs://nn/x' }, {})).toMatch(/^--allowed-artifact-roots "hdfs:\/\/nn\/x": scheme 'hdfs:'/);
    expect(await refusal({ artifactsDestination: 'wasbs://startup/path' }, {})).toMatch(
      /^--artifacts-destination: Invalid artifact URI .* expected wasbs:\/\/<container>@<account>\.blob\.core\.windows\.net\/<path>/,
    );
    expect(await refusal({ artifactsDestination: 's3://KEY:SECRET@bucket/x' }, {})).toMatch(/credentials or ports do not belong in an s3:\/\/ URI/);
  });

  it('S3: refuses a wrong secret, an unknown key, a missing bucket and an unreachable endpoint', async () => {
    expect(await refusal({ artifactsDestination: 's3://startup/x' }, { ...s3.env, AWS_SECRET_ACCESS_KEY: 'wrong' })).toMatch(
      /^--artifacts-destination s3:\/\/startup\/x: Cannot use s3:\/\/startup\/x \(endpoint http:\/\/127\.0\.0\.1:\d+\): the store refused the credentials \(SignatureDoesNotMatch/,
    );
    expect(await refusal({ artifactsDestination: 's3://startup/x' }, { ...s3.env, AWS_ACCESS_KEY_ID: 'NOBODY' })).toMatch(/refused the credentials \(InvalidAccessKeyId/);
    expect(await refusal({ artifactsDestination: 's3://no-such-bucket/x' }, s3.env)).toMatch(/bucket 'no-such-bucket' does not exist; create it or fix the URI/);
    expect(
      await refusal({ artifactsDestination: 's3://startup/x' }, { ...s3.env, MLFLOW_S3_ENDPOINT_URL: `http://127.0.0.1:${closedPort}` }),
    ).toMatch(/Cannot reach s3:\/\/startup\/x \(endpoint http:\/\/127\.0\.0\.1:\d+\): .*check MLFLOW_S3_ENDPOINT_URL/);
  });

  it('Azure: refuses a wrong key, a connection string for another account, a missing container and an unreachable endpoint', async () => {
    const wasbs = `wasbs://startup@${AZURITE_ACCOUNT}.blob.core.windows.net/x`;
    const wrongKey = Buffer.from('not the key').toString('base64');
    expect(await refusal({ artifactsDestination: wasbs }, { AZURE_STORAGE_CONNECTION_STRING: azureConnection(azurite.blobEndpoint, wrongKey) })).toMatch(
      /Cannot use wasbs:\/\/startup@devstoreaccount1\.blob\.core\.windows\.net\/x \(through http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1, credentials from AZURE_STORAGE_CONNECTION_STRING\): the account refused the credentials/,
    );
    const other = await refusal({ artifactsDestination: `abfss://startup@otheraccount.dfs.core.windows.net/x` }, azurite.env);
    expect(other).toMatch(/AZURE_STORAGE_CONNECTION_STRING is for storage account 'devstoreaccount1', but the artifact URI names account 'otheraccount'/);
    expect(other).not.toContain(AZURITE_KEY);
    expect(await refusal({ artifactsDestination: `wasbs://no-such-container@${AZURITE_ACCOUNT}.blob.core.windows.net/x` }, azurite.env)).toMatch(
      /container 'no-such-container' does not exist; create it or fix the URI/,
    );
    expect(
      await refusal({ artifactsDestination: wasbs }, { AZURE_STORAGE_CONNECTION_STRING: azureConnection(`http://127.0.0.1:${closedPort}/${AZURITE_ACCOUNT}`) }),
    ).toMatch(/^--artifacts-destination wasbs:.*: Cannot reach wasbs:.*check the account name, the endpoint and the network/);
  });

  it('checks an object-store default artifact root too', async () => {
    expect(await refusal({ defaultArtifactRoot: 's3://no-such-bucket/runs', serveArtifacts: false }, s3.env)).toMatch(
      /^--default-artifact-root s3:\/\/no-such-bucket\/runs: Cannot use .*does not exist/,
    );
  });

  it('`modelyard server` exits 1 with the message, and writes no local folder named after the URI', async () => {
    // A working folder of its own: the bug this guards against made `s3:` a folder there.
    const cwd = mkdtempSync(join(tmpdir(), 'modelyard-startup-cwd-'));
    try {
      const child = spawn(
        process.execPath,
        ['--conditions=source', '--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'packages/server/src/main.ts'), 'server', '--port', '0', '--data-dir', join(cwd, 'data'), '--artifacts-destination', 's3://startup-missing/mlflow'],
        { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...savedEnv, ...s3.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      expect(code).toBe(1);
      expect(stderr).toMatch(/modelyard: --artifacts-destination s3:\/\/startup-missing\/mlflow: Cannot use .*bucket 'startup-missing' does not exist/);
      expect(readdirSync(cwd).filter((n) => n.startsWith('s3'))).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
