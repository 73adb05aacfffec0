import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Runs an emulator so that it exits when this process dies, however it dies. */
const WATCHDOG = join(ROOT, 'packages/server/test/helpers/emulator-watchdog.cjs');

/**
 * Azurite's well-known development account (the same in every Azurite and in Microsoft's docs):
 * not a secret, and the only key Azurite accepts for it.
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** s3rver's one built-in key pair; any other is refused (InvalidAccessKeyId). */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface Emulator {
  /** Environment a client (the server, the SDK) reaches the emulator with. */
  env: Record<string, string>;
  /** Stops the process and deletes its data folder. */
  stop(): Promise<void>;
}

export interface AzuriteEmulator extends Emulator {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  blobEndpoint: string;
  connectionString: string;
  /** Creates a container (blob stores need one before the first write, as in Azure). */
  createContainer(name: string): Promise<void>;
}

export interface S3Emulator extends Emulator {
  /** `http://127.0.0.1:<port>`, what MLFLOW_S3_ENDPOINT_URL is set to. */
  endpoint: string;
  createBucket(name: string): Promise<void>;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Resolves with the first match of `ready` in the child's stdout; rejects with its output when it exits first. */
function waitForLine(child: ChildProcess, ready: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  let out = '';
  let err = '';
  return new Promise((resolveLine, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${what} ${why}\nstdout: ${out}\nstderr: ${err}`));
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited before it was ready (${String(code ?? signal)})`);
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs / 1000}s`), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      child.stdout!.removeListener('data', onData);
      child.stdout!.resume();
      resolveLine(m);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopper(child: ChildProcess, dataDir: string): () => Promise<void> {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // A run that dies without its teardown must not leave an emulator behind.
  process.once('exit', kill);
  return () =>
    new Promise((done) => {
      process.removeListener('exit', kill);
      const finish = () => {
        rmSync(dataDir, { recursive: true, force: true });
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      child.once('exit', finish);
      child.kill('SIGKILL');
    });
}

/**
 * Azurite's blob service (the npm package, run from node_modules) on a free loopback port, data
 * in a temp folder. `--skipApiVersionCheck`: @azure/storage-blob may speak a newer service
 * version than this Azurite knows; `--loose`: it ignores headers it does not implement.
 * Azurite has no ADLS Gen2 `dfs` endpoint: `abfss://` URIs are tested through this blob endpoint,
 * which is how Modelyard reaches ADLS Gen2 accounts anyway (docs/tracking-server.md).
 */
export async function startAzurite(): Promise<AzuriteEmulator> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-azurite-'));
  let lastError: unknown;
  // A port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn(
      process.execPath,
      [
        WATCHDOG,
        join(ROOT, 'node_modules/azurite/dist/src/blob/main.js'),
        '--blobHost', '127.0.0.1',
        '--blobPort', String(port),
        '--location', dataDir,
        '--skipApiVersionCheck',
        '--disableTelemetry',
        '--loose',
        '--silent',
      ],
      { cwd: dataDir, stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: dataDir } },
    );
    try {
      await waitForLine(child, /successfully listens on/, 'Azurite');
    } catch (e) {
      lastError = e;
      continue;
    }
    const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
    const service = BlobServiceClient.fromConnectionString(connectionString);
    return {
      blobEndpoint,
      connectionString,
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
      createContainer: async (name) => {
        await service.getContainerClient(name).createIfNotExists();
      },
      stop: stopper(child, dataDir),
    };
  }
  rmSync(dataDir, { recursive: true, force: true });
  throw lastError;
}

/**
 * s3rver (the maintained @20minutes fork, Node ≥ 20) on a free loopback port, data in a temp
 * folder: path-style S3 with signature checks, multipart uploads, ranged GETs and ListObjectsV2.
 * Its one difference from S3 that matters here: a listing page's MaxKeys counts objects only, not
 * common prefixes (the repositories gather every page either way).
 */
export async function startS3rver(): Promise<S3Emulator> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelyard-s3rver-'));
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its
  // legacy provider: without it every listing past the first page fails with a 500.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', WATCHDOG, join(ROOT, 'packages/server/test/helpers/s3rver-main.cjs'), dataDir], {
    cwd: dataDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  });
  let port: number;
  try {
    port = Number((await waitForLine(child, /s3rver listening on (\d+)/, 's3rver'))[1]);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const stop = stopper(child, dataDir);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_KEY,
  });
  return {
    endpoint,
    env: {
      MLFLOW_S3_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      client.destroy();
      await stop();
    },
  };
}
