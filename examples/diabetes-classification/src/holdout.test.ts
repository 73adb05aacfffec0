import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFrame, parseCsv } from '@modelyard/learn';
import { formatCsv, writeHoldoutCsv } from './holdout.js';

describe('holdout CSV', () => {
  it('round-trips numbers, missing values and awkward text through readCsv', async () => {
    const frame = DataFrame.fromColumns({
      Glucose: [148, Number.NaN, 0.1 + 0.2],
      Note: ['a,b', 'say "hi"', null],
      Outcome: [1, 0, 1],
    });
    const text = formatCsv(frame);
    expect(text.split('\n')[0]).toBe('Glucose,Note,Outcome');
    expect(text.split('\n')[2]).toBe(',"say ""hi""",0');
    const back = parseCsv(text);
    expect(Array.from(back.numbers('Glucose'))).toEqual([148, Number.NaN, 0.1 + 0.2]);
    expect(back.strings('Note')).toEqual(['a,b', 'say "hi"', null]);

    const dir = mkdtempSync(join(tmpdir(), 'holdout-'));
    try {
      const path = await writeHoldoutCsv(frame, join(dir, 'nested/holdout.csv'));
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
