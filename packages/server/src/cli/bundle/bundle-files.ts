import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import { InvalidParameterError } from '../../errors.js';

/** Never packed, whatever `.gitignore` says: version control, and Modelyard's own data folder. */
const ALWAYS_EXCLUDED = ['.git/', '.modelyard/'];

interface Rules {
  /** Folder the patterns are relative to. */
  base: string;
  rules: Ignore;
}

function rulesOf(base: string, patterns: string[] | string): Rules {
  return { base, rules: ignore().add(patterns) };
}

function gitignoreAt(dir: string): Rules | undefined {
  const file = join(dir, '.gitignore');
  if (!existsSync(file)) return undefined;
  return rulesOf(dir, readFileSync(file, 'utf8'));
}

/**
 * `.gitignore` files of the folders above the project, up to the root of its git repository: a
 * project in a subfolder of a repository leaves out what the repository ignores, as git would.
 */
function ancestorRules(projectDir: string): Rules[] {
  const chain: string[] = [];
  for (let dir = dirname(projectDir); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) break;
  }
  // Only inside a repository: outside one, a stray ~/.gitignore must not decide what is packed.
  if (!existsSync(join(chain[0]!, '.git'))) return [];
  return chain.flatMap((d) => gitignoreAt(d) ?? []);
}

/** git's rule: the last file (the deepest) that says something about a path decides. */
function ignored(rules: Rules[], abs: string, isDir: boolean): boolean {
  let out = false;
  for (const r of rules) {
    const rel = relative(r.base, abs).split(sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../')) continue;
    const verdict = r.rules.test(isDir ? `${rel}/` : rel);
    if (verdict.ignored) out = true;
    else if (verdict.unignored) out = false;
  }
  return out;
}

/**
 * The files of a project bundle: every file and symbolic link below `projectDir`, except what
 * `.gitignore` files (the project's, its subfolders', and its repository's above it) and
 * `syncExclude` (patterns relative to the project folder, Databricks' `sync.exclude`) leave out.
 * Sorted, `/`-separated, relative to `projectDir`. A symbolic link pointing outside the project
 * is an error naming it: the server refuses such bundles.
 */
export function listBundleFiles(projectDir: string, syncExclude: string[] = []): string[] {
  const root = resolve(projectDir);
  // Applied last, so sync.exclude leaves out what a .gitignore re-includes (and `!pattern` in it re-includes).
  const sync = rulesOf(root, [...ALWAYS_EXCLUDED, ...syncExclude]);
  const files: string[] = [];
  const walk = (dir: string, inherited: Rules[]) => {
    const here = gitignoreAt(dir);
    const rules = [...inherited, ...(here ? [here] : []), sync];
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const st = lstatSync(abs);
      if (ignored(rules, abs, st.isDirectory())) continue;
      const rel = relative(root, abs).split(sep).join('/');
      if (st.isDirectory()) walk(abs, rules.slice(0, -1));
      else if (st.isSymbolicLink()) {
        const link = readlinkSync(abs);
        const target = resolve(dirname(abs), link);
        // Absolute links are refused even when they point inside: the bundle unpacks somewhere else.
        const where = link.startsWith('/') ? 'an absolute path' : target === root || target.startsWith(root + sep) ? undefined : 'outside the project folder';
        if (where) throw new InvalidParameterError(`${rel} is a symbolic link to ${link}, ${where}: add it to sync.exclude in modelyard.yaml, or make it a relative link inside the project`);
        files.push(rel);
      } else if (st.isFile()) files.push(rel);
    }
  };
  walk(root, ancestorRules(root));
  return files;
}
