/**
 * Training two-layer diagonal linear networks β = w⁺⊙v⁺ − w⁻⊙v⁻ (Anguita et al. 2026, digest
 * `anguita-pretraining-inductive-bias.md` §1–§2 for the model, §2.3 and §8 for the training recipe) on the
 * paper's mean squared error
 *
 *     L(β) = (1/n) Σ_μ (x_μ·β − y_μ)²        (torch MSELoss, mean reduction: ∂L/∂β = g = (2/n) Xᵀ(Xβ − y)),
 *
 * whose parameter gradients are ∂L/∂w⁺ = g⊙v⁺, ∂L/∂v⁺ = g⊙w⁺, ∂L/∂w⁻ = −g⊙v⁻, ∂L/∂v⁻ = −g⊙w⁻.
 *
 * `trainDiagonalGD` — full-batch gradient descent, the authors' recipe by default (§8): constant lr 0.5, at
 * most 5·10⁶ steps, stop when the train MSE < 1e-4 ('residual'; checked after every step, where the authors
 * check only every 5000 steps and so may train up to 4999 steps longer), or at a fixed point ('stationary'):
 * every K = 5000 steps the relative change ‖β_t − β_{t−K}‖/‖β_{t−K}‖ < 1e-6 at 2 consecutive evaluations.
 *
 *   Plateau guard. From a small initialisation the network learns coordinate by coordinate: a coordinate that
 *   is still to be learned has tiny weights that grow like e^{|g_i| t}, so for a long time β — and the loss —
 *   barely move while the run is nowhere near its floor. The naive test above fires there. By §1.4 each
 *   coordinate obeys the mirror flow d/dt q'_{k_i}(β_i) = −g_i: the mirror coordinate θ_i = ½ asinh(2β_i/√k_i)
 *   moves at speed |g_i| on a plateau even though β_i does not. (For GD exactly: w⁺ ± v⁺ is multiplied by
 *   (1 ∓ lr g_i) and w⁻ ± v⁻ by (1 ± lr g_i) per step.) So, unless `plateauGuard: false`, an evaluation
 *   counts towards the fixed point only if also
 *     (a) the loss stopped decreasing: (L_{t−K} − L_t)/L_{t−K} < fixedPointTol, and
 *     (b) no coordinate that can move (some weight ≠ 0) moved its mirror coordinate by more than `mirrorTol`
 *         (default 1e-3) over the window: lr·|Σ_window g_i| < mirrorTol.
 *   Escaping a plateau takes a mirror displacement of order ½ log(|β*|/√k) ≥ 1, so a coordinate that passes (b)
 *   needs ≳ 10³ windows = 5·10⁶ steps (the whole default budget) to escape: the guard only lets the test fire
 *   where the run could not have left the plateau within its budget anyway. Coordinates whose four weights are
 *   exactly 0 are dead (their gradient is exactly 0 forever) and are ignored. A network none of whose
 *   coordinates can move stops at once as 'stuck', not converged (e.g. λ_PT = −c_PT with γ_FT = 0, digest §2.2).
 *   Where the fixed point is genuine (e.g. noisy labels with n > d) the loss and every mirror coordinate
 *   settle geometrically and the guarded test fires. In the algebraic tail of rich regimes (coordinates
 *   leaving the support decay like 1/t, the MSE like 1/t²) the loss still falls by ~2K·lr/t per window, so
 *   the guarded test does not fire there: such runs end by mseTol or by the step budget.
 *
 *   GD does not conserve the §1.2 invariants: one step multiplies c_i, λ⁺_i and λ⁻_i exactly by (1 − lr² g_i²),
 *   so the drift is O(lr²) per step (O(lr) over a fixed time horizon) and always shrinks the scales (GD is
 *   slightly richer than gradient flow). The result reports it (`invariantDrift`). No allocation happens in
 *   the step loop; one step is one fused pass r = Xβ − y, Xᵀr over X (≈ 2 gemv's of flops), run by the
 *   WebAssembly SIMD kernel (kernels/wasm.ts) when it is built, else by the TypeScript reference kernel.
 *   Stability needs roughly lr · (2/n) λ_max(XᵀX) · max_i S_i < 2 with S_i = Σ of the coordinate's squared
 *   weights (= √(k_i + 4β_i²)). lr 0.5 satisfies it at the authors' sizes except for large γ_FT at small n
 *   (γ_FT = 10, d = 5000, n = 50: ≈ 2.4). There GD does not diverge but self-stabilises by shrinking the
 *   invariants (a catapult: measured relative drift 0.9), so it no longer follows gradient flow — check
 *   `invariantDrift`. A run whose MSE grows 1e8-fold or turns non-finite stops as 'diverged'.
 *
 * `trainDiagonalFlow` — gradient flow dθ/dt = −∇_θ L on the 4d parameters by adaptive Dormand–Prince
 * (numeric/ode.ts; rtol 1e-10, atol 1e-12·rtol by default). Exponential escape from a saddle is smooth, so
 * the step grows across a plateau (the initial plateau of a fine-tune takes a few hundred steps); but where
 * fitted coordinates are fast and others still escape or die out slowly, the explicit step is limited by
 * stability to h ≲ 3.3/λ_max(∇²_θ L) and the step count grows with the time span (e.g. the 1/t tail of rich
 * regimes: tens of thousands of steps to mseTol = 1e-10·mean(y²) at d = 1000, n = 200). It conserves
 * c_i and λ^±_i exactly, so its invariant drift measures integration accuracy. Stops: train MSE < mseTol
 * ('residual'; default 1e-10 · mean(y²), a relative target well above the ~(100 rtol)² floor that integration
 * error allows) or 'stationary': the residual is orthogonal to what the live coordinates can move,
 * ‖(Xᵀr)_live‖ ≤ stationaryTol · ‖X‖₂ ‖r‖ (the LSQR test in β-space, restricted to coordinates with a non-zero
 * weight; default stationaryTol 1e-8 ≥ 100 rtol). A plateau cannot pass it: there g_i is not small, only the
 * weights are. A start with no live coordinate where g ≠ 0 stops at once as 'stuck' (not converged), as in GD. 'time-limit' when t reaches tEnd (1e12), 'max-iterations' when the step budget is spent,
 * 'diverged' on a non-finite state or an MSE 1e8× the initial one. iterations = accepted steps.
 *
 * `pretrainDiagonal` — real pretraining from the (c, λ) initialisation (§1.3) on n_PT samples; as n_PT grows
 * (noiseless) the trained state approaches the closed-form end-of-pretraining oracle `endOfPretraining` (§2.1).
 */
