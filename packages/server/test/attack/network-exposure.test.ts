import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const MAIN = join(ROOT, 'packages/server/src/main.ts');
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', MAIN, 'server', '--port', '0'];

/** `modelyard server --host 0.0.0.0` (the real CLI): refused while the server has no authentication. */
describe('modelyard server on a non-loopback address', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelyard-exposure-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  for (const key of Object.keys(env)) if (key.startsWith('MODELYARD_')) delete env[key];

  it('refuses to start, saying why and how to proceed, and opens nothing', () => {
    const r = spawnSync(process.execPath, [...NODE_ARGS, '--host', '0.0.0.0', '--data-dir', join(dir, 'refused')], { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/listening on 0\.0\.0\.0 .*no authentication.*--allow-unauthenticated/);
    expect(spawnSync('test', ['-e', join(dir, 'refused')]).status).not.toBe(0);
  }, 120_000);

  it('starts with --allow-unauthenticated, and warns', async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, '--host', '0.0.0.0', '--allow-unauthenticated', '--data-dir', join(dir, 'allowed'), '--log-level', 'warn'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no listening line within 90 s:\n${out}`)), 90_000);
        child.stdout!.on('data', () => {
          if (/listening on http/.test(out)) {
            clearTimeout(timer);
            done();
          }
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}:\n${out}`)));
      });
      expect(out).toMatch(/no authentication \(--allow-unauthenticated\)/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
