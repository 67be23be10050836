/**
 * The implicit bias of gradient flow on two-layer diagonal linear networks (Anguita et al. 2026; digest
 * `anguita-pretraining-inductive-bias.md`), computed as the constrained minimiser it equals:
 *
 *     β* = argmin_{Xβ = y}  Σ_i [ (c_i/2)·h(β_i/c_i) − q'_{c_i}(β0_i)·β_i ],   h(u) = 1 − √(1+u²) + u·asinh(u),
 *
 * the Bregman projection of the start β0 onto {Xβ = y} under the potential Σ_i q_{c_i} (§1.5, with √k_i = 2c_i).
 * Theorem 4.1 (§3) is the case β0 = 0 with c_i = c_FT,i from the re-initialisation rule (★) of §2.2
 * (`fineTuneImplicitBias`); single-task learning from the (c, λ) initialisation is c_i = c for every i,
 * independent of λ (§1.5, `singleTaskImplicitBias`).
 *
 * Method (derived here, [D]). With b_i = q'_{c_i}(β0_i) = ½asinh(β0_i/c_i), stationarity of the Lagrangian gives
 * q'(β_i) = b_i + (Xᵀν)_i, i.e. β_i(ν) = c_i·sinh(2 s_i), s = b + Xᵀν. The convex conjugate of q_c is
 * q_c*(s) = (c/2)(cosh 2s − 1) = c·sinh²(s), so the dual is the smooth convex n-dimensional problem
 *
 *     min_ν F(ν) = Σ_i c_i sinh²(b_i + (Xᵀν)_i) − νᵀy,   ∇F = Xβ(ν) − y,   ∇²F = H = X diag(D) Xᵀ,
 *     D_i = 2c_i cosh(2 s_i) = 2√(c_i² + β_i²).
 *
 * Damped Newton on F: each step solves H Δν = y − Xβ, then backtracks (Armijo) along Δν with the step capped so
 * that no s_i moves by more than 5 (every trial costs O(d): XᵀΔν is formed once). The Newton system is solved
 *  - 'cholesky': H formed explicitly (O(n²d)) and factored; exact steps, used by 'auto' for n ≤ 100;
 *  - 'cg': preconditioned conjugate gradients, matrix-free. A = diag(√D)·Xᵀ (d×n) is rebuilt once per Newton
 *    step so that H p = Aᵀ(A p) is one fused pass (the WebAssembly SIMD kernel of src/kernels/wasm.ts when it is
 *    built, else its TypeScript twin). The preconditioner is Jacobi (diag H) and, once a step's CG has run
 *    longer than a fresh factor would cost, a Woodbury preconditioner that keeps the ≤ 1000 columns with the
 *    largest D exactly and replaces the rest by its diagonal — the rich regime, where D spans 13 decades.
 *    CG tolerances follow Eisenstat–Walker (choice 2), at most 0.1.
 * With d ≫ n, a CG iteration costs ~nd and a Hessian ~n²d/2, so CG wins unless a step needs > n/2 iterations;
 * measured at d = 5000, CG was 3–5× faster than Cholesky already at n = 250.
 *
 * Tiny scales (c ~ 1e-13, the ℓ1-like regime, where s ~ 15) need no special start: the capped steps climb up
 * to e^10 per step in β (≈ 10–25 steps at c_FT = 5e-13; ~300 at c = 1e-300, still within the default budget). A
 * continuation over the scales (solve with c·t, t ≫ 1, then shrink t geometrically, warm-starting ν by the
 * rescaling that preserves β) is available as an option; it was measured 2× slower. sinh/cosh are evaluated
 * without intermediate overflow, the preconditioner is scaled by a power of two so that CG iterates stay
 * representable when D ~ 1e-300, a trial point whose F overflows is rejected by the line search, and nothing
 * returns NaN: a failure ends the solve with converged = false and a message.
 *
 * Convergence: ‖Xβ − y‖ ≤ tol·‖y‖ and the Newton decrement relative to the size of D,
 * δ² = 4·ΔνᵀHΔν / Σ_i D_i ≤ decrementTol (δ is a D-weighted RMS of the relative change Δβ_i/√(c_i² + β_i²)).
 * The returned residual is ‖Xβ − y‖/‖y‖ and β = c ⊙ sinh(2(b + Xᵀν)) for the returned ν (up to the round-off
 * of Xᵀν, which is recomputed from ν at every step).
 */
import type { Mat } from '../../numeric/matrix.js';
import type { SolverResult } from '../../numeric/solve.js';
import { residualAndGradient } from '../../kernels/linear.js';
import { createWasmWorkspace, type WasmArray, type WasmWorkspace } from '../../kernels/wasm.js';
import { gemv, gemvT } from '../../kernels/linear.js';
import { checkedFineTuneScale, expectPositiveFinite, scaledCosh, scaledSinh } from './potential.js';

export type ImplicitBiasLinearSolver = 'auto' | 'cholesky' | 'cg';

