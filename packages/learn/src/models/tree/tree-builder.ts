import type { Random } from '../../random.js';
import type { SortedFeatures } from './sorted-features.js';
import { thresholdBetween } from './sorted-features.js';
import type { Tree } from './tree.js';

export interface TreeGrowthOptions {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features to examine per split (non-constant ones, drawn at random); all when ≥ feature count. */
  maxFeatures: number;
}

/** What the tree fits: class indices (Gini impurity) or real values (squared error). */
export type TreeTarget =
  | { readonly kind: 'classes'; readonly classes: Int32Array; readonly nClasses: number }
  | { readonly kind: 'values'; readonly values: Float64Array };

/** Computes a leaf's output values from the training rows that reach it. */
export type LeafValue = (rows: Int32Array) => ArrayLike<number>;

interface Split {
  feature: number;
  rankLo: number;
  rankHi: number;
}

/**
 * Grows a CART tree on the given rows (repeats allowed, e.g. a bootstrap sample) by exhaustive
 * search over split points of the examined features.
 */
export function growTree(
  data: SortedFeatures,
  rows: Int32Array,
  target: TreeTarget,
  options: TreeGrowthOptions,
  leafValue: LeafValue,
  outputs: number,
  random: Random,
): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const values: number[] = [];
  const buffer = Int32Array.from(rows);
  const scratch = new Float64Array(buffer.length);
  const order = Int32Array.from({ length: data.features }, (_, i) => i);
  const k = target.kind === 'classes' ? target.nClasses : 0;
  const countsLeft = new Float64Array(k);
  const countsTotal = new Float64Array(k);

  const newNode = (): number => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    for (let o = 0; o < outputs; o++) values.push(0);
    return feature.length - 1;
  };

  // Score to maximise: Σ_side (Σ class counts²)/n for Gini, (Σ y)²/n for squared error. The
  // parent's own score is the baseline a split must beat.
  const nodeScore = (start: number, end: number): number => {
    const n = end - start;
    if (target.kind === 'classes') {
      countsTotal.fill(0);
      for (let i = start; i < end; i++) countsTotal[target.classes[buffer[i]]]++;
      let sq = 0;
      for (let c = 0; c < k; c++) sq += countsTotal[c] * countsTotal[c];
      return sq / n;
    }
    let sum = 0;
    for (let i = start; i < end; i++) sum += target.values[buffer[i]];
    return (sum * sum) / n;
  };

  const isPure = (start: number, end: number): boolean => {
    if (target.kind === 'classes') {
      const first = target.classes[buffer[start]];
      for (let i = start + 1; i < end; i++) if (target.classes[buffer[i]] !== first) return false;
      return true;
    }
    const first = target.values[buffer[start]];
    for (let i = start + 1; i < end; i++) if (target.values[buffer[i]] !== first) return false;
    return true;
  };

  const bestSplit = (start: number, end: number): Split | undefined => {
    const n = end - start;
    const parent = nodeScore(start, end);
    let best: Split | undefined;
    let bestScore = parent + 1e-12 * Math.abs(parent);
    let examined = 0;
    for (let i = 0; i < order.length && examined < options.maxFeatures; i++) {
      const j = i + random.int(order.length - i);
      const f = order[j];
      order[j] = order[i];
      order[i] = f;
      const rank = data.ranks[f];
      const keys = scratch.subarray(0, n);
      for (let p = 0; p < n; p++) keys[p] = rank[buffer[start + p]] * n + p;
      keys.sort();
      const firstRank = Math.floor(keys[0] / n);
      if (Math.floor(keys[n - 1] / n) === firstRank) continue;
      examined++;
      let sqLeft = 0;
      let sqRight = 0;
      let sumLeft = 0;
      let sumRight = 0;
      if (target.kind === 'classes') {
        // countsTotal holds this node's class counts (set by nodeScore above).
        countsLeft.fill(0);
        for (let c = 0; c < k; c++) sqRight += countsTotal[c] * countsTotal[c];
      } else {
        for (let p = start; p < end; p++) sumRight += target.values[buffer[p]];
      }
      for (let p = 0; p < n - 1; p++) {
        const row = buffer[start + (keys[p] % n)];
        if (target.kind === 'classes') {
          const c = target.classes[row];
          const a = countsLeft[c];
          const b = countsTotal[c] - a;
          sqLeft += 2 * a + 1;
          sqRight -= 2 * b - 1;
          countsLeft[c] = a + 1;
        } else {
          const y = target.values[row];
          sumLeft += y;
          sumRight -= y;
        }
        const nextRank = Math.floor(keys[p + 1] / n);
        const rankHere = Math.floor(keys[p] / n);
        if (nextRank === rankHere) continue;
        const nLeft = p + 1;
        const nRight = n - nLeft;
        if (nLeft < options.minSamplesLeaf || nRight < options.minSamplesLeaf) continue;
        const score =
          target.kind === 'classes'
            ? sqLeft / nLeft + sqRight / nRight
            : (sumLeft * sumLeft) / nLeft + (sumRight * sumRight) / nRight;
        if (score > bestScore) {
          bestScore = score;
          best = { feature: f, rankLo: rankHere, rankHi: nextRank };
        }
      }
    }
    return best;
  };

  const grow = (start: number, end: number, depth: number): number => {
    const node = newNode();
    const n = end - start;
    const split =
      depth < options.maxDepth && n >= options.minSamplesSplit && n >= 2 * options.minSamplesLeaf && !isPure(start, end)
        ? bestSplit(start, end)
        : undefined;
    if (!split) {
      const out = leafValue(buffer.subarray(start, end));
      for (let o = 0; o < outputs; o++) values[node * outputs + o] = out[o];
      return node;
    }
    const rank = data.ranks[split.feature];
    let mid = start;
    for (let i = start; i < end; i++) {
      if (rank[buffer[i]] <= split.rankLo) {
        const tmp = buffer[mid];
        buffer[mid] = buffer[i];
        buffer[i] = tmp;
        mid++;
      }
    }
    const distinct = data.distinct[split.feature];
    feature[node] = split.feature;
    threshold[node] = thresholdBetween(distinct[split.rankLo], distinct[split.rankHi] ?? Infinity);
    left[node] = grow(start, mid, depth + 1);
    right[node] = grow(mid, end, depth + 1);
    return node;
  };

  grow(0, buffer.length, 0);
  return {
    nodeCount: feature.length,
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    values: Float64Array.from(values),
    outputs,
  };
}
