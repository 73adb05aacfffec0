import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowHttp } from '../helpers/mlflow-http.js';
import { AZURITE_ACCOUNT, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

/**
 * `modelyard server --artifacts-destination <object store>`: the mlflow-artifacts proxy, run
 * listings and experiments' locations over S3 (s3rver), Azure Blob and ADLS Gen2 (Azurite),
 * through real HTTP on a real port. The server reads its credentials from the environment, as
 * in production: this file sets the emulators' variables on process.env (its own process).
 */

const MiB = 1024 * 1024;
const CONTAINER = 'proxied';
const BUCKET = 'proxied';

let azurite: AzuriteEmulator;
let s3: S3Emulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
  await Promise.all([azurite.createContainer(CONTAINER), s3.createBucket(BUCKET)]);
  Object.assign(process.env, azurite.env, s3.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([azurite?.stop(), s3?.stop()]);
});

const STORES: Array<[string, () => string]> = [
  ['S3', () => `s3://${BUCKET}/mlartifacts`],
  ['Azure Blob (wasbs://)', () => `wasbs://${CONTAINER}@${AZURITE_ACCOUNT}.blob.core.windows.net/mlartifacts`],
  ['ADLS Gen2 (abfss://)', () => `abfss://${CONTAINER}@${AZURITE_ACCOUNT}.dfs.core.windows.net/adls-artifacts`],
];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(STORES)('artifact proxy over %s', (_name, destinationOf) => {
  let server: TestServer;
  let http: MlflowHttp;
  let destination: string;
  const proxy = (path: string) => `${server.url}/api/2.0/mlflow-artifacts/artifacts/${path}`;

  beforeAll(async () => {
    destination = destinationOf();
    server = await startTestServer({ config: { artifactsDestination: destination, bodyLimitBytes: MiB } });
    http = new MlflowHttp(server.url);
  });

  afterAll(() => server?.close());

  it('streams a multi-part upload in and out, whole and by ranges', async () => {
    const data = randomBytes(12 * MiB + 7);
    // A streamed request body, as MLflow's clients send big files (no Content-Length known up front).
    const put = await fetch(proxy('0/run/artifacts/model/model.bin'), {
      method: 'PUT',
      body: Readable.toWeb(Readable.from(chunksOf(data, MiB))) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    expect(put.status).toBe(200);

    const whole = await fetch(proxy('0/run/artifacts/model/model.bin'));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(data.length));
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(sha(Buffer.from(await whole.arrayBuffer()))).toBe(sha(data));

    const mid = await fetch(proxy('0/run/artifacts/model/model.bin'), { headers: { range: `bytes=${8 * MiB - 10}-${8 * MiB + 9}` } });
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe(`bytes ${8 * MiB - 10}-${8 * MiB + 9}/${data.length}`);
    expect(mid.headers.get('content-length')).toBe('20');
    expect(Buffer.from(await mid.arrayBuffer()).equals(data.subarray(8 * MiB - 10, 8 * MiB + 10))).toBe(true);

    const tail = await fetch(proxy('0/run/artifacts/model/model.bin'), { headers: { range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(data.length - 100))).toBe(true);

    const past = await fetch(proxy('0/run/artifacts/model/model.bin'), { headers: { range: `bytes=${data.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${data.length}`);
    expect(await past.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });

    // Several ranges, or an If-Range the server cannot match: the whole file, 200.
    for (const headers of [{ range: 'bytes=0-1,5-6' }, { range: 'bytes=0-9', 'if-range': '"etag"' }] as Array<Record<string, string>>) {
      const res = await fetch(proxy('0/run/artifacts/model/model.bin'), { headers });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
  });

  it('lists, answers 404 for a missing file or a folder, and deletes folders', async () => {
    for (const [path, body] of [['listing/a.txt', 'aa'], ['listing/sub/b.txt', 'b'], ['listing/MLmodel', 'flavors: {}\n']] as const) {
      expect((await fetch(proxy(path), { method: 'PUT', body })).status).toBe(200);
    }
    const listing = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=listing`);
    expect(await listing.json()).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'a.txt', is_dir: false, file_size: 2 },
        { path: 'sub', is_dir: true },
      ],
    });
    const text = await fetch(proxy('listing/MLmodel'));
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect(await text.text()).toBe('flavors: {}\n');
    for (const missing of ['listing/nope.txt', 'listing/sub']) {
      const res = await fetch(proxy(missing));
      expect(res.status, missing).toBe(404);
      expect(await res.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    }
    expect((await fetch(proxy('listing/sub'), { method: 'DELETE' })).status).toBe(200);
    const after = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=listing`);
    expect(((await after.json()) as { files: Array<{ path: string }> }).files.map((f) => f.path)).toEqual(['MLmodel', 'a.txt']);
    const escape = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/..%2f..%2fsecret`);
    expect(escape.status).toBe(400);
  });

  it('gives runs mlflow-artifacts:/ roots stored in the destination, and lists them', async () => {
    const experimentId = (await http.ok('/experiments/create', { name: `proxied-${destination}` })).experiment_id;
    const run = (await http.ok('/runs/create', { experiment_id: experimentId, start_time: 1 })).run.info;
    expect(run.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.run_id}/artifacts`);
    expect((await fetch(proxy(`${experimentId}/${run.run_id}/artifacts/metrics.json`), { method: 'PUT', body: '{}' })).status).toBe(200);
    expect(await http.okGet('/artifacts/list', { run_id: run.run_id })).toEqual({
      root_uri: run.artifact_uri,
      files: [{ path: 'metrics.json', is_dir: false, file_size: 2 }],
    });
  });

  it('lists runs whose experiment points into the destination directly, and refuses other locations', async () => {
    const inside = (await http.ok('/experiments/create', { name: `direct-${destination}`, artifact_location: `${destination}/direct` })).experiment_id;
    const run = (await http.ok('/runs/create', { experiment_id: inside, start_time: 1 })).run.info;
    expect(run.artifact_uri).toBe(`${destination}/direct/${run.run_id}/artifacts`);
    expect((await fetch(proxy(`direct/${run.run_id}/artifacts/x.txt`), { method: 'PUT', body: 'x' })).status).toBe(200);
    expect((await http.okGet('/artifacts/list', { run_id: run.run_id })).files).toEqual([{ path: 'x.txt', is_dir: false, file_size: 1 }]);

    // MLflow lets an experiment point anywhere; the server just does not read there.
    const elsewhere = destination.replace(/\/[^/]+$/, '/not-a-root');
    const outside = (await http.ok('/experiments/create', { name: `elsewhere-${destination}`, artifact_location: elsewhere })).experiment_id;
    const stray = (await http.ok('/runs/create', { experiment_id: outside, start_time: 1 })).run.info;
    const refused = await http.get('/artifacts/list', { run_id: stray.run_id });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('--allowed-artifact-roots') });

    const malformed = await http.post('/experiments/create', { name: `bad-${destination}`, artifact_location: `${destination}/../escape` });
    expect(malformed.status).toBe(400);
  });

  it('wrote nothing to a local folder', () => {
    expect(existsSync(join(server.config.dataDir, 'artifacts'))).toBe(false);
    expect(readdirSync(process.cwd()).filter((n) => /^(s3|wasbs|abfss):?$/.test(n))).toEqual([]);
  });
});

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}
