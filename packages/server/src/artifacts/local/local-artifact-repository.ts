import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidParameterError, NotFoundError, isAppError } from '../../errors.js';
import { joinArtifactPath, normalizeArtifactPath } from '../artifact-path.js';
import { byteRangeWithin } from '@modelyard/sdk';
import type { ArtifactRead, ArtifactRepository, ByteRange, FileInfo } from '../artifact-repository.js';
import { confinedPath } from './confined-path.js';

/** Uploads land in a sibling temp file first; listings must not show those. */
const TEMP_FILE = /^\..*\.modelyard-[0-9a-f-]{36}\.part$/;

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function quoted(relPath: string): string {
  return JSON.stringify(relPath);
}

/** Artifacts as files below one local folder (`--artifacts-destination`, or a `file://` run root). */
export class LocalArtifactRepository implements ArtifactRepository {
  constructor(readonly root: string) {}

  async list(path: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const dir = await confinedPath(this.root, rel);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return [];
      throw e;
    }
    const infos: FileInfo[] = [];
    for (const entry of entries) {
      if (TEMP_FILE.test(entry.name)) continue;
      const childRel = joinArtifactPath(rel, entry.name);
      const info = await this.describeEntry(childRel);
      if (info) infos.push(info);
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Follows symlinks that stay inside the root; leaves out escaping or dangling ones and non-files. */
  private async describeEntry(childRel: string): Promise<FileInfo | undefined> {
    let st;
    try {
      st = await stat(await confinedPath(this.root, childRel));
    } catch (e) {
      if (isAppError(e) || errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ELOOP') return undefined;
      throw e;
    }
    if (st.isDirectory()) return { path: childRel, isDir: true };
    if (st.isFile()) return { path: childRel, isDir: false, fileSize: st.size };
    return undefined;
  }

  async openRead(path: string, range?: ByteRange): Promise<ArtifactRead> {
    const rel = normalizeArtifactPath(path);
    const file = await confinedPath(this.root, rel);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new NotFoundError(`No artifact file at path ${quoted(rel)}`);
      }
      throw e;
    }
    // fstat on the open descriptor: the file that was opened is the one measured, even if an
    // upload renames a new version over the path meanwhile.
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new NotFoundError(
        `No artifact file at path ${quoted(rel)}: it is a folder; list it with GET /api/2.0/mlflow-artifacts/artifacts?path=…`,
      );
    }
    if (range === undefined) return { stream: handle.createReadStream(), size: st.size };
    let span: { start: number; end: number };
    try {
      span = byteRangeWithin(range, st.size, quoted(rel));
    } catch (e) {
      await handle.close();
      throw e;
    }
    return { stream: handle.createReadStream({ start: span.start, end: span.end }), size: st.size, range: span };
  }

  async write(path: string, body: Readable): Promise<void> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') {
      throw new InvalidParameterError("Invalid path \"\" for parameter 'path': name a file below the artifact root");
    }
    const target = await confinedPath(this.root, rel);
    const dir = dirname(target);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      if (errnoOf(e) === 'ENOTDIR' || errnoOf(e) === 'EEXIST') {
        throw new InvalidParameterError(`Cannot write artifact ${quoted(rel)}: one of its parent folders is a file`);
      }
      throw e;
    }
    // Re-check now that the folders exist: mkdir may have walked through a symlink.
    await confinedPath(this.root, rel);
    const temp = join(dir, `.${basename(target)}.modelyard-${randomUUID()}.part`);
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      const handle = await open(temp, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      // rename is atomic within a folder: readers see the old file or the whole new one, and of
      // two concurrent uploads to one path the last rename wins with a complete file.
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      const code = errnoOf(e);
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new InvalidParameterError(`Cannot write artifact ${quoted(rel)}: a folder with that name exists`);
      }
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') {
      throw new InvalidParameterError("Invalid path \"\" for parameter 'path': name a file or folder below the artifact root");
    }
    try {
      await rm(await confinedPath(this.root, rel), { recursive: true, force: true });
    } catch (e) {
      if (errnoOf(e) !== 'ENOTDIR') throw e; // a parent is a file: nothing there to delete
    }
  }

  async exists(path: string): Promise<boolean> {
    const rel = normalizeArtifactPath(path);
    try {
      await stat(await confinedPath(this.root, rel));
      return true;
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return false;
      throw e;
    }
  }
}
