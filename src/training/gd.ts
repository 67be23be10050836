/**
 * Full-batch gradient descent on the least-squares loss l(w) = (1/2n)‖Xw − y‖², run to convergence
 * (Shachaf et al. digest §3.1). From w₀, every step moves inside w₀ + rowspan(X), so the limit is the
 * least-squares solution closest to w₀ — the fine-tuning implicit bias the theory predicts.
 *
 * Stopping: "residual" when ‖Xw − y‖ ≤ tol · ‖Xw₀ − y‖ (interpolation reached); "stationary" when the
 * residual is orthogonal to the column space to working accuracy, ‖Xᵀr‖ ≤ tol · ‖X‖₂ · ‖r‖ (the LSQR
 * test: a least-squares fixed point that does not interpolate, e.g. noisy labels with n > rank X — it
 * cannot fire first while interpolation is still reachable unless κ(X) > 1/tol); otherwise
 * "max-iterations" or "diverged", both reported as not converged.
 */
import type { Mat } from '../numeric/matrix.js';
import type { SolverResult } from '../numeric/solve.js';
import { axpyInPlace, gemv, gemvT, residualAndGradient } from '../kernels/linear.js';
import { gramRows, transpose, zeros } from '../numeric/matrix.js';
import { symEig } from '../numeric/linalg.js';
import { checkKernelChoice, type KernelChoice, type WasmWorkspace, workspaceFor } from '../kernels/wasm.js';

export type GdStop = 'residual' | 'stationary' | 'max-iterations' | 'diverged';

export interface GdOptions {
  /**
   * Step size. 'auto' (default) = 2/(λ_max + λ_min⁺), the fastest fixed step for a quadratic, from the
   * eigenvalues of the smaller Gram matrix (λ_min⁺ = smallest non-zero eigenvalue of XᵀX/n); when
   * min(n, d) > 1500 it falls back to 1/λ_max by power iteration. A number must be below 2/λ_max.
   */
  lr?: number | 'auto';
  /** Relative tolerance on the residual and on the gradient (default 1e-10). */
  tol?: number;
  maxIterations?: number;
  /**
   * 'primal' iterates w (2nd flops per step); 'dual' iterates the same GD in the row space, w = w₀ + Xᵀa,
   * r ← r − (lr/n) G r with G = XXᵀ (n² flops per step after an n²d/2 set-up) — an exact reduction, equal
   * to the primal iterates up to round-off. 'auto' (default) uses dual when n ≤ d.
   */
  formulation?: 'primal' | 'dual' | 'auto';
  /**
   * Which kernels run the step loop: 'wasm' (WebAssembly SIMD, kernels/wasm.ts), 'js' (the TypeScript
   * reference, kernels/linear.ts), or 'auto' (default: wasm when built and supported, else js). Both
   * compute the same quantities; they differ only in floating-point summation order.
   */
  kernel?: KernelChoice;
}

export interface GdResult extends SolverResult<Float64Array> {
  /** Which criterion stopped the run. */
  stop: GdStop;
  /** Final training mean squared error (1/n)‖Xw − y‖². */
  trainMse: number;
  /** The step size used. */
  lr: number;
}

/** The result record of a GD run that stopped with residual sum of squares `rss`. */
function gdResult(w: Float64Array, stop: GdStop, iterations: number, rss: number, n: number, lr: number): GdResult {
  return {
    value: w,
    converged: stop === 'residual' || stop === 'stationary',
    iterations,
    residual: Math.sqrt(rss / n),
    stop,
    trainMse: rss / n,
    lr,
  };
}

/**
 * Largest eigenvalue of XᵀX/n by the Lanczos iteration with full reorthogonalisation, from a fixed start (no RNG):
 * one X v and one Xᵀ u per step, stopped when the top Ritz value's residual bound |β_k s_k| falls below
 * `rtol` × the Ritz value (or the Krylov space is exhausted). Written by hand because the Gram matrix's full
 * eigen-decomposition (ml-matrix) costs O(min(n,d)³) — 0.15 s at 250 × 500, paid by every deep-linear run for its
 * step rule — where this needs a few dozen matrix–vector pairs. Power iteration would need hundreds at the
 * Marchenko–Pastur edge, where the top gap is small.
 */
