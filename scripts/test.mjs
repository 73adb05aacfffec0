#!/usr/bin/env node
// `npm test [-- vitest args]`: install if needed, type-check everything (sources and tests),
// run vitest (PostgreSQL suites included: the global setup starts a throwaway cluster), then check
// the dependency direction. Stops at the first failing step with its exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, ROOT } from './ensure-installed.mjs';

ensureInstalled();

const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
const vitestArgs = process.argv.slice(2);
const reportFile = join(ROOT, 'test-output', 'vitest.json');

const steps = [
  { name: 'typecheck', cmd: bin('tsc'), args: ['-p', 'scripts/tsconfig.typecheck.json'] },
  { name: 'typecheck web', cmd: bin('tsc'), args: ['-p', 'packages/web/tsconfig.json', '--noEmit'] },
  // Before the tests: a dependency violation fails in seconds, not after the whole suite.
  { name: 'depcheck', cmd: bin('depcruise'), args: ['packages/server/src', '--config', '.dependency-cruiser.cjs'] },
  {
    name: 'vitest',
    cmd: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...vitestArgs],
  },
];

mkdirSync(join(ROOT, 'test-output'), { recursive: true });
rmSync(reportFile, { force: true });

for (const step of steps) {
  const started = Date.now();
  process.stderr.write(`\n[modelyard test] ${step.name}\n`);
  const result = spawnSync(step.cmd, step.args, { cwd: ROOT, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (step.name === 'vitest') printTotals();
  if (result.status !== 0) {
    process.stderr.write(`[modelyard test] ${step.name} FAILED after ${seconds}s (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status || 1);
  }
  process.stderr.write(`[modelyard test] ${step.name} ok (${seconds}s)\n`);
}

/** One plain closing line with the counts, for people and CI logs alike. */
function printTotals() {
  if (!existsSync(reportFile)) return;
  try {
    const r = JSON.parse(readFileSync(reportFile, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    process.stdout.write(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped\n`);
  } catch {
    // A run that died before writing its report has already said why.
  }
}
