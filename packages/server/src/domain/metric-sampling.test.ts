import { describe, expect, it } from 'vitest';
import { sampleSteps } from './metric-sampling.js';

describe('sampleSteps', () => {
  it('keeps every step when there are few', () => {
    expect(sampleSteps([[0, 1, 2], [2, 5]], 10)).toEqual([0, 1, 2, 5]);
  });

  it('spreads at most maxResults steps evenly and keeps each run’s ends', () => {
    const long = Array.from({ length: 1000 }, (_, i) => i);
    const out = sampleSteps([long, [3, 7]], 10);
    expect(out).toEqual([0, 3, 7, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999]);
  });

  it('restricts to a step window, keeping only ends inside it', () => {
    const long = Array.from({ length: 100 }, (_, i) => i * 2);
    const out = sampleSteps([long], 5, { start: 10, end: 50 });
    expect(out[0]).toBe(10);
    expect(out[out.length - 1]).toBe(50);
    expect(out.every((s) => s >= 10 && s <= 50)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(6);
  });

  it('is empty for no data', () => {
    expect(sampleSteps([[], []], 10)).toEqual([]);
  });
});