export interface ImplicitBiasOptions {
  /** Start β0 of gradient flow (the Bregman centre); default 0. Length x.cols. */
  beta0?: ArrayLike<number>;
  /** Relative feasibility tolerance: stop when ‖Xβ − y‖ ≤ tol·‖y‖ (default 1e-10). In (0, 1). */
  tol?: number;
  /** Tolerance on the relative Newton decrement δ² (default 1e-12). In (0, 1). */
  decrementTol?: number;
  /** Newton iterations over all continuation stages (default 500). */
  maxIterations?: number;
  /** 'auto' (default): Cholesky when n ≤ directMaxRows, else CG. */
  linearSolver?: ImplicitBiasLinearSolver;
  /** Largest n for which 'auto' forms the n×n Hessian (default 100). */
  directMaxRows?: number;
  /** CG iterations per Newton step (default max(100, 2n)). */
  cgMaxIterations?: number;
  /** Use the WebAssembly kernel for Hessian products when it is available (default true). */
  wasm?: boolean;
  /** Continuation over the scales, from c·t (t ≫ 1) down to c (default false: damped Newton from ν = 0). */
  continuation?: boolean;
  /** Initial dual point (length x.rows; default 0). Not combined with continuation. */
  nuStart?: ArrayLike<number>;
}

export interface ImplicitBiasSolution extends SolverResult<Float64Array> {
  /** Dual variables at the stop: value = c ⊙ sinh(2(b + Xᵀν)), b = ½asinh(β0/c). */
  nu: Float64Array;
  /** Relative Newton decrement δ² at the stop (0 when ‖y − Xβ‖ was already below 0.01·tol·‖y‖, so no system was solved). */
  decrement: number;
  /** Continuation stages run (1 without continuation). */
  stages: number;
  /** CG iterations over all Newton steps (0 with Cholesky). */
  cgIterations: number;
  linearSolver: 'cholesky' | 'cg';
  /** Why it stopped. */
  message: string;
}

/** Largest s-move of any coordinate in one Newton step (cosh changes by at most e^10). */
const STEP_CAP = 5;
/** Upper bound on the CG forcing term. */
const ETA_MAX = 0.1;
/** Woodbury preconditioner: columns with D ≥ θ·max D, at most this many, only when max D/median D > spread. */
const WOODBURY_THETA = 1e-3;
const WOODBURY_MAX_COLUMNS = 1000;
const WOODBURY_SPREAD = 1e3;

// ---------------------------------------------------------------------------------------------------
// Kernels (row-major X, n×d): X·v and Xᵀ·r are the shared ones of src/kernels/linear.ts.

/** H = Y Yᵀ (n×n, full symmetric) for row-major Y (n×d): 4×4 register blocks, k in cache-sized panels. */
function syrkRows(y: Float64Array, n: number, d: number, h: Float64Array): void {
  h.fill(0);
  const KB = 256;
  for (let k0 = 0; k0 < d; k0 += KB) {
    const k1 = Math.min(d, k0 + KB);
    for (let i = 0; i < n; i += 4) {
      for (let j = 0; j <= i; j += 4) {
        if (i + 4 <= n && j + 4 <= n) {
          const a0 = i * d;
          const a1 = a0 + d;
          const a2 = a1 + d;
          const a3 = a2 + d;
          const b0 = j * d;
          const b1 = b0 + d;
          const b2 = b1 + d;
          const b3 = b2 + d;
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          for (let k = k0; k < k1; k++) {
            const x0 = y[a0 + k];
            const x1 = y[a1 + k];
            const x2 = y[a2 + k];
            const x3 = y[a3 + k];
            const y0 = y[b0 + k];
            const y1 = y[b1 + k];
            const y2 = y[b2 + k];
            const y3 = y[b3 + k];
            c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
            c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
            c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
            c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
          }
          let o = i * n + j;
          h[o] += c00; h[o + 1] += c01; h[o + 2] += c02; h[o + 3] += c03;
          o += n;
          h[o] += c10; h[o + 1] += c11; h[o + 2] += c12; h[o + 3] += c13;
          o += n;
          h[o] += c20; h[o + 1] += c21; h[o + 2] += c22; h[o + 3] += c23;
          o += n;
          h[o] += c30; h[o + 1] += c31; h[o + 2] += c32; h[o + 3] += c33;
        } else {
          for (let ii = i; ii < Math.min(i + 4, n); ii++) {
            for (let jj = j; jj < Math.min(j + 4, n); jj++) {
              let s = 0;
              const a = ii * d;
              const b = jj * d;
              for (let k = k0; k < k1; k++) s += y[a + k] * y[b + k];
              h[ii * n + jj] += s;
            }
          }
        }
      }
    }
  }
  // Mirror the lower triangle (blocks with j ≤ i cover it; entries above the diagonal inside diagonal blocks are
  // computed too and overwritten by the mirror, which is the same value up to summation order).
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) h[j * n + i] = h[i * n + j];
}

/** In-place Cholesky (lower, row-major) of an n×n SPD matrix; false when a pivot is not positive. */
function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = a[rj + j];
    for (let k = 0; k < j; k++) s -= a[rj + k] * a[rj + k];
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t * inv;
    }
  }
  return true;
}

/** Solve L Lᵀ x = b in place (b ← x) with the factor from `choleskyInPlace`. */
function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * b[k];
    b[i] = s / l[ri + i];
  }
  // Lᵀx = b by columns of Lᵀ = rows of L, so that every inner loop runs over contiguous memory.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i] / l[ri + i];
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] -= l[ri + k] * xi;
  }
}

/** The power of two nearest to v > 0 (1 for v = 0 or non-finite v). */
function powerOfTwoNear(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  return 2 ** Math.max(-1000, Math.min(1000, Math.round(Math.log2(v))));
}

