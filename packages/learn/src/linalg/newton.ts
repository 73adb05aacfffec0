import { choleskySolve } from './cholesky.js';

export interface SecondOrder {
  loss: number;
  gradient: Float64Array;
  /** Row-major, symmetric positive definite. */
  hessian: Float64Array;
}

export interface NewtonResult {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Minimises a smooth strictly convex function by Newton's method with backtracking line search.
 * Converged when the largest gradient component is below `tolerance`.
 */
export function newtonMinimize(
  initial: Float64Array,
  evaluate: (theta: Float64Array) => SecondOrder,
  lossAt: (theta: Float64Array) => number,
  maxIterations: number,
  tolerance: number,
): NewtonResult {
  const n = initial.length;
  let theta = Float64Array.from(initial);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const { loss, gradient, hessian } = evaluate(theta);
    let gmax = 0;
    for (const g of gradient) gmax = Math.max(gmax, Math.abs(g));
    if (gmax < tolerance) return { theta, iterations: iteration, converged: true };
    const step = choleskySolve(hessian, gradient, n);
    let slope = 0;
    for (let i = 0; i < n; i++) slope += gradient[i] * step[i];
    let t = 1;
    let next = theta;
    for (let halvings = 0; halvings < 60; halvings++) {
      next = theta.map((v, i) => v - t * step[i]);
      if (lossAt(next) <= loss - 1e-4 * t * slope) break;
      t /= 2;
    }
    if (next.every((v, i) => v === theta[i])) return { theta, iterations: iteration + 1, converged: true };
    theta = next;
  }
  return { theta, iterations: maxIterations, converged: false };
}
