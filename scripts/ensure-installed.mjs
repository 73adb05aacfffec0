#!/usr/bin/env node
// Runs `npm ci` when node_modules is missing or older than package-lock.json; silent otherwise.
// `npm ci`, not `npm install`: it installs exactly what the lock file says and never rewrites it,
// so `npm start` and `npm test` leave a clone's tracked files as they were.
// Used by `npm start`, `npm test` and `npm run bench` so a fresh clone needs no separate step.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : undefined;
}

/** Why an install is needed, or undefined when node_modules is current. */
export function installReason() {
  // npm writes node_modules/.package-lock.json at the end of every install that changed the tree,
  // and every dependency change (npm install <pkg>, a pulled commit) rewrites package-lock.json.
  // Edits to package.json scripts touch neither, so they do not cost an install.
  const installed = mtime(join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed === undefined) return 'node_modules is missing';
  const lock = mtime(join(ROOT, 'package-lock.json'));
  if (lock === undefined) return 'package-lock.json is missing';
  return lock > installed ? 'package-lock.json is newer than node_modules' : undefined;
}

export function ensureInstalled() {
  const reason = installReason();
  if (!reason) return;
  process.stderr.write(`[modelyard] ${reason}: running npm ci\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`[modelyard] npm ci failed (exit ${result.status ?? result.signal}); if it says the lock file is out of sync, run \`npm install\` and commit package-lock.json\n`);
    process.exit(result.status || 1);
  }
  // An install that changed nothing leaves the marker's time alone; touch it so the next run is quiet.
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(marker)) {
    const now = new Date();
    utimesSync(marker, now, now);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureInstalled();
