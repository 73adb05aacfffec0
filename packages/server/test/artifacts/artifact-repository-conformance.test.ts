import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { BlobServiceClient } from '@azure/storage-blob';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RangeNotSatisfiableError } from '@modelyard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactRepository } from '../../src/artifacts/artifact-repository.js';
import { LocalArtifactRepository } from '../../src/artifacts/local/local-artifact-repository.js';
import { ObjectStoreRepository } from '../../src/artifacts/object-store/object-store-repository.js';
import { AZURITE_ACCOUNT, S3RVER_KEY, startAzurite, startS3rver } from '../helpers/object-store-emulators.js';
import type { AzuriteEmulator, S3Emulator } from '../helpers/object-store-emulators.js';

/**
 * One suite for every artifact repository: the local folder, Azure Blob through `wasbs://` and
 * `abfss://` (Azurite's blob endpoint, which is how ADLS Gen2 is reached), and S3 (s3rver). Each
 * test gets a fresh root; a sentinel beside the root shows that nothing outside it is touched.
 */

const CONTAINER = 'conformance';
const BUCKET = 'conformance';
const MiB = 1024 * 1024;

let azurite: AzuriteEmulator;
let s3: S3Emulator;
let localDir: string;

beforeAll(async () => {
  [azurite, s3] = await Promise.all([startAzurite(), startS3rver()]);
  await Promise.all([azurite.createContainer(CONTAINER), s3.createBucket(BUCKET)]);
  localDir = mkdtempSync(join(tmpdir(), 'modelyard-conformance-'));
});

afterAll(async () => {
  await Promise.all([azurite?.stop(), s3?.stop()]);
  rmSync(localDir, { recursive: true, force: true });
});

interface Subject {
  repo: ArtifactRepository;
  /** Writes `body` at `name` beside the root (outside it), bypassing the repository. */
  plantOutside(name: string, body: string): Promise<void>;
  /** Reads `name` beside the root, bypassing the repository. */
  readOutside(name: string): Promise<string>;
  /** Azure only: a blob at `path` below the root, with metadata, bypassing the repository. */
  plantBlob?(path: string, metadata: Record<string, string>): Promise<void>;
}

let counter = 0;

const azureContainer = () => BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER);

function azureSubject(scheme: 'wasbs' | 'abfss', pageSize: number): Subject {
  const root = `root-${scheme}-${++counter}`;
  const host = scheme === 'wasbs' ? 'blob' : 'dfs';
  const repo = new ObjectStoreRepository(`${scheme}://${CONTAINER}@${AZURITE_ACCOUNT}.${host}.core.windows.net/${root}`, {
    env: azurite.env,
    listPageSize: pageSize,
    partSizeBytes: 4 * MiB,
  });
  return {
    repo,
    plantOutside: async (name, body) => {
      await azureContainer().getBlockBlobClient(`${root}${name}`).upload(body, Buffer.byteLength(body));
    },
    readOutside: async (name) => (await azureContainer().getBlobClient(`${root}${name}`).downloadToBuffer()).toString(),
    plantBlob: async (path, metadata) => {
      await azureContainer().getBlockBlobClient(`${root}/${path}`).upload('', 0, { metadata });
    },
  };
}

function s3Subject(pageSize: number): Subject {
  const root = `root-s3-${++counter}`;
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_KEY });
  const repo = new ObjectStoreRepository(`s3://${BUCKET}/${root}`, { env: s3.env, listPageSize: pageSize, partSizeBytes: 5 * MiB });
  return {
    repo,
    plantOutside: async (name, body) => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${root}${name}`, Body: body }));
    },
    readOutside: async (name) => {
      const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${root}${name}` }));
      return res.Body!.transformToString();
    },
  };
}

