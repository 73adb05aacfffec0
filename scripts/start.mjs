#!/usr/bin/env node
// `npm start [-- flags]`: install if needed, build, then run `modelyard server` on the embedded
// default (SQLite + artifacts under ./.modelyard) or whatever flags/MODELYARD_* variables say.
// Once it listens, the server runs the demo project (examples/modelyard.yaml: train both diabetes
// models → register → stage → evaluate → gate → promote → batch-score → deploy) and prints a
// summary, then keeps serving. `--no-demo` skips the demo; `--demo-only` runs it and exits
// (0 when it succeeded), which is what CI runs. Running it again trains a new version that has to
// pass the gate against the champion of the first run.
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
const server = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js'), 'server', ...serverArgs(process.argv.slice(2))], {
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

/** Our own flags become the server's demo options; the rest go through unchanged. */
function serverArgs(args) {
  const noDemo = args.includes('--no-demo');
  const demoOnly = args.includes('--demo-only');
  const rest = args.filter((a) => a !== '--no-demo' && a !== '--demo-only');
  if (noDemo) return rest;
  const out = [...rest, '--demo', join(ROOT, 'examples/modelyard.yaml')];
  if (demoOnly) out.push('--demo-only');
  // Task processes log every metric through the server; at info its request log would bury the
  // demo's progress and summary. An explicit --log-level or MODELYARD_LOG_LEVEL wins.
  if (!rest.some((a) => a === '--log-level' || a.startsWith('--log-level=')) && !process.env.MODELYARD_LOG_LEVEL) out.push('--log-level', 'warn');
  return out;
}