export function largestCurvature(x: Mat, rtol = 1e-12, maxIterations = 300): number {
  const { rows: n, cols: d, data } = x;
  const m = Math.min(maxIterations, d, n + 1); // the Krylov space of a rank-r operator has dimension ≤ r + 1
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let v = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = (1 + 0.01 * Math.sin(j + 1)) / Math.sqrt(d);
  let nv = Math.hypot(...v);
  for (let j = 0; j < d; j++) v[j] /= nv;
  const xv = new Float64Array(n);
  let top = 0;
  for (let k = 0; k < m; k++) {
    basis.push(v);
    gemv(data, n, d, v, xv);
    const w = new Float64Array(d);
    gemvT(data, n, d, xv, w);
    for (let j = 0; j < d; j++) w[j] /= n;
    let a = 0;
    for (let j = 0; j < d; j++) a += w[j] * v[j];
    alpha.push(a);
    // Full reorthogonalisation (twice is enough) against every basis vector keeps the Ritz values honest.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let c = 0;
        for (let j = 0; j < d; j++) c += w[j] * q[j];
        for (let j = 0; j < d; j++) w[j] -= c * q[j];
      }
    }
    nv = 0;
    for (let j = 0; j < d; j++) nv += w[j] * w[j];
    nv = Math.sqrt(nv);
    // Ritz values of the tridiagonal T_k (every 5 steps: its eigen-decomposition is the costly part); the residual
    // of the top Ritz pair is β_k |s_k(last)|.
    if (k % 5 !== 4 && k + 1 < m && nv > 0) {
      beta.push(nv);
      v = w;
      for (let j = 0; j < d; j++) v[j] /= nv;
      continue;
    }
    const t = zeros(k + 1, k + 1);
    for (let i = 0; i <= k; i++) {
      t.data[i * (k + 1) + i] = alpha[i];
      if (i < k) t.data[i * (k + 1) + i + 1] = t.data[(i + 1) * (k + 1) + i] = beta[i];
    }
    const eig = symEig(t);
    top = Math.max(eig.values[0], 0);
    const last = eig.vectors.data[k * (k + 1)]; // last component of the top eigenvector (column 0)
    if (top === 0 && nv === 0) return 0;
    if (nv * Math.abs(last) <= rtol * top || nv <= rtol * top) return top;
    beta.push(nv);
    v = w;
    for (let j = 0; j < d; j++) v[j] /= nv;
  }
  return top;
}

/** The extreme eigenvalues (λ_max, smallest non-zero λ_min⁺) of XᵀX/n, from the smaller Gram matrix. */
export function curvatureRange(x: Mat, gram?: Mat): { max: number; minPositive: number } {
  const g = gram ?? (x.rows <= x.cols ? gramRows(x) : gramRows(transpose(x)));
  const { values } = symEig(g);
  const max = Math.max(values[0] ?? 0, 0);
  const cut = Math.max(x.rows, x.cols) * Number.EPSILON * max; // Gram round-off, as in minNormSolve
  let minPositive = max;
  for (const v of values) if (v > cut && v < minPositive) minPositive = v;
  return { max: max / x.rows, minPositive: minPositive / x.rows };
}

const GRAM_EIG_LIMIT = 1500;

/** Gradient descent on (1/2n)‖Xw − y‖² from w₀ until converged (see module comment). */
export function gradientDescentLeastSquares(x: Mat, y: Float64Array, w0: ArrayLike<number>, options: GdOptions = {}): GdResult {
  const { rows: n, cols: d, data } = x;
  if (y.length !== n) throw new RangeError(`gradientDescent: y has length ${y.length}, expected n = ${n}`);
  if (w0.length !== d) throw new RangeError(`gradientDescent: w0 has length ${w0.length}, expected d = ${d}`);
  const tol = options.tol ?? 1e-10;
  const maxIterations = options.maxIterations ?? 1_000_000;
  const useEig = Math.min(n, d) <= GRAM_EIG_LIMIT;
  const formulation = options.formulation ?? 'auto';
  if (formulation === 'dual' && n > d) throw new RangeError(`gradientDescent: the dual formulation needs n ≤ d (got n = ${n}, d = ${d})`);
  const dual = formulation === 'dual' || (formulation === 'auto' && n <= d && useEig);
  const gram = dual || (useEig && n <= d) ? gramRows(x) : undefined;
  const range = useEig ? curvatureRange(x, gram) : { max: largestCurvature(x), minPositive: 0 };
  const opNorm = Math.sqrt(range.max * n); // ‖X‖₂
  let lr: number;
  if (options.lr === undefined || options.lr === 'auto') {
    if (range.max <= 0) lr = 1;
    else lr = useEig ? 2 / (range.max + range.minPositive) : 1 / range.max;
  } else lr = options.lr;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`gradientDescent: lr must be a positive finite number, got ${lr}`);

  const kernel = checkKernelChoice(options.kernel);
  const ws = workspaceFor(kernel, dual ? n * n + 3 * n : n * d + 2 * d + 2 * n, dual ? `an ${n}×${n} Gram matrix` : `an ${n}×${d} problem`);

  // The primal state lives in the wasm workspace when it runs the loop; w is copied out at the end.
  const X = ws && !dual ? ws.alloc(n * d, data) : null;
  const W = ws && !dual ? ws.alloc(d, w0) : null;
  const Y = ws && !dual ? ws.alloc(n, y) : null;
  const R = ws && !dual ? ws.alloc(n) : null;
  const Gv = ws && !dual ? ws.alloc(d) : null;
  const w = W ? W.view : Float64Array.from(w0);
  const r = R ? R.view : new Float64Array(n);
  const g = Gv ? Gv.view : new Float64Array(d);
  const residualGradient = (): number =>
    ws && X && W && Y && R && Gv ? ws.residualAndGradient(X, n, d, W, Y, R, Gv) : residualAndGradient(data, n, d, w, y, r, g);
  /** ‖Xᵀr‖ (g holds Xᵀr, unscaled). */
  const xtr = () => {
    let s = 0;
    for (let j = 0; j < d; j++) s += g[j] * g[j];
    return Math.sqrt(s);
  };
  let rss = residualGradient();
  const r0 = Math.sqrt(rss);
  const result = (stop: GdStop, iterations: number): GdResult => gdResult(W ? Float64Array.from(w) : w, stop, iterations, rss, n, lr);
  if (r0 === 0) return result('residual', 0);
  if (xtr() <= tol * opNorm * r0) return result('stationary', 0);
  const step = lr / n;
  if (dual && gram) return dualLoop(x, y, w, r, gram, step, tol, opNorm, maxIterations, lr, ws);
  for (let it = 1; it <= maxIterations; it++) {
    axpyInPlace(w, step, g);
    rss = residualGradient();
    if (!Number.isFinite(rss) || Math.sqrt(rss) > 1e8 * r0) return result('diverged', it);
    if (Math.sqrt(rss) <= tol * r0) return result('residual', it);
    if (xtr() <= tol * opNorm * Math.sqrt(rss)) return result('stationary', it);
  }
  return result('max-iterations', maxIterations);
}

