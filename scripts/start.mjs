#!/usr/bin/env node
// `npm start [-- flags]`: install if needed, build, then run `modelyard server` on the embedded
// default (SQLite + artifacts under ./.modelyard) or whatever flags/MODELYARD_* variables say.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, ROOT } from './ensure-installed.mjs';

ensureInstalled();

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`[modelyard] build failed (exit ${build.status ?? build.signal})\n`);
  process.exit(build.status || 1);
}

const server = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js'), 'server', ...process.argv.slice(2)], {
  cwd: process.cwd(),
  stdio: 'inherit',
});
// npm and the terminal both signal us; pass the signal on so the server shuts down cleanly once.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (server.exitCode === null) server.kill(signal);
  });
}
server.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
});