import type { Mat } from '../numeric/matrix.js';
import { dopri5 } from '../numeric/ode.js';
import { diagonalStep, residualAndGradient } from '../kernels/linear.js';
import { checkKernelChoice, type KernelChoice, workspaceFor } from '../kernels/wasm.js';
import { type DiagonalNet, cLambdaInit, cloneDiagonal, diagonalBeta, invariantDrift } from '../models/diagonal.js';

/**
 * How a run ended. 'stuck' (not converged): at the start no coordinate can move — every weight is exactly 0
 * wherever the gradient g_i ≠ 0 — while the train MSE is above mseTol: β = 0 is a saddle of the loss, not a
 * minimum, so stopping there is not convergence (e.g. λ_PT = −c_PT with γ_FT = 0, or init weights that round to 0).
 */
export type DiagonalStop = 'residual' | 'stationary' | 'max-iterations' | 'time-limit' | 'diverged' | 'stuck';

/** What a progress callback sees: GD at every fixed-point evaluation, gradient flow after every accepted step. */
export interface DiagonalProgress {
  /** GD steps or accepted flow steps so far. */
  iteration: number;
  trainMse: number;
  /** Gradient flow: the time reached. */
  time?: number;
  /** GD: ‖β_t − β_{t−K}‖/‖β_{t−K}‖ over the last window. */
  betaChange?: number;
  /** GD: (L_{t−K} − L_t)/L_{t−K} over the last window. */
  lossDecrease?: number;
  /** GD: the largest mirror-coordinate move lr·|Σ_window g_i| of a coordinate that can move. */
  mirrorMove?: number;
  /** Gradient flow: ‖(Xᵀr)_live‖ / (‖X‖₂‖r‖), the quantity the stationarity test compares with stationaryTol. */
  stationarity?: number;
}