/**
 * The dual loop of GD from w₀ (see GdOptions.formulation): a ← a − step·r, r ← r − step·G r, with
 * ‖Xᵀr‖² = rᵀGr. On entry r = Xw₀ − y and w = w₀; on exit w = w₀ + Xᵀa and the residual is recomputed
 * from w, so the reported residual is the true one, not the recursion's.
 */
function dualLoop(
  x: Mat,
  y: Float64Array,
  w: Float64Array,
  r: Float64Array,
  gram: Mat,
  step: number,
  tol: number,
  opNorm: number,
  maxIterations: number,
  lr: number,
  ws: WasmWorkspace | null,
): GdResult {
  const { rows: n, cols: d, data } = x;
  const a = new Float64Array(n);
  // With a workspace, G, r and G r live in wasm memory and G r runs as the SIMD kernel.
  const GM = ws ? ws.alloc(n * n, gram.data) : null;
  const Rw = ws ? ws.alloc(n, r) : null;
  const GR = ws ? ws.alloc(n) : null;
  if (Rw) r = Rw.view;
  const gr = GR ? GR.view : new Float64Array(n);
  const multiply = () => (ws && GM && Rw && GR ? ws.gemv(GM, n, n, Rw, GR) : gemv(gram.data, n, n, r, gr));
  let lastExactCheck = 0;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += r[i] * r[i];
  const r0 = Math.sqrt(rss);
  const finish = (stop: GdStop, iterations: number): GdResult => {
    const xta = new Float64Array(d);
    gemvT(data, n, d, a, xta);
    for (let j = 0; j < d; j++) w[j] += xta[j];
    const g = new Float64Array(d);
    const trueRss = residualAndGradient(data, n, d, w, y, new Float64Array(n), g);
    return gdResult(w, stop, iterations, trueRss, n, lr);
  };
  multiply();
  for (let it = 1; it <= maxIterations; it++) {
    for (let i = 0; i < n; i++) {
      a[i] -= step * r[i];
      r[i] -= step * gr[i];
    }
    rss = 0;
    for (let i = 0; i < n; i++) rss += r[i] * r[i];
    if (!Number.isFinite(rss) || Math.sqrt(rss) > 1e8 * r0) return finish('diverged', it);
    if (Math.sqrt(rss) <= tol * r0) return finish('residual', it);
    // G r serves both the stationarity estimate ‖Xᵀr‖² ≈ rᵀGr and the next step: one n² product per step.
    // rᵀGr cannot resolve ‖Xᵀr‖ below ~√ε‖X‖‖r‖ (G's round-off in its null space), so once the estimate
    // is small the test is confirmed on the true residual of w₀ + Xᵀa, every 32 steps at most.
    let rgr = 0;
    multiply();
    for (let i = 0; i < n; i++) rgr += r[i] * gr[i];
    const estimate = Math.sqrt(Math.max(rgr, 0));
    if (estimate <= tol * opNorm * Math.sqrt(rss)) return finish('stationary', it);
    if (estimate <= 1e-6 * opNorm * Math.sqrt(rss) && it - lastExactCheck >= 32) {
      lastExactCheck = it;
      const xta = new Float64Array(d);
      gemvT(data, n, d, a, xta);
      const wt = Float64Array.from(w, (v, j) => v + xta[j]);
      const rt = new Float64Array(n);
      const g = new Float64Array(d);
      const trueRss = residualAndGradient(data, n, d, wt, y, rt, g);
      let xtr = 0;
      for (let j = 0; j < d; j++) xtr += g[j] * g[j];
      if (Math.sqrt(xtr) <= tol * opNorm * Math.sqrt(trueRss)) return finish('stationary', it);
    }
  }
  return finish('max-iterations', maxIterations);
}