function localSubject(): Subject {
  const root = join(localDir, `root-${++counter}`);
  return {
    repo: new LocalArtifactRepository(root),
    plantOutside: async (name, body) => {
      mkdirSync(dirname(`${root}${name}`), { recursive: true });
      writeFileSync(`${root}${name}`, body);
    },
    readOutside: async (name) => readFileSync(`${root}${name}`, 'utf8'),
  };
}

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A stream of `total` pseudo-random bytes in 1 MiB chunks, never held whole. */
function generated(total: number, seed: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const chunk = randomBytes(MiB);
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(MiB, total - sent);
      const part = Buffer.from(chunk.subarray(0, n));
      part.writeUInt32BE((seed + sent) >>> 0, 0);
      sent += n;
      hash.update(part);
      this.push(part);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

const SUBJECTS: Array<[string, () => Subject]> = [
  ['local folder', localSubject],
  ['Azure Blob (wasbs://)', () => azureSubject('wasbs', 3)],
  ['ADLS Gen2 (abfss://, through the blob endpoint)', () => azureSubject('abfss', 3)],
  ['S3 (s3rver)', () => s3Subject(3)],
];

describe.each(SUBJECTS)('artifact repository conformance: %s', (name, makeSubject) => {
  it('writes nested files and lists one level, sorted, with sizes; a file or a missing folder lists nothing', async () => {
    const { repo } = makeSubject();
    await repo.write('model/MLmodel', body('flavors: {}\n'));
    await repo.write('model/data/model.onnx', body(Buffer.alloc(1000, 7)));
    await repo.write('b.txt', body('bb'));
    expect(await repo.list('')).toEqual([
      { path: 'b.txt', isDir: false, fileSize: 2 },
      { path: 'model', isDir: true },
    ]);
    expect(await repo.list('model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: 12 },
      { path: 'model/data', isDir: true },
    ]);
    expect(await repo.list('model/')).toEqual(await repo.list('model'));
    expect(await repo.list('b.txt')).toEqual([]);
    expect(await repo.list('missing')).toEqual([]);
  });

  it('lists every page of a folder larger than one listing page', async () => {
    const { repo } = makeSubject();
    const names = Array.from({ length: 11 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    await Promise.all(names.map((n) => repo.write(`deep/${n}`, body(n))));
    await Promise.all(['x', 'y', 'z'].map((d) => repo.write(`deep/sub-${d}/leaf.txt`, body(d))));
    const listed = await repo.list('deep');
    expect(listed.filter((e) => !e.isDir).map((e) => e.path)).toEqual(names.map((n) => `deep/${n}`));
    expect(listed.filter((e) => e.isDir).map((e) => e.path)).toEqual(['deep/sub-x', 'deep/sub-y', 'deep/sub-z']);
  });

  it('reads back what was written; a missing file or a folder is RESOURCE_DOES_NOT_EXIST', async () => {
    const { repo } = makeSubject();
    await repo.write('dir/a.txt', body('hello'));
    const read = await repo.openRead('dir/a.txt');
    expect(read.size).toBe(5);
    expect(await text(read.stream)).toBe('hello');
    for (const path of ['dir/nope.txt', 'dir', 'dir/a.txt/x']) {
      await expect(repo.openRead(path), path).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    }
    expect(await repo.exists('dir/a.txt')).toBe(true);
    expect(await repo.exists('dir')).toBe(true);
    expect(await repo.exists('dir/nope.txt')).toBe(false);
  });

  it('stores an empty file', async () => {
    const { repo } = makeSubject();
    await repo.write('empty.bin', Readable.from([]));
    const read = await repo.openRead('empty.bin');
    expect(read.size).toBe(0);
    expect((await buffer(read.stream)).length).toBe(0);
    expect(await repo.list('')).toEqual([{ path: 'empty.bin', isDir: false, fileSize: 0 }]);
  });

  it('overwrites a file whole', async () => {
    const { repo } = makeSubject();
    await repo.write('a.txt', body('first version, longer'));
    await repo.write('a.txt', body('second'));
    expect(await text((await repo.openRead('a.txt')).stream)).toBe('second');
    expect(await repo.list('')).toEqual([{ path: 'a.txt', isDir: false, fileSize: 6 }]);
  });

  it('keeps the old file when the body fails mid-way', async () => {
    const { repo } = makeSubject();
    await repo.write('a.txt', body('old'));
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(repo.write('a.txt', failing)).rejects.toThrow();
    expect(await text((await repo.openRead('a.txt')).stream)).toBe('old');
    expect(await repo.list('')).toEqual([{ path: 'a.txt', isDir: false, fileSize: 3 }]);
  });

  it('streams a file larger than several upload parts and reads it back byte for byte', async () => {
    const { repo } = makeSubject();
    const size = 13 * MiB + 12345;
    const source = generated(size, 42);
    await repo.write('big/model.bin', source.stream);
    const read = await repo.openRead('big/model.bin');
    expect(read.size).toBe(size);
    const hash = createHash('sha256');
    let got = 0;
    for await (const chunk of read.stream) {
      hash.update(chunk as Buffer);
      got += (chunk as Buffer).length;
    }
    expect(got).toBe(size);
    expect(hash.digest('hex')).toBe(source.digest());
    expect(await repo.list('big')).toEqual([{ path: 'big/model.bin', isDir: false, fileSize: size }]);
  });

  it('reads byte ranges: closed, open-ended, suffix, clipped; a range past the end is refused with the size', async () => {
    const { repo } = makeSubject();
    const data = Buffer.from('0123456789abcdefghij');
    await repo.write('r.txt', body(data));
    const cases: Array<[Parameters<ArtifactRepository['openRead']>[1], string, { start: number; end: number }]> = [
      [{ start: 0, end: 4 }, '01234', { start: 0, end: 4 }],
      [{ start: 15 }, 'fghij', { start: 15, end: 19 }],
      [{ suffixLength: 3 }, 'hij', { start: 17, end: 19 }],
      [{ suffixLength: 500 }, data.toString(), { start: 0, end: 19 }],
      [{ start: 18, end: 1000 }, 'ij', { start: 18, end: 19 }],
    ];
    for (const [range, expected, span] of cases) {
      const read = await repo.openRead('r.txt', range);
      expect(read.size, JSON.stringify(range)).toBe(20);
      expect(read.range).toEqual(span);
      expect(await text(read.stream)).toBe(expected);
    }
    const refused = repo.openRead('r.txt', { start: 20 });
    await expect(refused).rejects.toBeInstanceOf(RangeNotSatisfiableError);
    await expect(refused).rejects.toMatchObject({ size: 20 });
    await repo.write('empty.txt', Readable.from([]));
    await expect(repo.openRead('empty.txt', { start: 0 })).rejects.toMatchObject({ size: 0 });
    await expect(repo.openRead('missing.txt', { start: 0 })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('deletes files and folders recursively, only at folder boundaries; missing is fine; the root is refused', async () => {
    const { repo } = makeSubject();
    await repo.write('dir/sub/a.txt', body('x'));
    await repo.write('dir/b.txt', body('x'));
    await repo.write('dir-sibling/keep.txt', body('k'));
    await repo.write('dirt.txt', body('k'));
    await repo.delete('dir');
    await repo.delete('never-existed');
    await repo.delete('dirt.txt/below-a-file');
    expect(await repo.list('')).toEqual([
      { path: 'dir-sibling', isDir: true },
      { path: 'dirt.txt', isDir: false, fileSize: 1 },
    ]);
    await repo.delete('dirt.txt');
    expect(await repo.exists('dirt.txt')).toBe(false);
    await expect(repo.delete('')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.write('', body('y'))).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses paths that would leave the root, and leaves what is beside the root untouched', async () => {
    const subject = makeSubject();
    const { repo } = subject;
    await subject.plantOutside('-sibling/secret.txt', 'top secret');
    for (const path of ['../x-sibling/secret.txt', '/etc/passwd', 'a\\..\\b', 'a\u0000b', '..', 'a/../../x']) {
      await expect(repo.openRead(path), path).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.write(path, body('pwned')), path).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.delete(path), path).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      await expect(repo.list(path), path).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    }
    expect(await repo.list('')).toEqual([]);
    expect(await subject.readOutside('-sibling/secret.txt')).toBe('top secret');
  });

  if (name.includes('Azure') || name.includes('ADLS')) {
    it('shows ADLS Gen2 directory blobs (hdi_isfolder) as folders, never as files, and deletes them', async () => {
      const subject = makeSubject();
      await subject.plantBlob!('folder', { hdi_isfolder: 'true' });
      await subject.plantBlob!('folder/inner', { hdi_isfolder: 'true' });
      await subject.repo.write('folder/inner/file.txt', body('f'));
      expect(await subject.repo.list('')).toEqual([{ path: 'folder', isDir: true }]);
      expect(await subject.repo.list('folder')).toEqual([{ path: 'folder/inner', isDir: true }]);
      await expect(subject.repo.openRead('folder/inner')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      await subject.repo.delete('folder');
      expect(await subject.repo.list('')).toEqual([]);
      expect(await subject.repo.exists('folder')).toBe(false);
    });
  }
});

describe('object-store repositories: the same bytes through wasbs:// and abfss://', () => {
  it('reads through abfss:// what was written through wasbs:// (one account, one container)', async () => {
    const wasbs = new ObjectStoreRepository(`wasbs://${CONTAINER}@${AZURITE_ACCOUNT}.blob.core.windows.net/shared`, { env: azurite.env });
    const abfss = new ObjectStoreRepository(`abfss://${CONTAINER}@${AZURITE_ACCOUNT}.dfs.core.windows.net/shared`, { env: azurite.env });
    const data = randomBytes(4096);
    await wasbs.write('x/data.bin', body(data));
    expect(sha(await buffer((await abfss.openRead('x/data.bin')).stream))).toBe(sha(data));
    expect(await abfss.list('x')).toEqual([{ path: 'x/data.bin', isDir: false, fileSize: 4096 }]);
  });
});
