function check(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, what: string): void {
  if (yTrue.length !== yPred.length) throw new Error(`${what}: yTrue has ${yTrue.length} values but yPred has ${yPred.length}`);
  if (yTrue.length === 0) throw new Error(`${what}: no values`);
}

export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check(yTrue, yPred, 'meanSquaredError');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += (yTrue[i] - yPred[i]) ** 2;
  return sum / yTrue.length;
}

export function rootMeanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check(yTrue, yPred, 'meanAbsoluteError');
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) sum += Math.abs(yTrue[i] - yPred[i]);
  return sum / yTrue.length;
}

/** Coefficient of determination: 1 - SS_res / SS_tot (1 for a perfect fit, 0 for predicting the mean). */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check(yTrue, yPred, 'r2Score');
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i];
  mean /= yTrue.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    res += (yTrue[i] - yPred[i]) ** 2;
    tot += (yTrue[i] - mean) ** 2;
  }
  // A constant target: perfect predictions score 1, anything else 0 (scikit-learn's convention).
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
