import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { c as createTar } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleCache } from './bundle-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'modelyard-bundle-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundleOf(files: Record<string, string>): Promise<{ bytes: Buffer; sha256: string }> {
  const src = mkdtempSync(join(dir, 'src-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const file = join(src, '..', `${Math.random().toString(36).slice(2)}.tar.gz`);
  await createTar({ file, cwd: src, gzip: true, portable: true }, Object.keys(files));
  const bytes = readFileSync(file);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('BundleCache', () => {
  it('unpacks a bundle once per machine, even for concurrent checkouts, into <root>/<sha256>', async () => {
    const root = join(dir, 'cache-a');
    const cache = new BundleCache(root, { maxBytes: 1 << 20 });
    const b = await bundleOf({ 'train.js': 'console.log(1)' });
    let opened = 0;
    const open = async () => {
      opened++;
      return Readable.from([b.bytes]);
    };
    const [x, y] = await Promise.all([cache.checkout(b.sha256, open), cache.checkout(b.sha256, open)]);
    expect(x).toBe(join(root, b.sha256));
    expect(y).toBe(x);
    expect(readFileSync(join(x, 'train.js'), 'utf8')).toBe('console.log(1)');
    // A second cache on the same folder (another process) finds it there.
    expect(await new BundleCache(root, { maxBytes: 1 << 20 }).checkout(b.sha256, open)).toBe(x);
    expect(opened).toBe(1);
    expect(readdirSync(root)).toEqual([b.sha256]);
  });

  it('refuses bytes that are not the bundle it asked for, leaving nothing behind', async () => {
    const root = join(dir, 'cache-b');
    mkdirSync(root);
    const cache = new BundleCache(root, { maxBytes: 1 << 20 });
    const asked = await bundleOf({ 'a.js': 'a' });
    const other = await bundleOf({ 'a.js': 'tampered' });
    await expect(cache.checkout(asked.sha256, async () => Readable.from([other.bytes]))).rejects.toThrow(`bundle ${asked.sha256} arrived with sha256 ${other.sha256}`);
    await expect(cache.checkout('not-a-sha', async () => Readable.from([]))).rejects.toThrow("'sha256' must be the 64 lower-case hex digits");
    expect(readdirSync(root)).toEqual([]);
  });
});
