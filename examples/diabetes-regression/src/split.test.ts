import { describe, expect, it } from 'vitest';
import { cleanseDiabetes, loadDiabetes } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitDiabetes } from './split.js';

describe('splitDiabetes', async () => {
  const { frame } = cleanseDiabetes((await loadDiabetes(DEFAULT_DATA_PATH)).frame);

  it('holds out 20 % of the rows, the same ones for the same seed', () => {
    const a = splitDiabetes(frame, { seed: 42, testSize: 0.2 });
    expect(a.test.rowCount).toBe(88);
    expect(a.train.rowCount).toBe(354);
    expect(splitDiabetes(frame, { seed: 42, testSize: 0.2 }).testRows).toEqual(a.testRows);
    expect(splitDiabetes(frame, { seed: 1, testSize: 0.2 }).testRows).not.toEqual(a.testRows);
  });

  it('partitions the rows and keeps their values, missing cells included', () => {
    const a = splitDiabetes(frame, { seed: 42, testSize: 0.2 });
    expect([...a.trainRows, ...a.testRows].sort((x, y) => x - y)).toEqual(Array.from({ length: 442 }, (_, i) => i));
    const missingInParts = ['train', 'test'].reduce((n, part) => n + a[part as 'train' | 'test'].numbers('S2').filter(Number.isNaN).length, 0);
    expect(missingInParts).toBe(25);
    expect(a.test.strings('SEX')[5]).toBe(frame.strings('SEX')[a.testRows[5]!]);
  });
});
