import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { InvalidParameterError } from '../errors.js';

/**
 * Where a project's files come from, as MLflow's `fetch_project` decides it: a URI with a `:`
 * before its first `/` (https://…, git@host:…, file://…) is a Git repository, anything else a
 * local folder; `#sub/dir` after either names the project's folder inside it.
 */
export interface FetchedProject {
  /** The project folder the entry point runs in. */
  dir: string;
  /** `mlflow.source.name`: the Git URI as given, or a local folder as `file://<repo>#<subdir>` when it is in a Git work tree. */
  sourceName: string;
  /** `mlflow.source.git.commit`: the commit checked out (or of the local work tree). */
  commit?: string;
  /** `mlflow.gitRepoURL`: the repository's first remote (the URI itself for a clone). */
  repoUrl?: string;
  /** `--version` when it names a branch (`mlflow.source.git.branch`). */
  branch?: string;
  /** Removes a checkout made for this run (nothing for a local folder). */
  cleanup(): Promise<void>;
}

const GIT_URI = /^[^/]*:/;

export function splitSubdirectory(uri: string): { base: string; subdirectory: string } {
  // MLflow strips quotes a shell left around the URI, and refuses '.' so '..' cannot leave the repository.
  const unquoted = uri.replace(/^['"]+|['"]+$/g, '');
  const hash = unquoted.indexOf('#');
  const base = hash < 0 ? unquoted : unquoted.slice(0, hash);
  const subdirectory = hash < 0 ? '' : unquoted.slice(hash + 1);
  if (subdirectory.includes('.')) throw new InvalidParameterError(`'.' is not allowed in a project subdirectory (#${subdirectory}): name the folder from the repository's root, e.g. repo.git#projects/train`);
  return { base, subdirectory };
}

export function isGitUri(uri: string): boolean {
  return GIT_URI.test(uri);
}

export async function fetchProject(uri: string, opts: { version?: string; cacheDir: string }): Promise<FetchedProject> {
  const { base, subdirectory } = splitSubdirectory(uri);
  if (/\.zip$/i.test(base)) throw new InvalidParameterError(`${base} is a zip archive: unpack it and pass the folder, or push it to a Git repository`);
  if (!isGitUri(base)) {
    if (opts.version !== undefined) throw new InvalidParameterError(`--version picks a commit of a Git repository, and ${base} is a local folder: leave --version out, or pass the repository's URL`);
    const dir = resolve(base, subdirectory);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidParameterError(`no project folder at ${dir}${subdirectory ? ` (#${subdirectory} of ${base})` : ''}`);
    return { ...(await localGitInfo(dir)), dir, cleanup: async () => {} };
  }
  return cloneProject(uri, base, subdirectory, opts);
}

/** A local folder's Git facts, when it sits in a Git work tree (MLflow's `_get_git_url_if_present`, `_get_git_commit`). */
async function localGitInfo(dir: string): Promise<Omit<FetchedProject, 'dir' | 'cleanup'>> {
  const real = realpathSync(dir);
  const top = await git(['rev-parse', '--show-toplevel'], real).catch(() => undefined);
  if (!top) return { sourceName: real };
  const rel = relative(top, real);
  const commit = await git(['rev-parse', 'HEAD'], real).catch(() => undefined);
  const repoUrl = await firstRemoteUrl(real);
  return { sourceName: `file://${top}${rel ? `#${rel}` : ''}`, ...(commit ? { commit } : {}), ...(repoUrl ? { repoUrl } : {}) };
}

async function firstRemoteUrl(dir: string): Promise<string | undefined> {
  const remote = (await git(['remote'], dir).catch(() => '')).split('\n')[0];
  return remote ? git(['remote', 'get-url', remote], dir).catch(() => undefined) : undefined;
}

/**
 * A Git project: the repository is mirrored once into the cache (later runs only fetch), then
 * each run gets a checkout of its own, so two runs of different versions never share a work
 * tree. The checkout's origin is the URI itself, as in MLflow's clone.
 */
async function cloneProject(uri: string, base: string, subdirectory: string, opts: { version?: string; cacheDir: string }): Promise<FetchedProject> {
  if (base.startsWith('-') || opts.version?.startsWith('-')) throw new InvalidParameterError('a Git URI or --version cannot start with "-"');
  const mirror = join(opts.cacheDir, 'git', `${createHash('sha256').update(base).digest('hex').slice(0, 24)}.git`);
  await withLock(`${mirror}.lock`, async () => {
    if (existsSync(join(mirror, 'HEAD'))) await git(['fetch', '--prune', '--quiet', 'origin'], mirror, `fetch ${base}`);
    else {
      await mkdir(join(opts.cacheDir, 'git'), { recursive: true });
      await rm(mirror, { recursive: true, force: true });
      await git(['clone', '--mirror', '--quiet', '--', base, mirror], undefined, `clone ${base}`);
    }
  });
  const checkout = join(opts.cacheDir, 'checkouts', `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  await mkdir(join(opts.cacheDir, 'checkouts'), { recursive: true });
  const cleanup = () => rm(checkout, { recursive: true, force: true });
  try {
    await git(['clone', '--quiet', '--shared', '--no-checkout', '--', mirror, checkout], undefined, `check out ${base}`);
    await git(['remote', 'set-url', 'origin', base], checkout);
    let branch: string | undefined;
    let rev = 'HEAD';
    if (opts.version !== undefined) {
      const isBranch = await git(['show-ref', '--verify', '--quiet', `refs/heads/${opts.version}`], mirror).then(() => true, () => false);
      if (isBranch) branch = opts.version;
      rev = isBranch ? `origin/${opts.version}` : opts.version;
    }
    const commit = await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], checkout).catch(() => {
      throw new InvalidParameterError(`version '${opts.version}' is not a branch, tag or commit of ${base}: pass one it has to --version`);
    });
    await git(['checkout', '--quiet', '--detach', commit], checkout, `check out ${commit} of ${base}`);
    if (existsSync(join(checkout, '.gitmodules'))) await git(['submodule', 'update', '--init', '--recursive', '--quiet'], checkout, `fetch the submodules of ${base}`);
    const dir = join(checkout, subdirectory);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidParameterError(`${base} has no folder ${subdirectory} at ${opts.version ?? 'its default branch'} (#${subdirectory})`);
    return { dir, sourceName: uri.replace(/^['"]+|['"]+$/g, ''), commit, repoUrl: base, ...(branch ? { branch } : {}), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Only one process updates a mirror at a time; a lock older than ten minutes is a dead process's. */
async function withLock(lock: string, fn: () => Promise<void>): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock, { recursive: false });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        await mkdir(join(lock, '..'), { recursive: true });
        continue;
      }
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() - started > 10 * 60_000) throw new InvalidParameterError(`another process has held ${lock} for ten minutes; remove it if that process died`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Runs the system git without a shell; its stdout, trimmed. `what` turns a failure into an error naming the step. */
function git(args: string[], cwd: string | undefined, what?: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile('git', args, { cwd, maxBuffer: 16 << 20, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      if (!err) return done(stdout.trim());
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fail(new InvalidParameterError('running a project from a Git URI needs the git command, which is not on PATH: install git'));
      const said = (stderr || err.message).trim().split('\n').slice(-2).join(' ');
      fail(what ? new InvalidParameterError(`could not ${what}: ${said}`) : err);
    });
  });
}
