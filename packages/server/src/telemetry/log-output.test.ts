import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogOutput } from './log-output.js';

const settle = () => new Promise((r) => setTimeout(r, 50));
const line = (n: number) => `${JSON.stringify({ level: 30, msg: `line ${n}` })}\n`;

describe('LogOutput', () => {
  const fds: number[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const fd of fds.splice(0)) closeSync(fd);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes every line, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelyard-log-output-'));
    dirs.push(dir);
    const fd = openSync(join(dir, 'log'), 'a');
    fds.push(fd);
    const out = new LogOutput(fd);
    for (let i = 0; i < 100; i++) out.write(line(i));
    await settle();
    const lines = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 100 }, (_, i) => line(i).trim()));
    expect(out.droppedLines).toBe(0);
  });

  // /dev/full answers every write with ENOSPC, as a full disk does.
  it.skipIf(!existsSync('/dev/full'))('drops and counts lines a full disk refuses, and never throws or retries in a loop', async () => {
    const fd = openSync('/dev/full', 'w');
    fds.push(fd);
    const out = new LogOutput(fd);
    for (let i = 0; i < 50; i++) out.write(line(i));
    await settle();
    expect(out.droppedLines).toBe(50);
    // The first line is being written; the second waits. flushSync (at exit) tries the waiting
    // one once, synchronously, and drops it: no retry loop holds the process.
    out.write(line(50));
    out.write(line(51));
    out.flushSync();
    expect(out.droppedLines).toBe(51);
    await settle();
    expect(out.droppedLines).toBe(52);
  });
});
