/**
 * The linear model f(x) = wᵀx with the square loss l(w) = (1/2n)‖Xw − y‖² and its gradient
 * ∇l(w) = Xᵀ(Xw − y)/n (Shachaf et al. digest §2). Parameters only; training loops live in training/.
 */
import type { Mat } from '../numeric/matrix.js';
import { gemv, residualAndGradient } from '../kernels/linear.js';

export function predict(x: Mat, w: Float64Array): Float64Array {
  const out = new Float64Array(x.rows);
  gemv(x.data, x.rows, x.cols, w, out);
  return out;
}

/** Training loss (1/2n)‖Xw − y‖². */
export function squareLoss(x: Mat, y: Float64Array, w: Float64Array): number {
  const p = predict(x, w);
  let s = 0;
  for (let i = 0; i < x.rows; i++) s += (p[i] - y[i]) ** 2;
  return s / (2 * x.rows);
}

/** The gradient Xᵀ(Xw − y)/n. */
export function squareLossGradient(x: Mat, y: Float64Array, w: Float64Array): Float64Array {
  const r = new Float64Array(x.rows);
  const g = new Float64Array(x.cols);
  residualAndGradient(x.data, x.rows, x.cols, w, y, r, g);
  for (let j = 0; j < x.cols; j++) g[j] /= x.rows;
  return g;
}
