import { describe, expect, it } from 'vitest';
import { fromColumns } from '../../linalg/matrix.js';
import { Random } from '../../random.js';
import { sortFeatures, thresholdBetween } from './sorted-features.js';
import { growTree } from './tree-builder.js';
import { leafIndex, treeDepth } from './tree.js';

const options = { maxDepth: Infinity, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 2 };

describe('growTree', () => {
  it('splits between the two classes at the midpoint, on the informative feature', () => {
    const x = fromColumns([[1, 2, 3, 4], [7, 7, 7, 7]], 4);
    const y = Int32Array.of(0, 0, 1, 1);
    const fractions = (rows: Int32Array) => {
      const c = [0, 0];
      for (const r of rows) c[y[r]]++;
      return c.map((v) => v / rows.length);
    };
    const tree = growTree(sortFeatures(x), Int32Array.of(0, 1, 2, 3), { kind: 'classes', classes: y, nClasses: 2 }, options, fractions, 2, new Random(1));
    expect(tree.nodeCount).toBe(3);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(2.5);
    expect(Array.from(tree.values.subarray(tree.left[0] * 2, tree.left[0] * 2 + 2))).toEqual([1, 0]);
    expect(Array.from(tree.values.subarray(tree.right[0] * 2, tree.right[0] * 2 + 2))).toEqual([0, 1]);
  });

  it('fits a step function exactly with squared error and respects maxDepth', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7];
    const ys = Float64Array.from(xs, (v) => (v < 3 ? 1 : v < 6 ? 5 : 9));
    const x = fromColumns([xs], xs.length);
    const mean = (rows: Int32Array) => [Array.from(rows).reduce((s, r) => s + ys[r], 0) / rows.length];
    const rows = Int32Array.from(xs.keys());
    const full = growTree(sortFeatures(x), rows, { kind: 'values', values: ys }, { ...options, maxFeatures: 1 }, mean, 1, new Random(1));
    xs.forEach((_, i) => expect(full.values[leafIndex(full, x, i)]).toBe(ys[i]));
    const stump = growTree(sortFeatures(x), rows, { kind: 'values', values: ys }, { ...options, maxDepth: 1, maxFeatures: 1 }, mean, 1, new Random(1));
    expect(treeDepth(stump)).toBe(1);
  });

  it('places float32 thresholds strictly below the upper value', () => {
    const lo = Math.fround(0.1);
    const hi = lo + 2 ** -26; // the next float32 after 0.1
    expect(Math.fround(hi)).toBe(hi);
    const t = thresholdBetween(lo, hi);
    expect(t >= lo && t < hi).toBe(true);
    expect(thresholdBetween(1, 2)).toBe(1.5);
  });
});
