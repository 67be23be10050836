/**
 * Full-batch gradient descent on the least-squares loss l(w) = (1/2n)‖Xw − y‖², run to convergence
 * (Shachaf et al. digest §3.1). From w₀, every step moves inside w₀ + rowspan(X), so the limit is the
 * least-squares solution closest to w₀ — the fine-tuning implicit bias the theory predicts.
 *
 * Stopping: "residual" when ‖Xw − y‖ ≤ tol · ‖Xw₀ − y‖ (interpolation reached); "stationary" when
 * ‖∇l‖ ≤ tol · ‖∇l(w₀)‖ (a least-squares fixed point that does not interpolate, e.g. noisy labels with
 * n > rank X); otherwise "max-iterations" or "diverged", both reported as not converged.
 */
import type { Mat } from '../numeric/matrix.js';
import type { SolverResult } from '../numeric/solve.js';
import { axpyInPlace, gemv, gemvT, residualAndGradient } from '../kernels/linear.js';

export type GdStop = 'residual' | 'stationary' | 'max-iterations' | 'diverged';

export interface GdOptions {
  /** Step size, or 'auto' = 1/λ_max(XᵀX/n) (power iteration). Must be below 2/λ_max to converge. */
  lr?: number | 'auto';
  /** Relative tolerance on the residual and on the gradient (default 1e-10). */
  tol?: number;
  maxIterations?: number;
}

export interface GdResult extends SolverResult<Float64Array> {
  /** Which criterion stopped the run. */
  stop: GdStop;
  /** Final training mean squared error (1/n)‖Xw − y‖². */
  trainMse: number;
  /** The step size used. */
  lr: number;
}

/** Largest eigenvalue of XᵀX/n by power iteration (converges from below; relative change < 1e-9). */
export function largestCurvature(x: Mat, maxIterations = 1000): number {
  const { rows: n, cols: d, data } = x;
  const v = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = 1 / Math.sqrt(d) * (1 + 0.01 * Math.sin(j + 1)); // fixed start, no RNG needed
  const xv = new Float64Array(n);
  const w = new Float64Array(d);
  let lambda = 0;
  for (let it = 0; it < maxIterations; it++) {
    gemv(data, n, d, v, xv);
    gemvT(data, n, d, xv, w);
    let norm = 0;
    for (let j = 0; j < d; j++) norm += w[j] * w[j];
    norm = Math.sqrt(norm);
    if (norm === 0) return 0;
    const next = norm / n;
    for (let j = 0; j < d; j++) w[j] /= norm;
    v.set(w);
    if (Math.abs(next - lambda) <= 1e-9 * next) return next;
    lambda = next;
  }
  return lambda;
}

/** Gradient descent on (1/2n)‖Xw − y‖² from w₀ until converged (see module comment). */
export function gradientDescentLeastSquares(x: Mat, y: Float64Array, w0: ArrayLike<number>, options: GdOptions = {}): GdResult {
  const { rows: n, cols: d, data } = x;
  if (y.length !== n) throw new RangeError(`gradientDescent: y has length ${y.length}, expected n = ${n}`);
  if (w0.length !== d) throw new RangeError(`gradientDescent: w0 has length ${w0.length}, expected d = ${d}`);
  const tol = options.tol ?? 1e-10;
  const maxIterations = options.maxIterations ?? 1_000_000;
  let lr: number;
  if (options.lr === undefined || options.lr === 'auto') {
    const curvature = largestCurvature(x);
    lr = curvature > 0 ? 1 / curvature : 1;
  } else {
    lr = options.lr;
  }
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`gradientDescent: lr must be a positive finite number, got ${lr}`);

  const w = Float64Array.from(w0);
  const r = new Float64Array(n);
  const g = new Float64Array(d);
  const gradNorm = () => {
    let s = 0;
    for (let j = 0; j < d; j++) s += g[j] * g[j];
    return Math.sqrt(s) / n;
  };
  let rss = residualAndGradient(data, n, d, w, y, r, g);
  const r0 = Math.sqrt(rss);
  const g0 = gradNorm();
  const result = (stop: GdStop, iterations: number): GdResult => ({
    value: w,
    converged: stop === 'residual' || stop === 'stationary',
    iterations,
    residual: Math.sqrt(rss / n),
    stop,
    trainMse: rss / n,
    lr,
  });
  if (r0 === 0 || g0 === 0) return result(r0 === 0 ? 'residual' : 'stationary', 0);
  const step = lr / n;
  for (let it = 1; it <= maxIterations; it++) {
    axpyInPlace(w, step, g);
    rss = residualAndGradient(data, n, d, w, y, r, g);
    if (!Number.isFinite(rss) || Math.sqrt(rss) > 1e8 * r0) return result('diverged', it);
    if (Math.sqrt(rss) <= tol * r0) return result('residual', it);
    if (gradNorm() <= tol * g0) return result('stationary', it);
  }
  return result('max-iterations', maxIterations);
}
