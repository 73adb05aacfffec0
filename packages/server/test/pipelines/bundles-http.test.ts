import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { c as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBundleFiles } from '../../src/cli/bundle/bundle-files.js';
import { packBundle } from '../../src/cli/bundle/pack-bundle.js';
import { startTestServer } from '../helpers/server.js';
import type { TestServer } from '../helpers/server.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A .tar.gz of `files` (paths as given, so `../x` and `/abs` stay as written) made in `cwd`. */
async function rawTar(cwd: string, files: string[]): Promise<Buffer> {
  const out = join(cwd, `raw-${Math.random().toString(36).slice(2)}.tar.gz`);
  await createTar({ file: out, cwd, gzip: true, preservePaths: true, portable: true }, files);
  return readFileSync(out);
}

describe('project bundles: packing, upload checks, deploy and destroy over HTTP', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxBundleBytes: 64 * 1024 } });
    dir = mkdtempSync(join(tmpdir(), 'modelyard-bundles-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = (hash: string, body: Buffer) =>
    fetch(`${server.url}/api/v1/bundles/upload?sha256=${hash}`, { method: 'PUT', headers: { 'content-type': 'application/gzip' }, body });

  it('packs what git would commit, less sync.exclude, byte-for-byte the same each time', async () => {
    const p = join(dir, 'repo', 'project');
    mkdirSync(join(p, 'src', 'cache'), { recursive: true });
    mkdirSync(join(p, 'out'), { recursive: true });
    mkdirSync(join(p, '.modelyard'), { recursive: true });
    mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
    writeFileSync(join(dir, 'repo', '.gitignore'), 'out/\n*.log\n');
    writeFileSync(join(p, '.gitignore'), 'src/cache/\n!keep.log\n');
    for (const f of ['modelyard.yaml', 'train.js', 'keep.log', 'debug.log', 'secret.env', 'src/a.js', 'src/cache/big.bin', 'out/x.csv', '.modelyard/modelyard.db']) writeFileSync(join(p, f), f);
    symlinkSync('train.js', join(p, 'link-in.js'));
    expect(listBundleFiles(p, ['secret.env'])).toEqual(['.gitignore', 'keep.log', 'link-in.js', 'modelyard.yaml', 'src/a.js', 'train.js']);
    const a = await packBundle(p, ['secret.env']);
    const b = await packBundle(p, ['secret.env']);
    try {
      expect(a.sha256).toBe(b.sha256);
      expect(a.fileCount).toBe(6);
    } finally {
      a.dispose();
      b.dispose();
    }
    symlinkSync('/etc/passwd', join(p, 'link-out'));
    expect(() => listBundleFiles(p)).toThrow('link-out is a symbolic link to /etc/passwd, an absolute path: add it to sync.exclude');
    expect(listBundleFiles(p, ['link-out'])).not.toContain('link-out');
  });

  it('refuses a bundle whose bytes do not match its sha256, one over the size limit, and entries that leave the bundle (4xx, MLflow JSON)', async () => {
    const w = join(dir, 'hostile', 'inner');
    mkdirSync(w, { recursive: true });
    writeFileSync(join(w, 'ok.txt'), 'ok');
    writeFileSync(join(dir, 'hostile', 'outside.txt'), 'pwned');
    symlinkSync('/etc', join(w, 'etc-link'));
    symlinkSync('../outside.txt', join(w, 'up-link'));

    const good = await rawTar(w, ['ok.txt']);
    const mismatch = await upload(sha(Buffer.from('something else')), good);
    expect(mismatch.status).toBe(400);
    const body = (await mismatch.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(body.message).toContain(`the uploaded bundle's sha256 is ${sha(good)}`);

    const cases: Array<[string, Buffer, string]> = [
      ['..', await rawTar(w, ['../outside.txt']), "entry '../outside.txt' is not a relative path inside the bundle"],
      ['absolute', await rawTar(w, [join(w, 'ok.txt')]), 'is not a relative path inside the bundle'],
      ['symlink to /etc', await rawTar(w, ['etc-link']), "symbolic link 'etc-link' points outside the bundle (to '/etc')"],
      ['symlink ..', await rawTar(w, ['up-link']), "symbolic link 'up-link' points outside the bundle (to '../outside.txt')"],
      ['not a tar', Buffer.from('hello, not gzip'), 'the bundle is not a readable .tar.gz'],
    ];
    for (const [what, bytes, message] of cases) {
      const r = await upload(sha(bytes), bytes);
      const j = (await r.json()) as { error_code: string; message: string };
      expect([what, r.status, j.error_code]).toEqual([what, 400, 'INVALID_PARAMETER_VALUE']);
      expect(j.message, what).toContain(message);
    }

    // Random bytes do not compress: well over the 64 KiB limit once gzipped.
    writeFileSync(join(w, 'big.bin'), Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(Math.random() * 256))));
    const big = await rawTar(w, ['big.bin']);
    const tooBig = await upload(sha(big), big);
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as { message: string }).message).toContain(`larger than this server's limit of 65536 bytes (max_bundle_bytes)`);

    // Streamed (chunked, no Content-Length): refused once the limit is passed, with the same answer.
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(4096, 7));
    const streamed = await fetch(`${server.url}/api/v1/bundles/upload?sha256=${'a'.repeat(64)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/gzip' },
      body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(400);
    expect(((await streamed.json()) as { message: string }).message).toContain('max_bundle_bytes');

    const missing = await fetch(`${server.url}/api/v1/bundles/download?sha256=${'0'.repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error_code: string }).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const badName = await fetch(`${server.url}/api/v1/bundles/download?sha256=..%2F..%2Fetc%2Fpasswd`);
    expect(badName.status).toBe(400);

    // Nothing refused was stored.
    const ok = await upload(sha(good), good);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sha256: sha(good), size_bytes: good.length, created: true });
    expect(((await (await upload(sha(good), good)).json()) as { created: boolean }).created).toBe(false);
  });

  it('deploys a target idempotently, removes what the project no longer declares, and destroy removes the rest', async () => {
    const p = join(dir, 'deployable');
    mkdirSync(p, { recursive: true });
    const yaml = (jobs: string) =>
      `project: { name: bundled }\nregistered_models:\n  m: { name: bundled-model, description: first }\njobs:\n${jobs}targets:\n  dev: { default: true }\n`;
    writeFileSync(join(p, 'modelyard.yaml'), yaml('  a: { tasks: [ { task_key: t, command_task: { command: [node, -e, "1"] } } ] }\n  b: { tasks: [ { task_key: t, command_task: { command: [node, -e, "2"] } } ] }\n'));
    const deploy = async () => {
      const packed = await packBundle(p);
      try {
        await upload(packed.sha256, readFileSync(packed.file));
        const r = await fetch(`${server.url}/api/v1/bundles/deploy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sha256: packed.sha256 }) });
        return { status: r.status, body: (await r.json()) as { target?: string; changes: Array<{ kind: string; name: string; action: string }> } };
      } finally {
        packed.dispose();
      }
    };
    const actions = (b: { changes: Array<{ kind: string; name: string; action: string }> }) => b.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);
    const first = await deploy();
    expect(first.status).toBe(200);
    expect(first.body.target).toBe('dev');
    expect(actions(first.body)).toEqual(['created job a', 'created job b', 'created registered_model bundled-model']);
    expect(actions((await deploy()).body)).toEqual(['unchanged job a', 'unchanged job b', 'unchanged registered_model bundled-model']);

    writeFileSync(join(p, 'modelyard.yaml'), yaml('  a: { tasks: [ { task_key: t, command_task: { command: [node, -e, "3"] } } ] }\n'));
    expect(actions((await deploy()).body)).toEqual(['updated job a', 'removed job b', 'unchanged registered_model bundled-model']);

    const destroy = await fetch(`${server.url}/api/v1/bundles/destroy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project: 'bundled', target: 'dev' }) });
    expect(actions((await destroy.json()) as never)).toEqual(['removed job a', 'removed registered_model bundled-model']);
    const again = await fetch(`${server.url}/api/v1/bundles/destroy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project: 'bundled', target: 'dev' }) });
    expect(again.status).toBe(404);
  });
});
