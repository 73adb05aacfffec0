import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as extractTar } from 'tar';
import { checkSha256 } from '../../domain/pipelines/bundle-ref.js';
import { InvalidParameterError } from '../../errors.js';
import { checkBundleEntries } from './bundle-entries.js';

/**
 * Streams `body` into `file`, hashing and counting it; throws (400) past `maxBytes`, naming the
 * limit. Returns the sha256 and size of what was written.
 */
export async function receiveBundle(body: Readable, file: string, maxBytes: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new InvalidParameterError(`the bundle is larger than this server's limit of ${maxBytes} bytes (max_bundle_bytes); leave data and build outputs out with .gitignore or sync.exclude in modelyard.yaml`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(file));
  return { sha256: hash.digest('hex'), size };
}

/**
 * Unpacked bundles, one folder per sha256 (`<root>/<sha256>`), shared by every task that runs
 * that bundle on this machine. A folder appears whole or not at all: the bundle is downloaded,
 * verified against its name and unpacked into a temporary folder, then renamed into place, so a
 * process killed mid-unpack leaves only a `.tmp-*` folder no task runs in, and
 * two processes unpacking the same bundle both end with the one that renamed first.
 */
export class BundleCache {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    readonly root: string,
    private readonly opts: { maxBytes: number },
  ) {}

  /** The folder of bundle `sha256`, fetched with `open` and unpacked if this machine has not yet. */
  async checkout(sha256: string, open: () => Promise<Readable>): Promise<string> {
    checkSha256(sha256);
    let p = this.inFlight.get(sha256);
    if (!p) {
      p = this.unpack(sha256, open).finally(() => this.inFlight.delete(sha256));
      this.inFlight.set(sha256, p);
    }
    return p;
  }

  private async unpack(sha256: string, open: () => Promise<Readable>): Promise<string> {
    const dir = join(this.root, sha256);
    if (await isDir(dir)) return dir;
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.tmp-${randomUUID()}`);
    const archive = `${tmp}.tar.gz`;
    try {
      const got = await receiveBundle(await open(), archive, this.opts.maxBytes);
      if (got.sha256 !== sha256) throw new InvalidParameterError(`bundle ${sha256} arrived with sha256 ${got.sha256}: refusing to run it`);
      await checkBundleEntries(archive);
      await mkdir(tmp);
      await extractTar({ file: archive, cwd: tmp, strict: true, preserveOwner: false, noMtime: true });
      try {
        await rename(tmp, dir);
      } catch (e) {
        // Another process unpacked the same bundle first: its folder is as good as ours.
        if (!(await isDir(dir))) throw e;
      }
      return dir;
    } finally {
      await rm(archive, { force: true });
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
