import { describe, expect, it } from 'vitest';
import { DataFrame } from './data-frame.js';
import { trainTestSplit } from './train-test-split.js';

const frame = DataFrame.fromColumns({
  id: Array.from({ length: 100 }, (_, i) => i),
  y: Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1)),
});

describe('trainTestSplit', () => {
  it('partitions the rows, and the same seed gives the same split', () => {
    const a = trainTestSplit(frame, { testSize: 0.25, seed: 7 });
    const b = trainTestSplit(frame, { testSize: 0.25, seed: 7 });
    const c = trainTestSplit(frame, { testSize: 0.25, seed: 8 });
    expect(a.test.rowCount).toBe(25);
    expect([...a.trainRows, ...a.testRows].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.testRows).toEqual(b.testRows);
    expect(c.testRows).not.toEqual(a.testRows);
    expect(Array.from(a.test.numbers('id'))).toEqual(a.testRows);
  });

  it('keeps class proportions with stratify', () => {
    for (const seed of [1, 2, 3]) {
      const { test, train } = trainTestSplit(frame, { testSize: 0.25, seed, stratify: 'y' });
      expect(Array.from(test.numbers('y')).filter((v) => v === 1)).toHaveLength(5);
      expect(Array.from(train.numbers('y')).filter((v) => v === 1)).toHaveLength(15);
    }
  });

  it('rejects a test size that leaves a part empty', () => {
    expect(() => trainTestSplit(frame, { testSize: 1.5 })).toThrow(/testSize/);
    expect(() => trainTestSplit(frame, { testSize: 0 })).toThrow(/testSize/);
  });
});
