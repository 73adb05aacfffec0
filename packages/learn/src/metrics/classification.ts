export type Average = 'binary' | 'macro' | 'micro' | 'weighted';

export interface ClassMetricOptions {
  /** The positive class for average 'binary' (default 1). */
  positiveLabel?: number;
  average?: Average;
}

function checkLengths(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: yTrue has ${a.length} values but the predictions have ${b.length}`);
  if (a.length === 0) throw new Error(`${what}: no values`);
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLengths(yTrue, yPred, 'accuracy');
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  support: number;
}

function countsFor(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, label: number): Counts {
  const c = { tp: 0, fp: 0, fn: 0, support: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const actual = yTrue[i] === label;
    const predicted = yPred[i] === label;
    if (actual) c.support++;
    if (actual && predicted) c.tp++;
    else if (predicted) c.fp++;
    else if (actual) c.fn++;
  }
  return c;
}

// 0/0 is reported as 0, as scikit-learn does with zero_division=0.
const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);
const precisionOf = (c: Counts) => ratio(c.tp, c.tp + c.fp);
const recallOf = (c: Counts) => ratio(c.tp, c.tp + c.fn);
const f1Of = (c: Counts) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);

function averaged(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ClassMetricOptions,
  metric: (c: Counts) => number,
  what: string,
): number {
  checkLengths(yTrue, yPred, what);
  const average = options.average ?? 'binary';
  if (average === 'binary') return metric(countsFor(yTrue, yPred, options.positiveLabel ?? 1));
  const labels = [...new Set([...Array.from(yTrue), ...Array.from(yPred)])].sort((a, b) => a - b);
  const perClass = labels.map((label) => countsFor(yTrue, yPred, label));
  if (average === 'micro') {
    const total = perClass.reduce((s, c) => ({ tp: s.tp + c.tp, fp: s.fp + c.fp, fn: s.fn + c.fn, support: s.support + c.support }));
    return metric(total);
  }
  if (average === 'macro') return perClass.reduce((s, c) => s + metric(c), 0) / perClass.length;
  return perClass.reduce((s, c) => s + metric(c) * c.support, 0) / yTrue.length;
}

export function precision(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: ClassMetricOptions = {}): number {
  return averaged(yTrue, yPred, options, precisionOf, 'precision');
}

export function recall(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: ClassMetricOptions = {}): number {
  return averaged(yTrue, yPred, options, recallOf, 'recall');
}

export function f1Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: ClassMetricOptions = {}): number {
  return averaged(yTrue, yPred, options, f1Of, 'f1Score');
}

/** Counts per (actual, predicted) pair, rows and columns in the order of `labels`. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels?: readonly number[]): number[][] {
  checkLengths(yTrue, yPred, 'confusionMatrix');
  const order = labels ?? [...new Set([...Array.from(yTrue), ...Array.from(yPred)])].sort((a, b) => a - b);
  const index = new Map(order.map((l, i) => [l, i]));
  const m = order.map(() => order.map(() => 0));
  for (let i = 0; i < yTrue.length; i++) {
    const a = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (a !== undefined && p !== undefined) m[a][p]++;
  }
  return m;
}

/**
 * Mean negative log-likelihood. `probabilities` holds one row per sample with one column per entry
 * of `classes`, or, for two classes, just the probability of classes[1]. Probabilities are clipped
 * to [1e-15, 1 - 1e-15].
 */
export function logLoss(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<number> | readonly ArrayLike<number>[],
  classes: readonly number[] = [0, 1],
): number {
  checkLengths(yTrue, probabilities, 'logLoss');
  const index = new Map(classes.map((c, i) => [c, i]));
  const eps = 1e-15;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const k = index.get(yTrue[i]);
    if (k === undefined) throw new Error(`logLoss: label ${yTrue[i]} is not one of the classes ${classes.join(', ')}`);
    const row = probabilities[i];
    let p: number;
    if (typeof row === 'number') {
      if (classes.length !== 2) throw new Error('logLoss: a single probability per row needs exactly two classes');
      p = k === 1 ? row : 1 - row;
    } else {
      p = row[k];
    }
    total -= Math.log(Math.min(Math.max(p, eps), 1 - eps));
  }
  return total / yTrue.length;
}
