import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { c as createTar } from 'tar';
import { listBundleFiles } from './bundle-files.js';

export interface PackedBundle {
  /** The `.tar.gz`, in a temporary folder (never the current one); `dispose` removes it. */
  file: string;
  sha256: string;
  sizeBytes: number;
  fileCount: number;
  dispose(): void;
}

/**
 * Packs a project folder as a gzipped tar whose bytes depend only on the files' paths, contents
 * and modes: entries sorted, times and owners left out. The same folder always gives the same
 * sha256, so a redeploy of unchanged code uploads nothing and changes nothing.
 */
export async function packBundle(projectDir: string, syncExclude: string[] = []): Promise<PackedBundle> {
  const files = listBundleFiles(projectDir, syncExclude);
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-bundle-'));
  const file = join(dir, 'bundle.tar.gz');
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    await createTar({ file, cwd: projectDir, gzip: true, portable: true, mtime: new Date(0), noDirRecurse: true, follow: false }, files);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return { file, sha256: hash.digest('hex'), sizeBytes: statSync(file).size, fileCount: files.length, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
