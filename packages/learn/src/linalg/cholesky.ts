/**
 * Solves A x = b for a symmetric positive-definite A (n×n, row-major) by Cholesky factorisation.
 * Throws when A is not positive definite (e.g. collinear features without regularisation).
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        // A pivot that is tiny relative to the diagonal entry means (numerically) singular.
        if (!(sum > 1e-12 * Math.abs(a[i * n + i]))) {
          throw new Error('matrix is not positive definite (collinear or constant features); add regularisation (alpha > 0)');
        }
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}
