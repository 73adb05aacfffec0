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

// Its own process group: a terminal's Ctrl-C reaches npm and this script (and npm forwards it to
// us too), so the server would get SIGINT two or three times and the second one would cut its
// graceful shutdown short. We pass each signal on once; a repeat within a second is that echo.
const server = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js'), 'server', ...process.argv.slice(2)], {
  cwd: process.cwd(),
  stdio: 'inherit',
  detached: true,
});
let lastForward = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    if (Date.now() - lastForward < 1000) return;
    lastForward = Date.now();
    server.kill(signal);
  });
}
// If this script dies, the detached server must not outlive it.
process.on('exit', () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
});
server.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGINT' ? 130 : signal ? 143 : 1));
});
