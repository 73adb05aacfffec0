import { posix } from 'node:path';

/**
 * Databricks workspace paths (`/Users/me@x.com/project/train.py`, `/Shared/…`) as Modelyard's
 * Workspace API stores them: relative paths under `<dataDir>/workspace`. `/Workspace/…` is the
 * same object (Databricks accepts both spellings). Anything that could leave the folder, or that a
 * file system would read differently (`..`, `.`, empty segments, backslashes, NUL), is refused.
 */
export const MAX_WORKSPACE_PATH_CHARS = 1024;

export type WorkspacePath = { ok: true; rel: string; path: string } | { ok: false; problem: string };

export function workspacePath(path: unknown): WorkspacePath {
  if (typeof path !== 'string' || path === '') return { ok: false, problem: 'path is required: an absolute workspace path such as /Users/me@example.com/project' };
  if (path.length > MAX_WORKSPACE_PATH_CHARS) return { ok: false, problem: `path must be at most ${MAX_WORKSPACE_PATH_CHARS} characters` };
  if (!path.startsWith('/')) return { ok: false, problem: `path must be absolute (start with /), got '${path}'` };
  if (/[\\\0]/.test(path)) return { ok: false, problem: `path must not contain backslashes or NUL characters, got '${path}'` };
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const segments = trimmed.split('/').slice(1);
  if (segments.length === 1 && segments[0] === '') return { ok: true, rel: '', path: '/' };
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return { ok: false, problem: `path must not contain empty, '.' or '..' segments, got '${path}'` };
  const inner = segments[0] === 'Workspace' ? segments.slice(1) : segments;
  const rel = inner.join('/');
  return { ok: true, rel, path: '/' + rel };
}

/** The parent's workspace path ('/' for a top-level object). */
export function workspaceParent(path: string): string {
  return posix.dirname(path);
}