export type DiagonalKernel = KernelChoice;

export interface DiagonalGdOptions {
  /** Constant step size > 0 (default 0.5, the authors'). */
  lr?: number;
  /** Stop when the train MSE (1/n)‖Xβ − y‖² < mseTol (default 1e-4, the authors'). */
  mseTol?: number;
  /** Step budget (default 5·10⁶). */
  maxIterations?: number;
  /** Fixed-point evaluation period K in steps (default 5000). */
  fixedPointEvery?: number;
  /** Relative β change (and, guarded, relative loss decrease) below which a window counts (default 1e-6). */
  fixedPointTol?: number;
  /** Consecutive passing evaluations needed (default 2). */
  fixedPointPatience?: number;
  /** Apply the plateau guard of the module comment (default true; false = the naive test). */
  plateauGuard?: boolean;
  /** Largest mirror-coordinate move per window still counted as a fixed point (default 1e-3). */
  mirrorTol?: number;
  /** Kernel for the pass over X (default 'auto': WebAssembly SIMD when built, else TypeScript). */
  kernel?: DiagonalKernel;
  onEvaluate?: (progress: DiagonalProgress) => void;
}

export interface DiagonalFlowOptions {
  /** Relative tolerance of the integrator, in [1e-14, 1e-3] (default 1e-10). */
  rtol?: number;
  /** Absolute tolerance > 0 (default 1e-12 · rtol: weights as small as 1e-12 stay relatively accurate). */
  atol?: number;
  /** Stop when the train MSE < mseTol (default 1e-10 · mean(y²)). */
  mseTol?: number;
  /** LSQR stationarity tolerance, ≥ 100 · rtol (default max(1e-8, 100 · rtol)). */
  stationaryTol?: number;
  /** Budget of integrator steps, accepted plus rejected (default 10⁶). */
  maxIterations?: number;
  /** Time horizon (default 1e12). */
  tEnd?: number;
  kernel?: DiagonalKernel;
  onEvaluate?: (progress: DiagonalProgress) => void;
}

export interface DiagonalTrainResult {
  net: DiagonalNet;
  beta: Float64Array;
  /** True when stopped by 'residual' or 'stationary'. */
  converged: boolean;
  stop: DiagonalStop;
  /** GD steps, or accepted gradient-flow steps. */
  iterations: number;
  /** (1/n)‖Xβ − y‖² at the returned β. */
  trainMse: number;
  /** Drift of c, λ⁺, λ⁻ between the start and the returned network (models/diagonal.ts `invariantDrift`). */
  invariantDrift: { relative: number; absolute: number };
  wallMs: number;
  /** iterations per second of wall time. */
  stepsPerSecond: number;
  /** Passes over X (gradient evaluations), including set-up passes. */
  evaluations: number;
  /** Which kernel ran the passes. */
  kernel: 'js' | 'wasm';
  /** Gradient flow: time reached and rejected steps. */
  time?: number;
  rejected?: number;
}

export type PretrainOptions = ({ method?: 'flow' } & DiagonalFlowOptions) | ({ method: 'gd' } & DiagonalGdOptions);

// ---------------------------------------------------------------------------------------------------------
// Validation

function checkPositive(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!(typeof x === 'number' && x > 0 && Number.isFinite(x))) throw new RangeError(`${name}: expected a finite number > 0 (got ${String(v)})`);
  return x;
}

function checkNonNegative(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!(typeof x === 'number' && x >= 0 && Number.isFinite(x))) throw new RangeError(`${name}: expected a finite number ≥ 0 (got ${String(v)})`);
  return x;
}

function checkInt(name: string, v: number | undefined, fallback: number, min: number): number {
  const x = v ?? fallback;
  if (!(typeof x === 'number' && Number.isSafeInteger(x) && x >= min)) throw new RangeError(`${name}: expected an integer ≥ ${min} (got ${String(v)})`);
  return x;
}


function checkFinite(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new RangeError(`${name}[${i}]: expected a finite number (got ${a[i]})`);
}

