import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../../../../..');
export const WEB_DIR = join(ROOT, 'packages/web');
export const WEB_DIST = join(WEB_DIR, 'dist');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is newer than every source of the UI. */
export function webBuildReason(): string | undefined {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return 'packages/web/dist is missing';
  const built = statSync(index).mtimeMs;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(WEB_DIR, p)).filter(existsSync);
  return sources.some((s) => newestMtime(s) > built) ? 'packages/web sources are newer than dist' : undefined;
}

/**
 * Builds the UI with Vite when dist/ is missing or stale, so the browser tests always see the
 * current sources. Parallel test files share one build: a lock directory serialises them.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (!webBuildReason()) return;
  const lock = join(tmpdir(), `modelyard-web-build-${Buffer.from(WEB_DIR).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A build that died long ago leaves its lock behind; a live one finishes well within this.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 240_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the web build lock ${lock}`);
      await sleep(250);
    }
  }
  try {
    if (!webBuildReason()) return;
    const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
    const res = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_DIR, encoding: 'utf8', timeout: 170_000 });
    if (res.status !== 0) throw new Error(`vite build failed (exit ${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
