import { realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { InvalidParameterError } from '../../errors.js';

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** realpath of `abs`, or of its deepest existing ancestor when `abs` does not exist (yet). */
async function realpathOfDeepestExisting(abs: string, stopAt: string): Promise<string | undefined> {
  let current = abs;
  for (;;) {
    try {
      return await realpath(current);
    } catch (e) {
      if (!isMissing(e)) throw e;
      if (current === stopAt) return undefined;
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

function isInside(child: string, root: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The absolute path of normalised relative path `relPath` under `root`, refusing (400) a path
 * that reaches outside `root` through a symbolic link. The lexical checks (`..`, absolute) are
 * `normalizeArtifactPath`'s job; this closes the symlink hole they cannot see.
 *
 * There is a window between this check and the caller's open/rename in which someone with shell
 * access to the artifact folder could swap in a symlink; clients of the HTTP API cannot create
 * symlinks at all, so the check is about links planted (or mounted) by hand.
 */
export async function confinedPath(root: string, relPath: string): Promise<string> {
  const abs = relPath === '' ? root : join(root, ...relPath.split('/'));
  const realRoot = await realpathOfDeepestExisting(root, root);
  // No root yet: nothing below it exists, so no symlink can be followed.
  if (realRoot === undefined) return abs;
  const realTarget = await realpathOfDeepestExisting(abs, root);
  if (realTarget !== undefined && !isInside(realTarget, realRoot)) {
    throw new InvalidParameterError(
      `Invalid path ${JSON.stringify(relPath)} for parameter 'path': it leads outside the artifact root through a symbolic link`,
    );
  }
  return abs;
}