function checkProblem(net: DiagonalNet, x: Mat, y: ArrayLike<number>): void {
  const { rows: n, cols: d } = x;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1)) throw new RangeError(`x: expected an n×d matrix with n, d ≥ 1 (got ${n}×${d})`);
  if (x.data.length !== n * d) throw new RangeError(`x.data: expected length n·d = ${n * d} (got ${x.data.length})`);
  if (y.length !== n) throw new RangeError(`y: expected length n = ${n} (got ${y.length})`);
  if (net.d !== d) throw new RangeError(`net.d: expected the input dimension d = ${d} (got ${net.d})`);
  for (const key of ['wp', 'vp', 'wm', 'vm'] as const) {
    if (net[key].length !== d) throw new RangeError(`net.${key}: expected length d = ${d} (got ${net[key].length})`);
    checkFinite(`net.${key}`, net[key]);
  }
  checkFinite('x.data', x.data);
  checkFinite('y', y);
}

// ---------------------------------------------------------------------------------------------------------
// The pass over X: r = Xβ − y and G = Xᵀr (unscaled) into preallocated arrays, WebAssembly or TypeScript.

interface Pass {
  /** Write β here before `run`. */
  readonly beta: Float64Array;
  /** Xᵀr after `run` (without the 2/n factor). */
  readonly g: Float64Array;
  /** The four weight vectors and the fixed-point test's Σg, in the same memory as the kernels (GD's working copy). */
  readonly weights: { wp: Float64Array; vp: Float64Array; wm: Float64Array; vm: Float64Array; acc: Float64Array };
  readonly kernel: 'js' | 'wasm';
  /** One fused pass; returns ‖r‖². With `zeroLabels` it computes XᵀXβ instead (power iteration). */
  run(zeroLabels?: boolean): number;
  /** One GD step of `weights` from `g` (`diagonalStep`), writing β. */
  step(scale: number, lr: number): void;
  count: number;
}

function makePass(x: Mat, y: ArrayLike<number>, kernel: DiagonalKernel): Pass {
  const { rows: n, cols: d, data } = x;
  // A problem too large for one 32-bit linear memory (n·d ≳ 5·10⁸): 'auto' falls back to TypeScript.
  const ws = workspaceFor(kernel, n * d + 7 * d + 3 * n, `an ${n}×${d} problem`);
  if (ws) {
    const X = ws.alloc(n * d, data);
    const B = ws.alloc(d);
    const Y = ws.alloc(n, y);
    const Z = ws.alloc(n);
    const R = ws.alloc(n);
    const G = ws.alloc(d);
    const [WP, VP, WM, VM, ACC] = [0, 1, 2, 3, 4].map(() => ws.alloc(d));
    const pass: Pass = {
      beta: B.view,
      g: G.view,
      weights: { wp: WP.view, vp: VP.view, wm: WM.view, vm: VM.view, acc: ACC.view },
      kernel: 'wasm',
      count: 0,
      run: (zeroLabels = false) => {
        pass.count++;
        return ws.residualAndGradient(X, n, d, B, zeroLabels ? Z : Y, R, G);
      },
      step: (scale, lr) => ws.diagonalStep(WP, VP, WM, VM, B, ACC, G, d, scale, lr),
    };
    return pass;
  }
  const beta = new Float64Array(d);
  const g = new Float64Array(d);
  const r = new Float64Array(n);
  const yy = Float64Array.from(y);
  const zero = new Float64Array(n);
  const weights = { wp: new Float64Array(d), vp: new Float64Array(d), wm: new Float64Array(d), vm: new Float64Array(d), acc: new Float64Array(d) };
  const pass: Pass = {
    beta,
    g,
    weights,
    kernel: 'js',
    count: 0,
    run: (zeroLabels = false) => {
      pass.count++;
      return residualAndGradient(data, n, d, beta, zeroLabels ? zero : yy, r, g);
    },
    step: (scale, lr) => diagonalStep(weights.wp, weights.vp, weights.wm, weights.vm, beta, weights.acc, g, d, scale, lr),
  };
  return pass;
}

