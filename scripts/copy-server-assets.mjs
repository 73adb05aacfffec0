#!/usr/bin/env node
// Copies the server's non-TypeScript runtime files (the Python worker script) from src/ into
// dist/ at the same relative path, after `tsc -b`: dist/ is what `npm start` and an installed
// package run, and tsc copies only what it compiles.
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'server');
const ASSET = /\.py$/;

function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (ASSET.test(entry.name)) cpSync(path, join(SERVER, 'dist', relative(join(SERVER, 'src'), path)));
  }
}

copyAssets(join(SERVER, 'src'));
