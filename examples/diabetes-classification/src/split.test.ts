import { describe, expect, it } from 'vitest';
import { cleansePima, loadPima } from './cleanse.js';
import { DEFAULT_DATA_PATH } from './run-training.js';
import { splitPima } from './split.js';

const positives = (v: Float64Array) => v.filter((x) => x === 1).length;

describe('splitPima', async () => {
  const { frame } = cleansePima((await loadPima(DEFAULT_DATA_PATH)).frame);

  it('holds out 20 % with the same share of positives in both parts', () => {
    const split = splitPima(frame, { seed: 42, testSize: 0.2 });
    expect(split.test.rowCount).toBe(154);
    expect(split.train.rowCount).toBe(614);
    // 500 negatives and 268 positives: round(0.2·500) = 100 and round(0.2·268) = 54 go to the test part.
    expect(positives(split.test.numbers('Outcome'))).toBe(54);
    expect(positives(split.train.numbers('Outcome'))).toBe(214);
  });

  it('partitions the rows: disjoint, complete, and the same for the same seed', () => {
    const a = splitPima(frame, { seed: 42, testSize: 0.2 });
    const b = splitPima(frame, { seed: 42, testSize: 0.2 });
    const c = splitPima(frame, { seed: 7, testSize: 0.2 });
    expect(b.testRows).toEqual(a.testRows);
    expect(c.testRows).not.toEqual(a.testRows);
    const all = [...a.trainRows, ...a.testRows].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 768 }, (_, i) => i));
    // The split's frames hold the rows its indices name.
    expect(a.test.numbers('Glucose')[3]).toEqual(frame.numbers('Glucose')[a.testRows[3]!]);
  });
});