/** ‖v‖₂ of the first n entries, rescaled when the plain sum of squares would overflow or underflow. */
function norm2(v: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i];
  if (Number.isFinite(s) && s > 1e-280) return Math.sqrt(s);
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(v[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  s = 0;
  for (let i = 0; i < n; i++) s += (v[i] / m) ** 2;
  return m * Math.sqrt(s);
}

function dotN(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** c·sinh²(s) = (c/2)(cosh 2s − 1) without intermediate overflow (+Infinity where the value overflows). */
function conjugate(c: number, s: number): number {
  const a = Math.abs(s);
  if (a < 300) {
    const sh = Math.sinh(a);
    return c * sh * sh;
  }
  return Math.exp(2 * a + Math.log(c) - 2 * Math.LN2);
}

/**
 * H = X diag(D) Xᵀ as an operator: A = diag(√D)·Xᵀ (d×n, row-major) is rebuilt at each Newton step, and
 * H p = Aᵀ(A p) is one fused pass over A (the WebAssembly SIMD kernel when available, else the TypeScript twin),
 * which also returns A p = √D ⊙ Xᵀp, hence Xᵀp.
 */
class HessianOperator {
  private readonly n: number;
  private readonly d: number;
  private readonly ws: WasmWorkspace | null;
  private readonly a: Float64Array;
  private readonly aW: WasmArray | null;
  private readonly pW: WasmArray | null;
  private readonly zeroW: WasmArray | null;
  private readonly apW: WasmArray | null;
  private readonly hpW: WasmArray | null;
  private readonly zero: Float64Array;
  private readonly ap: Float64Array;
  readonly sq: Float64Array;

  constructor(n: number, d: number, useWasm: boolean) {
    this.n = n;
    this.d = d;
    this.sq = new Float64Array(d);
    const floats = n * d + 2 * d + 2 * n + 64;
    this.ws = useWasm && floats * 8 < 3.5 * 2 ** 30 ? createWasmWorkspace(floats) : null;
    if (this.ws) {
      this.aW = this.ws.alloc(n * d);
      this.pW = this.ws.alloc(n);
      this.zeroW = this.ws.alloc(d);
      this.apW = this.ws.alloc(d);
      this.hpW = this.ws.alloc(n);
      this.a = this.aW.view;
      this.zero = this.zeroW.view;
      this.ap = this.apW.view;
    } else {
      this.aW = this.pW = this.zeroW = this.apW = this.hpW = null;
      this.a = new Float64Array(n * d);
      this.zero = new Float64Array(d);
      this.ap = new Float64Array(d);
    }
  }

  /** A = diag(√D)·Xᵀ, transposed in blocks of 64 rows of X. */
  build(x: Float64Array, dd: Float64Array, diag: Float64Array): void {
    const { n, d, a, sq } = this;
    for (let i = 0; i < d; i++) sq[i] = Math.sqrt(dd[i]);
    const B = 64;
    diag.fill(0, 0, n);
    for (let m0 = 0; m0 < n; m0 += B) {
      const m1 = Math.min(n, m0 + B);
      for (let i = 0; i < d; i++) {
        const si = sq[i];
        const off = i * n;
        for (let m = m0; m < m1; m++) {
          const v = x[m * d + i] * si;
          a[off + m] = v;
          diag[m] += v * v;
        }
      }
    }
  }

  /** Row i of A (a view). */
  row(i: number): Float64Array {
    return this.a.subarray(i * this.n, (i + 1) * this.n);
  }

  /** out = H p and u = Xᵀp. */
  apply(p: Float64Array, out: Float64Array, u: Float64Array): void {
    const { n, d, sq } = this;
    if (this.ws && this.aW && this.pW && this.zeroW && this.apW && this.hpW) {
      this.pW.view.set(p);
      this.ws.residualAndGradient(this.aW, d, n, this.pW, this.zeroW, this.apW, this.hpW);
      out.set(this.hpW.view);
    } else {
      residualAndGradient(this.a, d, n, p, this.zero, this.ap, out);
    }
    const ap = this.ap;
    for (let i = 0; i < d; i++) u[i] = ap[i] / sq[i];
  }
}

/**
 * Preconditioner for H = X diag(D) Xᵀ when D is spread over many decades (the rich regime): the k columns with
 * the largest D are kept exactly and the rest replaced by its diagonal M = diag(Σ_{i∉B} D_i X_μi²):
 * P = A_Bᵀ A_B + M, inverted by the Woodbury identity with the k×k factor of I + W Wᵀ, W = A_B M^{-1/2}.
 * Setup O(k²n), application O(kn). With k = 0 it is the Jacobi preconditioner diag(H).
 */
class Preconditioner {
  private readonly n: number;
  private k = 0;
  private order: number[] = [];
  private planned = 0;
  private readonly invSqrtM: Float64Array;
  /**
   * ≈ √(max diag H), a power of two: P is applied as scale²·P⁻¹, which PCG does not notice (exactly, in floating
   * point) but which keeps its iterates O(‖g‖) when D is at the ends of the float64 range (c ~ 1e-300).
   */
  private scale = 1;
  private w: Float64Array = new Float64Array(0);
  private s: Float64Array = new Float64Array(0);
  private readonly t: Float64Array;
  private readonly wtv: Float64Array;
  private v: Float64Array = new Float64Array(0);

  constructor(n: number) {
    this.n = n;
    this.invSqrtM = new Float64Array(n);
    this.t = new Float64Array(n);
    this.wtv = new Float64Array(n);
  }

  /** Columns kept exactly (0: Jacobi). */
  get size(): number {
    return this.k;
  }

  /**
   * Plan B for the current D: the largest D down to 1e-3·max D, at most min(1000, n) columns, and only when D
   * is spread (max/median > 1e3). Returns the planned k (0: Woodbury not worth it).
   */
  plan(dd: Float64Array): number {
    const d = dd.length;
    this.order = Array.from({ length: d }, (_, i) => i).sort((a, b) => dd[b] - dd[a]);
    const dMax = dd[this.order[0]];
    const dMed = dd[this.order[d >> 1]];
    let k = 0;
    if (dMax > WOODBURY_SPREAD * dMed) {
      const kMax = Math.min(WOODBURY_MAX_COLUMNS, this.n);
      while (k < kMax && dd[this.order[k]] >= WOODBURY_THETA * dMax) k++;
    }
    this.planned = k;
    return k;
  }

  /** Jacobi: P = diag(H). */
  setupJacobi(diagH: Float64Array): void {
    this.k = 0;
    let mMax = 0;
    for (let mu = 0; mu < this.n; mu++) mMax = Math.max(mMax, diagH[mu]);
    this.scale = powerOfTwoNear(Math.sqrt(mMax));
    for (let mu = 0; mu < this.n; mu++) this.invSqrtM[mu] = 1 / Math.sqrt(Math.max(diagH[mu], Number.MIN_VALUE, mMax * 1e-18));
  }

  /** Woodbury on the planned B with the current A = diag(√D)Xᵀ; `diagH` is diag(H). */
  setupWoodbury(op: HessianOperator, diagH: Float64Array): void {
    const n = this.n;
    const k = this.planned;
    const order = this.order;
    const m = new Float64Array(n);
    m.set(diagH);
    for (let a = 0; a < k; a++) {
      const r = op.row(order[a]);
      for (let mu = 0; mu < n; mu++) m[mu] -= r[mu] * r[mu];
    }
    let mMax = 0;
    for (let mu = 0; mu < n; mu++) mMax = Math.max(mMax, diagH[mu]);
    this.scale = powerOfTwoNear(Math.sqrt(mMax));
    for (let mu = 0; mu < n; mu++) this.invSqrtM[mu] = 1 / Math.sqrt(Math.max(m[mu], Number.MIN_VALUE, mMax * 1e-18));
    this.k = k;
    if (k === 0) return;
    if (this.w.length < k * n) this.w = new Float64Array(k * n);
    const w = this.w;
    for (let a = 0; a < k; a++) {
      const r = op.row(order[a]);
      const off = a * n;
      for (let mu = 0; mu < n; mu++) w[off + mu] = r[mu] * this.invSqrtM[mu];
    }
    if (this.s.length < k * k) this.s = new Float64Array(k * k);
    const s = this.s.subarray(0, k * k);
    syrkRows(w, k, n, s);
    for (let a = 0; a < k; a++) s[a * k + a] += 1;
    if (!choleskyInPlace(s, k)) this.setupJacobi(diagH); // I + WWᵀ is SPD; only overflow could get here
    if (this.v.length < k) this.v = new Float64Array(k);
  }

  /** out = P⁻¹ r. */
  apply(r: Float64Array, out: Float64Array): void {
    const { n, k, invSqrtM, t, scale } = this;
    for (let mu = 0; mu < n; mu++) t[mu] = r[mu] * scale * invSqrtM[mu];
    if (k > 0) {
      const v = this.v.subarray(0, k);
      gemv(this.w, k, n, t, v);
      choleskySolveInPlace(this.s.subarray(0, k * k), k, v);
      // t ← t − Wᵀv.
      const wtv = this.wtv;
      gemvT(this.w, k, n, v, wtv);
      for (let mu = 0; mu < n; mu++) t[mu] -= wtv[mu];
    }
    for (let mu = 0; mu < n; mu++) out[mu] = t[mu] * invSqrtM[mu] * scale;
  }
}

// ---------------------------------------------------------------------------------------------------
// The solver

interface Problem {
  x: Float64Array;
  n: number;
  d: number;
  y: Float64Array;
  yNorm: number;
  c: Float64Array;
  beta0: Float64Array | null;
}

interface State {
  nu: Float64Array;
  /** z = Xᵀν. */
  z: Float64Array;
  /** Scales and centres of the current continuation stage. */
  ct: Float64Array;
  b: Float64Array;
  s: Float64Array;
  beta: Float64Array;
  dd: Float64Array;
  /** F(ν). */
  f: number;
}

function expectInteger(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name}: expected an integer ≥ ${min} (got ${String(v)})`);
}

function validate(x: Mat, y: ArrayLike<number>, c: ArrayLike<number> | number, options: ImplicitBiasOptions): Problem {
  if (!x || typeof x !== 'object' || !(x.data instanceof Float64Array)) throw new RangeError('x: expected a Mat { rows, cols, data: Float64Array }');
  const n = x.rows;
  const d = x.cols;
  expectInteger('x.rows', n, 1);
  expectInteger('x.cols', d, 1);
  if (x.data.length !== n * d) throw new RangeError(`x.data: expected length rows·cols = ${n * d} (got ${x.data.length})`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x.data[i])) throw new RangeError(`x.data[${i}]: expected a finite number (got ${x.data[i]})`);
  }
  if (!y || y.length !== n) throw new RangeError(`y: expected length x.rows = ${n} (got ${y ? y.length : String(y)})`);
  const yy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new RangeError(`y[${i}]: expected a finite number (got ${y[i]})`);
    yy[i] = y[i];
  }
  const cc = new Float64Array(d);
  if (typeof c === 'number') {
    expectPositiveFinite('c', c);
    cc.fill(c);
  } else {
    if (!c || c.length !== d) throw new RangeError(`c: expected a number or an array of length x.cols = ${d} (got length ${c ? c.length : String(c)})`);
    for (let i = 0; i < d; i++) {
      const v = c[i];
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`c[${i}]: expected a finite number > 0 (got ${v})`);
      cc[i] = v;
    }
  }
  let beta0: Float64Array | null = null;
  if (options.beta0 !== undefined) {
    if (options.beta0.length !== d) throw new RangeError(`beta0: expected length x.cols = ${d} (got ${options.beta0.length})`);
    beta0 = new Float64Array(d);
    let any = false;
    for (let i = 0; i < d; i++) {
      const v = options.beta0[i];
      if (!Number.isFinite(v)) throw new RangeError(`beta0[${i}]: expected a finite number (got ${v})`);
      beta0[i] = v;
      if (v !== 0) any = true;
    }
    if (!any) beta0 = null;
  }
  const tol = options.tol ?? 1e-10;
  if (!(tol > 0 && tol < 1)) throw new RangeError(`tol: expected a number in (0, 1) (got ${tol})`);
  const dec = options.decrementTol ?? 1e-12;
  if (!(dec > 0 && dec < 1)) throw new RangeError(`decrementTol: expected a number in (0, 1) (got ${dec})`);
  if (options.maxIterations !== undefined) expectInteger('maxIterations', options.maxIterations, 1);
  if (options.directMaxRows !== undefined) expectInteger('directMaxRows', options.directMaxRows, 0);
  if (options.cgMaxIterations !== undefined) expectInteger('cgMaxIterations', options.cgMaxIterations, 1);
  const ls = options.linearSolver ?? 'auto';
  if (ls !== 'auto' && ls !== 'cholesky' && ls !== 'cg') throw new RangeError(`linearSolver: expected 'auto', 'cholesky' or 'cg' (got ${String(ls)})`);
  if (options.nuStart !== undefined) {
    if (options.nuStart.length !== n) throw new RangeError(`nuStart: expected length x.rows = ${n} (got ${options.nuStart.length})`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(options.nuStart[i])) throw new RangeError(`nuStart[${i}]: expected a finite number (got ${options.nuStart[i]})`);
    }
  }
  return { x: x.data, n, d, y: yy, yNorm: norm2(yy, n), c: cc, beta0 };
}

type Outcome = 'converged' | 'converged-roundoff' | 'budget' | 'failed';

class Solver {
  private readonly p: Problem;
  private readonly useCholesky: boolean;
  private readonly tol: number;
  private readonly maxIt: number;
  private readonly cgMax: number;
  newtonSteps = 0;
  cgIterations = 0;
  decrement = Infinity;
  private prevG = 0;
  private prevEta = ETA_MAX;
  private readonly xb: Float64Array;
  private readonly g: Float64Array;
  private readonly dnu: Float64Array;
  private readonly dz: Float64Array;
  private readonly diag: Float64Array;
  private readonly r: Float64Array;
  private readonly pc: Float64Array;
  private readonly w: Float64Array;
  private readonly u: Float64Array;
  private readonly zc: Float64Array;
  private readonly hess: Float64Array | null;
  private readonly yScaled: Float64Array | null;
  private readonly op: HessianOperator | null;
  private readonly pre: Preconditioner | null;

  constructor(p: Problem, options: ImplicitBiasOptions) {
    this.p = p;
    const ls = options.linearSolver ?? 'auto';
    this.useCholesky = ls === 'cholesky' || (ls === 'auto' && p.n <= (options.directMaxRows ?? 100));
    this.tol = options.tol ?? 1e-10;
    this.maxIt = options.maxIterations ?? 500;
    this.cgMax = options.cgMaxIterations ?? Math.max(100, 2 * p.n);
    const { n, d } = p;
    this.xb = new Float64Array(n);
    this.g = new Float64Array(n);
    this.dnu = new Float64Array(n);
    this.dz = new Float64Array(d);
    this.diag = new Float64Array(n);
    this.r = new Float64Array(n);
    this.pc = new Float64Array(n);
    this.w = new Float64Array(n);
    this.u = new Float64Array(d);
    this.zc = new Float64Array(n);
    this.hess = this.useCholesky ? new Float64Array(n * n) : null;
    this.yScaled = this.useCholesky ? new Float64Array(n * d) : null;
    this.op = this.useCholesky ? null : new HessianOperator(n, d, options.wasm ?? true);
    this.pre = this.useCholesky ? null : new Preconditioner(n);
  }

  get linearSolver(): 'cholesky' | 'cg' {
    return this.useCholesky ? 'cholesky' : 'cg';
  }

  /** A state at scale multiplier t with dual point ν (z = Xᵀν computed here); null when not representable. */
  newState(t: number, nu: Float64Array): State | null {
    const { c, beta0, d } = this.p;
    const st: State = {
      nu,
      z: new Float64Array(d),
      ct: new Float64Array(d),
      b: new Float64Array(d),
      s: new Float64Array(d),
      beta: new Float64Array(d),
      dd: new Float64Array(d),
      f: 0,
    };
    gemvT(this.p.x, this.p.n, d, nu, st.z);
    for (let i = 0; i < d; i++) {
      st.ct[i] = c[i] * t;
      st.b[i] = beta0 ? 0.5 * Math.asinh(beta0[i] / st.ct[i]) : 0;
    }
    return this.refresh(st) ? st : null;
  }

  /** s, β, D and F from ν and z; false when something is not representable. */
  private refresh(st: State): boolean {
    const { d, n, y } = this.p;
    let f = 0;
    for (let i = 0; i < d; i++) {
      const s = st.b[i] + st.z[i];
      st.s[i] = s;
      const bi = scaledSinh(st.ct[i], 2 * s);
      const di = 2 * scaledCosh(st.ct[i], 2 * s);
      if (!Number.isFinite(bi) || !Number.isFinite(di)) return false;
      st.beta[i] = bi;
      st.dd[i] = di;
      f += conjugate(st.ct[i], s);
    }
    f -= dotN(st.nu, y, n);
    st.f = f;
    return Number.isFinite(f);
  }

  /** F at ν + τ·dnu (s + τ·dz); +Infinity when it overflows. */
  private trialObjective(st: State, tau: number): number {
    const { d, n, y } = this.p;
    let f = 0;
    for (let i = 0; i < d; i++) f += conjugate(st.ct[i], st.s[i] + tau * this.dz[i]);
    if (!Number.isFinite(f)) return Infinity;
    let nuy = 0;
    for (let i = 0; i < n; i++) nuy += (st.nu[i] + tau * this.dnu[i]) * y[i];
    return f - nuy;
  }

  /** g = y − Xβ; returns ‖g‖. */
  private gradient(st: State): number {
    const { x, n, d, y } = this.p;
    gemv(x, n, d, st.beta, this.xb);
    for (let i = 0; i < n; i++) this.g[i] = y[i] - this.xb[i];
    return norm2(this.g, n);
  }

  /** Solve H dnu = g (to ‖g − H dnu‖ ≤ target with CG) and set dz = Xᵀ dnu; false on failure. */
  private newtonSystem(st: State, gNorm: number, target: number): boolean {
    const { x, n, d } = this.p;
    if (this.useCholesky) {
      const ys = this.yScaled as Float64Array;
      const h = this.hess as Float64Array;
      for (let i = 0; i < n; i++) {
        const off = i * d;
        for (let j = 0; j < d; j++) ys[off + j] = x[off + j] * Math.sqrt(st.dd[j]);
      }
      syrkRows(ys, n, d, h);
      let maxDiag = 0;
      for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, h[i * n + i]);
      let ok = choleskyInPlace(h, n);
      for (let attempt = 1; attempt < 6 && !ok; attempt++) {
        // Singular H (rank-deficient X) or round-off: refactor with a growing ridge.
        syrkRows(ys, n, d, h);
        const jitter = maxDiag * n * Number.EPSILON * 10 ** (2 * attempt - 2);
        for (let i = 0; i < n; i++) h[i * n + i] += jitter;
        ok = choleskyInPlace(h, n);
      }
      if (!ok) return false;
      this.dnu.set(this.g);
      choleskySolveInPlace(h, n, this.dnu);
      gemvT(x, n, d, this.dnu, this.dz);
      for (let i = 0; i < n; i++) if (!Number.isFinite(this.dnu[i])) return false;
      return true;
    }
    const op = this.op as HessianOperator;
    const pre = this.pre as Preconditioner;
    op.build(x, st.dd, this.diag);
    // Preconditioner policy: Jacobi, or the Woodbury factor kept from an earlier step, for up to `switchAt`
    // iterations (what a fresh Woodbury factor costs, in CG iterations); then a fresh Woodbury factor.
    const k = pre.plan(st.dd);
    if (k === 0 || pre.size === 0) pre.setupJacobi(this.diag);
    const switchAt = k > 0 ? Math.max(20, Math.ceil((0.5 * k * k * n + (k * k * k) / 6) / (n * d))) : Infinity;
    let refreshed = false;
    const { dnu, dz, r, pc, w, u, zc } = this;
    // CG runs on g/gs, gs a power of two ≈ ‖g‖ (exact in floating point), so that its iterates stay O(1) when
    // ‖g‖ or D sit near the ends of the float64 range; the solution is scaled back at the end.
    const gs = powerOfTwoNear(gNorm);
    dnu.fill(0);
    dz.fill(0);
    for (let i = 0; i < n; i++) r[i] = this.g[i] / gs;
    pre.apply(r, zc);
    pc.set(zc);
    let rz = dotN(r, zc, n);
    let rNorm = gNorm / gs;
    const goal = target / gs;
    let its = 0;
    while (its < this.cgMax && rNorm > goal && rz > 0) {
      if (!refreshed && its >= switchAt) {
        refreshed = true;
        pre.setupWoodbury(op, this.diag);
        pre.apply(r, zc);
        pc.set(zc);
        rz = dotN(r, zc, n);
        if (!(rz > 0)) break;
      }
      op.apply(pc, w, u);
      this.cgIterations++;
      its++;
      const pw = dotN(pc, w, n);
      if (!(pw > 0) || !Number.isFinite(pw)) break;
      const alpha = rz / pw;
      let rr = 0;
      for (let i = 0; i < n; i++) {
        dnu[i] += alpha * pc[i];
        r[i] -= alpha * w[i];
        rr += r[i] * r[i];
      }
      for (let j = 0; j < d; j++) dz[j] += alpha * u[j];
      rNorm = Math.sqrt(rr);
      pre.apply(r, zc);
      const rzNew = dotN(r, zc, n);
      const betaCg = rzNew / rz;
      rz = rzNew;
      for (let i = 0; i < n; i++) pc[i] = zc[i] + betaCg * pc[i];
    }
    for (let i = 0; i < n; i++) dnu[i] *= gs;
    for (let j = 0; j < d; j++) dz[j] *= gs;
    for (let i = 0; i < n; i++) if (!Number.isFinite(dnu[i])) return false;
    return true;
  }

  /** Damped Newton at the current scales until ‖g‖ ≤ tol·‖y‖ and δ² ≤ decTol, or maxSteps / the budget. */
  newton(st: State, tol: number, decTol: number, maxSteps: number): Outcome {
    const { n, d, yNorm, y } = this.p;
    for (let step = 0; step < maxSteps; step++) {
      if (this.newtonSteps >= this.maxIt) return 'budget';
      const gNorm = this.gradient(st);
      if (!Number.isFinite(gNorm)) return 'failed';
      const rel = gNorm / yNorm;
      // Eisenstat–Walker forcing term (choice 2), safeguarded.
      let eta = ETA_MAX;
      if (this.prevG > 0) {
        eta = 0.9 * (gNorm / this.prevG) ** 2;
        const safe = 0.9 * this.prevEta * this.prevEta;
        if (safe > 0.1) eta = Math.max(eta, safe);
        eta = Math.min(eta, ETA_MAX);
      }
      this.prevG = gNorm;
      this.prevEta = eta;
      const target = Math.max(eta * gNorm, 0.01 * this.tol * yNorm);
      this.newtonSteps++;
      if (!this.newtonSystem(st, gNorm, target)) return rel <= tol ? 'converged-roundoff' : 'failed';
      const lambda2 = Math.max(dotN(this.g, this.dnu, n), 0);
      let sumD = 0;
      for (let i = 0; i < d; i++) sumD += st.dd[i];
      this.decrement = (4 * lambda2) / sumD;
      if (rel <= tol && this.decrement <= decTol) return 'converged';
      if (!(lambda2 > 0)) return rel <= tol ? 'converged-roundoff' : 'failed';
      let maxDz = 0;
      for (let i = 0; i < d; i++) maxDz = Math.max(maxDz, Math.abs(this.dz[i]));
      let tau = maxDz > STEP_CAP ? STEP_CAP / maxDz : 1;
      // Armijo backtracking on F, with a round-off allowance relative to the size of the terms of F.
      const slack = 1e-13 * (sumD / 4 + Math.abs(dotN(st.nu, y, n)));
      let accepted = false;
      for (let k = 0; k < 60; k++) {
        if (this.trialObjective(st, tau) <= st.f - 1e-4 * tau * lambda2 + slack) {
          accepted = true;
          break;
        }
        tau /= 2;
      }
      if (!accepted) return rel <= tol ? 'converged-roundoff' : 'failed';
      for (let i = 0; i < n; i++) st.nu[i] += tau * this.dnu[i];
      // z = Xᵀν recomputed exactly, so that β stays the KKT image of ν (no drift through dz).
      gemvT(this.p.x, n, d, st.nu, st.z);
      if (!this.refresh(st)) return 'failed';
    }
    return 'budget';
  }
}

function relativeResidual(p: Problem, beta: Float64Array): number {
  const r = new Float64Array(p.n);
  gemv(p.x, p.n, p.d, beta, r);
  for (let i = 0; i < p.n; i++) r[i] -= p.y[i];
  return norm2(r, p.n) / (p.yNorm > 0 ? p.yNorm : 1);
}

/**
 * β* = argmin_{Xβ = y} Σ_i [(c_i/2)h(β_i/c_i) − ½asinh(β0_i/c_i)·β_i] (digest §1.5; §3 with β0 = 0): the limit of
 * gradient flow on a diagonal network with per-coordinate scale c_i (√k_i = 2c_i) started at β0. `c` is a
 * scalar (all coordinates) or one scale per column of X. residual = ‖Xβ − y‖/‖y‖ (absolute when y = 0);
 * converged = false (see `message`) when the tolerances were not met. X must have full row rank or y must lie in
 * its range (else no interpolator exists and the solve reports failure).
 */
export function solveImplicitBias(x: Mat, y: ArrayLike<number>, c: ArrayLike<number> | number, options: ImplicitBiasOptions = {}): ImplicitBiasSolution {
  const p = validate(x, y, c, options);
  const { n, d } = p;
  const solver = new Solver(p, options);
  const tol = options.tol ?? 1e-10;
  const decTol = options.decrementTol ?? 1e-12;
  if (p.yNorm === 0 && !p.beta0) {
    return {
      value: new Float64Array(d),
      nu: new Float64Array(n),
      converged: true,
      iterations: 0,
      residual: 0,
      decrement: 0,
      stages: 0,
      cgIterations: 0,
      linearSolver: solver.linearSolver,
      message: 'y = 0 and β0 = 0: β = 0',
    };
  }
  const finish = (st: State | null, stages: number, outcome: Outcome | 'overflow'): ImplicitBiasSolution => {
    const value = st ? st.beta.slice() : new Float64Array(d);
    const residual = relativeResidual(p, value);
    const ok = (outcome === 'converged' || outcome === 'converged-roundoff') && residual <= tol;
    const messages: Record<Outcome | 'overflow', string> = {
      converged: 'converged',
      'converged-roundoff': `converged: residual met; the Newton decrement (${solver.decrement.toExponential(2)}) could not be reduced further at round-off level`,
      budget: `iteration budget exhausted (${solver.newtonSteps} Newton steps)`,
      failed: 'no descent step found (X rank-deficient with y outside its range, or round-off)',
      overflow: 'sinh/cosh overflow at the starting or warm-start dual point',
    };
    return {
      value,
      nu: st ? st.nu.slice() : new Float64Array(n),
      converged: ok,
      iterations: solver.newtonSteps,
      residual,
      decrement: solver.decrement,
      stages,
      cgIterations: solver.cgIterations,
      linearSolver: solver.linearSolver,
      message: ok || outcome !== 'converged' ? messages[outcome] : `stopped with residual ${residual.toExponential(2)} > tol`,
    };
  };

  const useContinuation = (options.continuation ?? false) && options.nuStart === undefined;
  // Continuation start: scales ×t0 so that min_i t0·c_i ≥ 10× the estimated size of β (‖y‖/‖X‖_F estimates
  // the RMS entry of an interpolator; max|β0| covers the centre).
  let t = 1;
  if (useContinuation) {
    let fro = 0;
    for (let i = 0; i < n * d; i++) fro += p.x[i] * p.x[i];
    let bScale = p.yNorm / Math.sqrt(fro || 1);
    if (p.beta0) for (let i = 0; i < d; i++) bScale = Math.max(bScale, Math.abs(p.beta0[i]));
    let cMin = Infinity;
    for (let i = 0; i < d; i++) cMin = Math.min(cMin, p.c[i]);
    t = Math.max(1, (10 * bScale) / cMin);
  }
  let st = solver.newState(t, options.nuStart ? Float64Array.from(options.nuStart) : new Float64Array(n));
  if (!st) return finish(null, 0, 'overflow');
  let stages = 0;
  let factor = 10;
  for (;;) {
    stages++;
    if (t === 1) return finish(st, stages, solver.newton(st, tol, decTol, Infinity));
    const outcome = solver.newton(st, Math.max(tol, 1e-6), Math.max(decTol, 1e-8), 50);
    if (outcome === 'failed' || outcome === 'budget') return finish(st, stages, outcome);
    // Next stage, with the warm start ν ← r·ν: r is the D-weighted least-squares fit of the mirror coordinates
    // that keep every β_i fixed at the new scales (r = ratio in the lazy limit, ≈ a ratio of logs in the rich one).
    const tNext = Math.max(1, t / factor);
    const ratio = t / tNext;
    let num = 0;
    let den = 0;
    for (let i = 0; i < d; i++) {
      const ctNew = st.ct[i] / ratio;
      const bNew = p.beta0 ? 0.5 * Math.asinh(p.beta0[i] / ctNew) : 0;
      const want = 0.5 * Math.asinh(st.beta[i] / ctNew) - bNew;
      num += st.dd[i] * st.z[i] * want;
      den += st.dd[i] * st.z[i] * st.z[i];
    }
    let scale = den > 0 ? num / den : 1;
    if (!(scale >= 1)) scale = 1;
    if (scale > ratio) scale = ratio;
    const next = solver.newState(tNext, st.nu.map((v) => v * scale));
    if (!next) return finish(st, stages, 'overflow');
    st = next;
    t = tNext;
    factor = Math.min(factor * 10, 1e4);
  }
}

/** Alias of `solveImplicitBias`. */
export const implicitBiasSolve = solveImplicitBias;

/** The scales c_FT,i of (★) (§2.2) for a pretrained β_PT; throws when c_FT = 0 (λ_PT = −c_PT with γ_FT = 0). */
export function fineTuneScales(betaPT: ArrayLike<number>, params: { cPT: number; lambdaPT: number; gammaFT: number }): Float64Array {
  const out = new Float64Array(betaPT.length);
  for (let i = 0; i < betaPT.length; i++) {
    const b = betaPT[i];
    if (!Number.isFinite(b)) throw new RangeError(`betaPT[${i}]: expected a finite number (got ${b})`);
    out[i] = checkedFineTuneScale(b, params.cPT, params.lambdaPT, params.gammaFT);
  }
  return out;
}

/**
 * Theorem 4.1 (§3): fine-tuning from the re-initialised pretrained network converges to
 * argmin_{Xβ = y} Σ_i (c_FT,i/2)·h(β_i/c_FT,i), c_FT,i = (★) at β_PT,i (β_FT(0) = 0, so no centre term).
 */
export function fineTuneImplicitBias(
  x: Mat,
  y: ArrayLike<number>,
  betaPT: ArrayLike<number>,
  params: { cPT: number; lambdaPT: number; gammaFT: number },
  options: ImplicitBiasOptions = {},
): ImplicitBiasSolution {
  if (!betaPT || betaPT.length !== x.cols) throw new RangeError(`betaPT: expected length x.cols = ${x.cols} (got ${betaPT ? betaPT.length : String(betaPT)})`);
  return solveImplicitBias(x, y, fineTuneScales(betaPT, params), options);
}

/** §1.5: single-task gradient flow from the (c, λ) initialisation: scale c on every coordinate, independent of λ. */
export function singleTaskImplicitBias(x: Mat, y: ArrayLike<number>, c: number, options: ImplicitBiasOptions = {}): ImplicitBiasSolution {
  expectPositiveFinite('c', c);
  return solveImplicitBias(x, y, c, options);
}
