import { posix } from 'node:path';
import { t as listTar } from 'tar';
import type { ReadEntry } from 'tar';
import { InvalidParameterError } from '../../errors.js';

/** A bundle holds at most this many entries: a tar of tiny files must not exhaust inodes when unpacked. */
export const MAX_BUNDLE_ENTRIES = 100_000;

/** Whether an entry path is relative and stays inside the bundle once unpacked. */
function insideBundle(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path) || path.includes('\0')) return false;
  const normal = posix.normalize(path);
  return normal !== '..' && !normal.startsWith('../') && !normal.startsWith('/');
}

/**
 * Reads every entry header of a bundle and refuses (400, naming the entry) what could write
 * outside the folder it is unpacked into: absolute paths, `..`, links pointing out, hard links,
 * devices and FIFOs. node-tar would strip some of these silently when extracting; a bundle is
 * refused instead, so what runs is exactly what the deployer packed.
 */
export async function checkBundleEntries(file: string): Promise<{ entries: number }> {
  let entries = 0;
  let problem: string | undefined;
  const onReadEntry = (entry: ReadEntry) => {
    entries++;
    const path = entry.path.replace(/\/+$/, '');
    if (problem) return entry.resume();
    if (entries > MAX_BUNDLE_ENTRIES) problem = `the bundle holds more than ${MAX_BUNDLE_ENTRIES} entries`;
    else if (!insideBundle(path)) problem = `entry '${entry.path}' is not a relative path inside the bundle`;
    else if (entry.type === 'SymbolicLink') {
      const target = entry.linkpath ?? '';
      if (target.startsWith('/') || !insideBundle(posix.join(posix.dirname(path), target))) problem = `symbolic link '${entry.path}' points outside the bundle (to '${target}')`;
    } else if (entry.type === 'Link') problem = `entry '${entry.path}' is a hard link; bundles hold files, folders and symbolic links inside them`;
    else if (!['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir'].includes(entry.type)) problem = `entry '${entry.path}' is a ${entry.type}; bundles hold files, folders and symbolic links`;
    entry.resume();
  };
  try {
    await listTar({ file, onReadEntry, strict: true });
  } catch (e) {
    throw new InvalidParameterError(`the bundle is not a readable .tar.gz: ${(e as Error).message}`);
  }
  if (problem) throw new InvalidParameterError(`bundle refused: ${problem}`);
  if (entries === 0) throw new InvalidParameterError('the bundle is empty: pack the project folder (modelyard deploy does)');
  return { entries };
}
