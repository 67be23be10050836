/**
 * One spectral factorisation of a data matrix X (n×d), reused for every least-squares question asked of
 * the same X: the minimum-norm solution X⁺y, the row-space projection P v = X⁺X v, ridge solutions
 * (XᵀX/n + μI)⁻¹Xᵀy/n for any μ, and the self-consistent ridge that solves the ℓ2-norm-penalised
 * problem min (1/2n)‖Xβ − y‖² + τ‖β‖ (the limit of a weight-decayed two-layer linear network; see
 * `groupPenaltySolution`).
 *
 * It factorises the smaller Gram matrix: XXᵀ = U S² Uᵀ when n ≤ d (then X⁺y = Xᵀ U S⁻² Uᵀ y) and XᵀX =
 * V S² Vᵀ otherwise. Eigenvalues below rcond · λ_max count as zero, as in `minNormSolve`. After the
 * O(min(n,d)³) factorisation each solve costs O(nd); sweeps over many targets y on one X (common random
 * numbers across a grid of teachers) pay for the factorisation once.
 */
import { type Mat, gramRows, matTVec, matVec, transpose } from './matrix.js';
import { defaultRcond, symEig } from './linalg.js';
import { brentRoot, type SolverResult } from './solve.js';

export class SpectralLeastSquares {
  readonly n: number;
  readonly d: number;
  /** Non-zero Gram eigenvalues s_i² (descending) and their eigenvectors (columns, length min(n, d)). */
  private readonly values: Float64Array;
  private readonly vectors: Float64Array[];
  private readonly wide: boolean;

  constructor(readonly x: Mat, rcond = defaultRcond(x.rows, x.cols)) {
    this.n = x.rows;
    this.d = x.cols;
    this.wide = x.rows <= x.cols;
    const gram = this.wide ? gramRows(x) : gramRows(transpose(x));
    const { values, vectors } = symEig(gram);
    const k = gram.rows;
    const cut = Math.max(rcond * Math.max(values[0] ?? 0, 0), 0);
    const keep: number[] = [];
    for (let c = 0; c < k; c++) if (values[c] > cut && values[c] > 0) keep.push(c);
    this.values = Float64Array.from(keep, (c) => values[c]);
    this.vectors = keep.map((c) => Float64Array.from({ length: k }, (_, i) => vectors.data[i * k + c]));
  }

  /** Numerical rank of X. */
  get rank(): number {
    return this.values.length;
  }

  /** Eigenvalues of XᵀX/n that are not zero (descending). */
  curvatures(): Float64Array {
    return this.values.map((v) => v / this.n);
  }

  /**
   * Spectral coordinates of the right-hand side: c_i = u_iᵀy (wide) or c_i = v_iᵀXᵀy (tall). Every
   * solution below is a filter f(s_i²) applied to these.
   */
  private coordinates(y: ArrayLike<number>): Float64Array {
    if (y.length !== this.n) throw new RangeError(`y: expected length n = ${this.n} (got ${y.length})`);
    const rhs = this.wide ? y : matTVec(this.x, y);
    return Float64Array.from(this.vectors, (v) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * rhs[i];
      return s;
    });
  }

  /** β = Σ_i filter_i c_i (mapped back to R^d). */
  private assemble(coef: Float64Array): Float64Array {
    const k = this.wide ? this.n : this.d;
    const out = new Float64Array(k);
    this.vectors.forEach((v, c) => {
      const a = coef[c];
      if (a === 0) return;
      for (let i = 0; i < k; i++) out[i] += a * v[i];
    });
    return this.wide ? matTVec(this.x, out) : out;
  }

  /** The minimum-norm least-squares solution X⁺y. */
  minNorm(y: ArrayLike<number>): Float64Array {
    const c = this.coordinates(y);
    return this.assemble(c.map((ci, i) => ci / this.values[i]));
  }

  /** Projection onto the row space of X: P v = X⁺(Xv). */
  project(v: ArrayLike<number>): Float64Array {
    return this.minNorm(matVec(this.x, v));
  }

  /** Ridge solution (XᵀX/n + μI)⁻¹ Xᵀy/n, μ ≥ 0 (μ = 0: the minimum-norm solution). */
  ridge(y: ArrayLike<number>, mu: number): Float64Array {
    if (!(mu >= 0)) throw new RangeError(`mu: expected a number ≥ 0 (got ${mu})`);
    const c = this.coordinates(y);
    return this.assemble(c.map((ci, i) => ci / (this.values[i] + this.n * mu)));
  }

  /** ‖(XᵀX/n + μI)⁻¹ Xᵀy/n‖ from the spectral coordinates, in O(rank). */
  private ridgeNorm(c: Float64Array, mu: number): number {
    let s = 0;
    for (let i = 0; i < c.length; i++) {
      const f = c[i] / (this.values[i] + this.n * mu);
      s += this.wide ? f * f * this.values[i] : f * f;
    }
    return Math.sqrt(s);
  }

  /**
   * The minimiser of (1/2n)‖Xβ − y‖² + τ‖β‖ (τ ≥ 0; a convex problem). Its stationarity condition makes
   * it the ridge solution with μ = τ/‖β‖, so ‖β‖ = t solves t = ‖β_ridge(τ/t)‖ (one root, found by Brent's
   * method on log t); β = 0 when ‖Xᵀy/n‖ ≤ τ. Residual: |t − ‖β_ridge(τ/t)‖| / t.
   */
  groupPenaltySolution(y: ArrayLike<number>, tau: number): SolverResult<Float64Array> {
    if (!(tau >= 0)) throw new RangeError(`tau: expected a number ≥ 0 (got ${tau})`);
    if (tau === 0) return { value: this.minNorm(y), converged: true, iterations: 0, residual: 0 };
    const c = this.coordinates(y);
    const gradNorm = (() => {
      // ‖Xᵀy/n‖ from the coordinates: wide: Σ s_i² c_i² / n²; tall: Σ c_i² / n².
      let s = 0;
      for (let i = 0; i < c.length; i++) s += (this.wide ? this.values[i] : 1) * c[i] * c[i];
      return Math.sqrt(s) / this.n;
    })();
    if (gradNorm <= tau) return { value: new Float64Array(this.d), converged: true, iterations: 0, residual: 0 };
    const tMax = this.ridgeNorm(c, 0);
    // h(u) = log ‖β_ridge(τ e^{-u})‖ − u: positive as u → −∞ (ratio → ‖Xᵀy/n‖/τ > 1), negative at u = log tMax.
    const h = (u: number) => Math.log(this.ridgeNorm(c, tau * Math.exp(-u))) - u;
    let lo = Math.log(tMax) - 1;
    while (h(lo) <= 0 && lo > -700) lo -= 5;
    const root = brentRoot(h, lo, Math.log(tMax), { xTol: 1e-14 });
    const t = Math.exp(root.value);
    const mu = tau / t;
    return { value: this.assemble(c.map((ci, i) => ci / (this.values[i] + this.n * mu))), converged: root.converged, iterations: root.iterations, residual: Math.abs(Math.expm1(h(root.value))) };
  }
}
