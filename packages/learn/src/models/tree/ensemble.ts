import type { Matrix } from '../../linalg/matrix.js';
import type { Random } from '../../random.js';
import { leafIndex, type Tree } from './tree.js';

export type MaxFeatures = 'sqrt' | 'log2' | 'all' | number;

export function resolveMaxFeatures(option: MaxFeatures, features: number): number {
  if (option === 'all') return features;
  if (option === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(features)));
  if (option === 'log2') return Math.max(1, Math.floor(Math.log2(features)));
  if (!(option > 0)) throw new RangeError(`maxFeatures must be > 0, got ${option}`);
  return option < 1 ? Math.max(1, Math.floor(option * features)) : Math.min(features, Math.floor(option));
}

/** n row indices drawn with replacement. */
export function bootstrapRows(n: number, random: Random): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = random.int(n);
  return rows;
}

/** m of n row indices drawn without replacement, sorted. */
export function subsampleRows(n: number, m: number, random: Random): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return random.shuffle(all).subarray(0, m).sort();
}

export function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Σ over trees of the reached leaf's value (output `output`), accumulated in float32 in tree order:
 * the arithmetic of ONNX Runtime's tree ensembles on float inputs.
 */
export function sumTreesFloat32(trees: readonly Tree[], x: Matrix, row: number, output = 0, pick?: (t: number) => boolean): number {
  let sum = 0;
  for (let t = 0; t < trees.length; t++) {
    if (pick && !pick(t)) continue;
    const tree = trees[t];
    sum = Math.fround(sum + tree.values[leafIndex(tree, x, row) * tree.outputs + output]);
  }
  return sum;
}

/**
 * Quantum for leaf weights whose sums stay exact in float32 for `terms` terms each in [0, 1]:
 * multiples of 2^-(24 - ⌈log2(terms + 1)⌉) add up exactly in any order, so ONNX Runtime's
 * (possibly multi-threaded) summation gives bit-identical forest votes.
 */
export function exactSumQuantum(terms: number): number {
  return 2 ** -(24 - Math.ceil(Math.log2(terms + 1)));
}
