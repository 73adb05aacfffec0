import { isAbsolute, resolve } from 'node:path';
import { InvalidParameterError } from '../errors.js';

export type StoreLocation =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; url: string; poolSize: number };

/**
 * Parses a backend store URI the way MLflow spells them: `sqlite:///relative.db`,
 * `sqlite:////abs/path.db` (SQLAlchemy's four slashes), `postgresql://user@host:port/db`,
 * `postgresql+psycopg2://…` (driver suffix ignored), or a bare file path (SQLite).
 */
export function parseStoreUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const trimmed = uri.trim();
  if (trimmed === '') throw new InvalidParameterError('backend store URI is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (!scheme) {
    return { dialect: 'sqlite', path: resolve(cwd, trimmed) };
  }
  const base = scheme.split('+')[0];
  if (base === 'sqlite') {
    const rest = trimmed.slice(scheme.length + 1);
    if (!rest.startsWith('//')) {
      throw new InvalidParameterError(`sqlite store URI '${uri}' must look like sqlite:///path/to/file.db`);
    }
    let path = rest.slice(2);
    if (path === '/:memory:' || path === '' || path === '/') return { dialect: 'sqlite', path: ':memory:' };
    // sqlite:///x.db → "/x.db" → relative "x.db"; sqlite:////abs/x.db → "//abs/x.db" → "/abs/x.db"
    path = path.startsWith('//') ? path.slice(1) : path.slice(1);
    return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (base === 'postgresql' || base === 'postgres') {
    const url = new URL(trimmed.replace(/^[^:]+:/, 'postgresql:'));
    const poolSize = Number(url.searchParams.get('pool_size') ?? 10);
    url.searchParams.delete('pool_size');
    return { dialect: 'postgres', url: url.toString(), poolSize };
  }
  throw new InvalidParameterError(
    `backend store URI scheme '${scheme}' is not supported; use sqlite:///path.db or postgresql://user@host:port/db`,
  );
}
