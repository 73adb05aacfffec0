import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface StaticUiOptions {
  /** Folder holding the built UI (`index.html`, `assets/`). Defaults to `packages/web/dist`. */
  uiDir?: string;
}

/**
 * `packages/web/dist` seen from this file: `src/http/plugins` and `dist/http/plugins` sit at the
 * same depth under packages/server, so one relative path serves both the sources and the build.
 */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../../web/dist', import.meta.url));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Prefixes that belong to the APIs: an unknown path there keeps its JSON 404, never the SPA. */
const API_PREFIXES = ['/api/', '/ajax-api/'];

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Modelyard</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Modelyard server is running</h1>
<p>The web UI is not built, so there is nothing to show here yet. Build it with
<code>npm run build</code> (or <code>npm run build -w packages/web</code>) at the repository root
and reload this page.</p>
<p>The MLflow-compatible REST API is available under <code>/api/2.0/mlflow/</code>.</p>
</body></html>
`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file under `root` that `urlPath` names, or undefined when the path tries to leave `root`. */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = resolve(root, '.' + decoded);
  return full.startsWith(root + sep) ? full : undefined;
}

function sendFile(reply: FastifyReply, file: string, cacheControl: string): FastifyReply {
  return reply
    .header('content-type', CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));
}

/**
 * Serves the built web UI at `/`. Registered after the API routes; find-my-way prefers static
 * routes over this wildcard anyway, so API routes always win. Unknown paths without a file
 * extension get `index.html` (the client-side router owns them); unknown API paths and missing
 * asset files fall through to the JSON not-found handler. The folder is looked at per request, so
 * building the UI while the server runs needs no restart.
 */
export function registerStaticUi(app: FastifyInstance, opts: StaticUiOptions = {}): void {
  const root = resolve(opts.uiDir ?? defaultUiDir());
  const indexFile = resolve(root, 'index.html');

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.callNotFound();

    const hasIndex = await isFile(indexFile);
    if (!hasIndex) {
      if (path === '/' || path === '/index.html') {
        return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      }
      return reply.callNotFound();
    }

    const file = path === '/' ? undefined : fileUnder(root, path);
    if (file && file !== indexFile && (await isFile(file))) {
      // Vite puts a content hash in every name under assets/, so those never change.
      const immutable = path.startsWith('/assets/');
      return sendFile(reply, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    if (extname(path) !== '' && path !== '/index.html') return reply.callNotFound();
    return sendFile(reply, indexFile, 'no-cache');
  };

  app.get('/', handler);
  app.get('/*', handler);
}