/** ‖X‖₂ by power iteration on XᵀX (fixed start; 30 passes, converging from below). Clobbers pass.beta/g. */
function operatorNorm(pass: Pass, d: number): number {
  const v = pass.beta;
  for (let j = 0; j < d; j++) v[j] = (1 + 0.01 * Math.sin(j + 1)) / Math.sqrt(d);
  let sigma2 = 0;
  for (let it = 0; it < 30; it++) {
    pass.run(true); // g = XᵀX v
    let s = 0;
    for (let j = 0; j < d; j++) s += pass.g[j] * pass.g[j];
    const norm = Math.sqrt(s);
    if (norm === 0) return 0;
    const next = norm; // ‖XᵀX v‖ with ‖v‖ = 1 → λ_max(XᵀX)
    for (let j = 0; j < d; j++) v[j] = pass.g[j] / norm;
    if (Math.abs(next - sigma2) <= 1e-6 * next) {
      sigma2 = next;
      break;
    }
    sigma2 = next;
  }
  return Math.sqrt(sigma2);
}

function meanSquare(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * y[i];
  return s / y.length;
}

// ---------------------------------------------------------------------------------------------------------
// Gradient descent

/** Full-batch GD on the mean squared error from a copy of `net0` (see module comment). */
export function trainDiagonalGD(net0: DiagonalNet, x: Mat, y: ArrayLike<number>, options: DiagonalGdOptions = {}): DiagonalTrainResult {
  const lr = checkPositive('lr', options.lr, 0.5);
  const mseTol = checkNonNegative('mseTol', options.mseTol, 1e-4);
  const maxIterations = checkInt('maxIterations', options.maxIterations, 5_000_000, 0);
  const K = checkInt('fixedPointEvery', options.fixedPointEvery, 5000, 1);
  const fixedPointTol = checkNonNegative('fixedPointTol', options.fixedPointTol, 1e-6);
  const patience = checkInt('fixedPointPatience', options.fixedPointPatience, 2, 1);
  const guard = options.plateauGuard ?? true;
  if (typeof guard !== 'boolean') throw new RangeError(`plateauGuard: expected true or false (got ${String(options.plateauGuard)})`);
  const mirrorTol = checkPositive('mirrorTol', options.mirrorTol, 1e-3);
  const kernel = checkKernelChoice(options.kernel);
  checkProblem(net0, x, y);

  const start = performance.now();
  const { rows: n, cols: d } = x;
  const pass = makePass(x, y, kernel);
  // The working copy of the weights lives with the kernels (wasm memory or plain arrays); copied out at the end.
  const { wp, vp, wm, vm, acc } = pass.weights; // acc: Σ_window g_i (mirror displacement / −lr)
  wp.set(net0.wp);
  vp.set(net0.vp);
  wm.set(net0.wm);
  vm.set(net0.vm);
  const beta = pass.beta;
  const G = pass.g;
  for (let i = 0; i < d; i++) beta[i] = wp[i] * vp[i] - wm[i] * vm[i];
  const betaPrev = beta.slice();
  const scale = 2 / n;

  let rss = pass.run();
  const mse0 = rss / n;
  let lossPrev = mse0;
  let passed = 0;

  const finish = (stop: DiagonalStop, iterations: number): DiagonalTrainResult => {
    const wallMs = performance.now() - start;
    const net: DiagonalNet = { d: net0.d, wp: wp.slice(), vp: vp.slice(), wm: wm.slice(), vm: vm.slice() };
    const outBeta = diagonalBeta(net);
    return {
      net,
      beta: outBeta,
      converged: stop === 'residual' || stop === 'stationary',
      stop,
      iterations,
      trainMse: rss / n,
      invariantDrift: invariantDrift(net0, net),
      wallMs,
      stepsPerSecond: wallMs > 0 ? (iterations * 1000) / wallMs : 0,
      evaluations: pass.count,
      kernel: pass.kernel,
    };
  };

  // A network none of whose coordinates can move (all weights 0 wherever g ≠ 0) is exactly stationary.
  let movable = false;
  for (let i = 0; i < d && !movable; i++) if (G[i] !== 0 && (wp[i] !== 0 || vp[i] !== 0 || wm[i] !== 0 || vm[i] !== 0)) movable = true;

  for (let it = 0; ; it++) {
    const mse = rss / n;
    if (!Number.isFinite(mse) || mse > 1e8 * Math.max(mse0, 1e-300)) return finish('diverged', it);
    if (mse < mseTol || mse === 0) return finish('residual', it);
    if (!movable) return finish('stuck', it);
    if (it > 0 && it % K === 0) {
      let num = 0;
      let den = 0;
      let mirrorMove = 0;
      for (let i = 0; i < d; i++) {
        const db = beta[i] - betaPrev[i];
        num += db * db;
        den += betaPrev[i] * betaPrev[i];
        if (wp[i] !== 0 || vp[i] !== 0 || wm[i] !== 0 || vm[i] !== 0) {
          const m = lr * Math.abs(acc[i]);
          if (m > mirrorMove) mirrorMove = m;
        }
        acc[i] = 0;
        betaPrev[i] = beta[i];
      }
      const betaChange = den > 0 ? Math.sqrt(num / den) : num > 0 ? Infinity : 0;
      const lossDecrease = lossPrev > 0 ? (lossPrev - mse) / lossPrev : 0;
      lossPrev = mse;
      const ok = betaChange < fixedPointTol && (!guard || (lossDecrease < fixedPointTol && mirrorMove < mirrorTol));
      passed = ok ? passed + 1 : 0;
      options.onEvaluate?.({ iteration: it, trainMse: mse, betaChange, lossDecrease, mirrorMove });
      if (passed >= patience) return finish('stationary', it);
    }
    if (it >= maxIterations) return finish('max-iterations', it);
    // One GD step on all four weight vectors (simultaneous update), then β.
    pass.step(scale, lr);
    rss = pass.run();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Gradient flow

/** Gradient flow on the mean squared error from `net0` by adaptive Dormand–Prince (see module comment). */
export function trainDiagonalFlow(net0: DiagonalNet, x: Mat, y: ArrayLike<number>, options: DiagonalFlowOptions = {}): DiagonalTrainResult {
  const rtol = options.rtol ?? 1e-10;
  if (!(typeof rtol === 'number' && rtol >= 1e-14 && rtol <= 1e-3)) throw new RangeError(`rtol: expected a number in [1e-14, 1e-3] (got ${String(options.rtol)})`);
  const atol = checkPositive('atol', options.atol, 1e-12 * rtol);
  const stationaryTol = options.stationaryTol ?? Math.max(1e-8, 100 * rtol);
  if (!(typeof stationaryTol === 'number' && stationaryTol >= 100 * rtol && stationaryTol < 1)) {
    throw new RangeError(`stationaryTol: expected a number in [100·rtol, 1) = [${100 * rtol}, 1) — gradient flow cannot resolve stationarity below ~100× its rtol (got ${String(options.stationaryTol)})`);
  }
  const maxIterations = checkInt('maxIterations', options.maxIterations, 1_000_000, 0);
  const tEnd = checkPositive('tEnd', options.tEnd, 1e12);
  const kernel = checkKernelChoice(options.kernel);
  checkProblem(net0, x, y);
  const mseTol = checkNonNegative('mseTol', options.mseTol, 1e-10 * meanSquare(y));

  const start = performance.now();
  const { rows: n, cols: d } = x;
  const net = cloneDiagonal(net0);
  const pass = makePass(x, y, kernel);
  const opNorm = operatorNorm(pass, d);
  const beta = pass.beta;
  const G = pass.g;
  const scale = 2 / n;
  const m = 4 * d;
  // Layout θ = [w⁺ | v⁺ | w⁻ | v⁻].
  const theta0 = new Float64Array(m);
  theta0.set(net.wp, 0);
  theta0.set(net.vp, d);
  theta0.set(net.wm, 2 * d);
  theta0.set(net.vm, 3 * d);
  const lastTheta = new Float64Array(m).fill(NaN);
  const scratch = new Float64Array(m);
  let lastRss = NaN;

  const rhs = (_t: number, th: Float64Array, dth: Float64Array): void => {
    for (let i = 0; i < d; i++) beta[i] = th[i] * th[d + i] - th[2 * d + i] * th[3 * d + i];
    lastRss = pass.run();
    for (let i = 0; i < d; i++) {
      const gi = scale * G[i];
      dth[i] = -gi * th[d + i];
      dth[d + i] = -gi * th[i];
      dth[2 * d + i] = gi * th[3 * d + i];
      dth[3 * d + i] = gi * th[2 * d + i];
    }
    lastTheta.set(th);
  };
  /** Make the cached pass (lastRss, G) refer to th. */
  const at = (th: Float64Array): void => {
    for (let i = 0; i < m; i++) {
      if (lastTheta[i] !== th[i]) {
        rhs(0, th, scratch);
        return;
      }
    }
  };

  at(theta0);
  const mse0 = lastRss / n;
  let movable = false;
  for (let i = 0; i < d && !movable; i++) if (G[i] !== 0 && (theta0[i] !== 0 || theta0[d + i] !== 0 || theta0[2 * d + i] !== 0 || theta0[3 * d + i] !== 0)) movable = true;
  let accepted = 0;
  let calls = 0;
  let stopReason = null as DiagonalStop | null; // set inside the stop callback
  const check = (t: number, th: Float64Array): boolean => {
    at(th);
    const mse = lastRss / n;
    let stationarity = 0;
    if (!Number.isFinite(mse) || mse > 1e8 * Math.max(mse0, 1e-300)) stopReason = 'diverged';
    else if (mse < mseTol || mse === 0) stopReason = 'residual';
    else if (!movable) stopReason = 'stuck';
    else {
      let live = 0;
      for (let i = 0; i < d; i++) {
        if (th[i] !== 0 || th[d + i] !== 0 || th[2 * d + i] !== 0 || th[3 * d + i] !== 0) live += G[i] * G[i];
      }
      const denom = opNorm * Math.sqrt(lastRss);
      stationarity = denom > 0 ? Math.sqrt(live) / denom : 0;
      if (stationarity <= stationaryTol) stopReason = 'stationary';
    }
    options.onEvaluate?.({ iteration: accepted, trainMse: mse, time: t, stationarity });
    return stopReason !== null;
  };

  const result = dopri5(rhs, theta0, 0, tEnd, {
    rtol,
    atol,
    maxSteps: maxIterations,
    // dopri5 calls `stop` once at t0 before any step, then after every accepted step.
    stop: (t, th) => {
      accepted = calls++;
      return check(t, th);
    },
  });
  accepted = result.accepted;
  const th = result.value;
  net.wp.set(th.subarray(0, d));
  net.vp.set(th.subarray(d, 2 * d));
  net.wm.set(th.subarray(2 * d, 3 * d));
  net.vm.set(th.subarray(3 * d, 4 * d));
  at(th);
  let stop: DiagonalStop;
  if (stopReason) stop = stopReason;
  else if (result.stoppedBy === 'not-finite') stop = 'diverged';
  else if (result.stoppedBy === 'end') stop = 'time-limit';
  else stop = 'max-iterations'; // 'max-steps', or 'step-underflow' (the step budget of a stiff stretch)
  const wallMs = performance.now() - start;
  return {
    net,
    beta: diagonalBeta(net),
    converged: stop === 'residual' || stop === 'stationary',
    stop,
    iterations: accepted,
    trainMse: lastRss / n,
    invariantDrift: invariantDrift(net0, net),
    wallMs,
    stepsPerSecond: wallMs > 0 ? (accepted * 1000) / wallMs : 0,
    evaluations: pass.count,
    kernel: pass.kernel,
    time: result.t,
    rejected: result.rejected,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Pretraining

/**
 * Real pretraining (digest §2.1): train from the (c, λ) initialisation of §1.3 on (x, y) by gradient flow
 * (default) or GD. The oracle `endOfPretraining(β_PT, c, λ)` is what this approaches for noiseless labels of
 * β_PT as n_PT grows past d (then the interpolator is β_PT itself and flow conserves c, λ^±).
 */
export function pretrainDiagonal(x: Mat, y: ArrayLike<number>, c: number, lambda: number, options: PretrainOptions = {}): DiagonalTrainResult {
  const net0 = cLambdaInit(x.cols, c, lambda);
  if (options.method === 'gd') {
    const { method: _m, ...gd } = options;
    return trainDiagonalGD(net0, x, y, gd);
  }
  if (options.method !== undefined && options.method !== 'flow') {
    throw new RangeError(`method: expected 'gd' or 'flow' (got ${String((options as { method: unknown }).method)})`);
  }
  const { method: _m, ...flow } = options;
  return trainDiagonalFlow(net0, x, y, flow);
}
