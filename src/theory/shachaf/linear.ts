/**
 * Theory of fine-tuning linear regression from source weights (Shachaf, Brutzkus & Globerson 2021;
 * digest `shachaf-linear-teachers.md` §3):
 *
 *  - §3.1 the fine-tuned solution w_FT = θ_S + X⁺(y − Xθ_S) (GD's limit from θ_S) and scratch X⁺y;
 *  - §3.2 its exact population risk ‖Σ^{1/2}(w − θ_T)‖² and the zero-shot risk ΔᵀΣΔ, Δ = θ_T − θ_S;
 *  - §3.3(b) E R = s²(1 − n/d)‖Δ‖² + σ² n/(d − n − 1) for Σ = s² I (and σ² d/(n − d − 1) when n > d + 1);
 *  - §3.3(c) E R = s²(1 − n/r)₊‖UᵀΔ‖² + σ² n/(r − n − 1) for Σ = s² U Uᵀ of rank r
 *           (σ² r/(n − r − 1) when n > r + 1), the isotropic case being r = d;
 *  - the sample complexities n(ε) of both cases, and the head/tail similarity S_k of §3.3(d);
 *  - for any other spectrum, the ridgeless deterministic equivalent (Hastie, Montanari, Rosset &
 *    Tibshirani 2022; Bach 2023): with κ solving Σ_i λ_i/(λ_i + κ) = n and df₂ = Σ_i λ_i²/(λ_i + κ)²,
 *      E R ≈ κ² Σ_i λ_i δ_i²/(λ_i + κ)² / (1 − df₂/n) + σ² df₂/(n − df₂),  δ = Vᵀ Δ,
 *    exact for the isotropic and low-rank cases above and accurate to O(1/√d) otherwise.
 */
import type { Mat } from '../../numeric/matrix.js';
import { matVec, sub } from '../../numeric/matrix.js';
import { minNormSolve } from '../../numeric/linalg.js';
import { type Covariance, populationRisk, sigmaNorm2, toEigenbasis } from '../../numeric/covariance.js';
import { brentRoot, type SolverResult } from '../../numeric/solve.js';

/** w_FT = θ_S + X⁺(y − Xθ_S): the interpolant (or least-squares solution) closest to θ_S. */
export function fineTunedSolution(x: Mat, y: ArrayLike<number>, thetaS: ArrayLike<number>): Float64Array {
  const r = sub(y, matVec(x, thetaS));
  const step = minNormSolve(x, r);
  const w = new Float64Array(x.cols);
  for (let i = 0; i < x.cols; i++) w[i] = thetaS[i] + step[i];
  return w;
}

/** The minimum-norm solution X⁺y that GD from 0 reaches. */
export function scratchSolution(x: Mat, y: ArrayLike<number>): Float64Array {
  return minNormSolve(x, y);
}

/** Exact excess population risk ‖Σ^{1/2}(w − θ_T)‖² (add σ² for the noisy test error). */
export function exactRisk(cov: Covariance, w: ArrayLike<number>, thetaT: ArrayLike<number>): number {
  return populationRisk(cov, w, thetaT);
}

/** Zero-shot risk of using θ_S unchanged: ΔᵀΣΔ. */
export function zeroShotRisk(cov: Covariance, thetaS: ArrayLike<number>, thetaT: ArrayLike<number>): number {
  return populationRisk(cov, thetaS, thetaT);
}

/**
 * The noise part σ² E tr(X⁺ᵀ Σ X⁺) for Gaussian X with Σ = s² U Uᵀ of rank r: n/(r − n − 1) below the
 * interpolation threshold, r/(n − r − 1) above it; infinite for |n − r| ≤ 1 (it diverges there).
 */
/** Why the variance factor is infinite (`isotropicVarianceFactor`), with `rank` the name of r in the caller's terms. */
export function varianceDivergenceReason(rank: string): string {
  return `diverges for ${rank} − 1 ≤ n ≤ ${rank} + 1: the noise term σ²·n/(${rank} − n − 1) (or σ²·${rank}/(n − ${rank} − 1)) has a vanishing denominator`;
}

export function isotropicVarianceFactor(n: number, r: number): number {
  if (n < r - 1) return n / (r - n - 1);
  if (n > r + 1) return r / (n - r - 1);
  return Infinity;
}

export interface LowRankExpectationParams {
  /** Rank r of Σ (r = d for isotropic Σ). */
  rank: number;
  /** The non-zero eigenvalue s² of Σ. */
  scale: number;
  n: number;
  /** ‖UᵀΔ‖²: the energy of Δ = θ_T − θ_S inside range(Σ). */
  deltaInRange2: number;
  /** Label noise standard deviation σ. */
  noise: number;
}

/** E R_FT = s²(1 − n/r)₊ ‖UᵀΔ‖² + σ² · variance factor (digest §3.3(b), (c)). Pass θ_T in place of Δ for scratch. */
export function expectedRiskLowRank(p: LowRankExpectationParams): number {
  const bias = p.scale * Math.max(0, 1 - p.n / p.rank) * p.deltaInRange2;
  if (p.noise === 0) return bias;
  return bias + p.noise * p.noise * isotropicVarianceFactor(p.n, p.rank);
}

/** E R_FT for Σ = s² I_d: the low-rank formula with r = d. */
export function expectedRiskIsotropic(p: { d: number; scale: number; n: number; deltaNorm2: number; noise: number }): number {
  return expectedRiskLowRank({ rank: p.d, scale: p.scale, n: p.n, deltaInRange2: p.deltaNorm2, noise: p.noise });
}

/** Noiseless sample complexity n(ε) = r (1 − ε/(s²‖UᵀΔ‖²))₊ (isotropic: r = d, s² = 1). */
export function sampleComplexityLowRank(p: { rank: number; scale: number; deltaInRange2: number; epsilon: number }): number {
  const zeroShot = p.scale * p.deltaInRange2;
  if (zeroShot <= p.epsilon) return 0;
  return Math.ceil(p.rank * (1 - p.epsilon / zeroShot) - 1e-12);
}

/**
 * The head/tail similarity S_k(θ_S, θ_T; Σ) of digest §3.3(d) (Tsigler–Bartlett bias bound with θ* = Δ):
 * S_k = Σ_{i>k} λ_i δ_i² + (Σ_{i>k} λ_i / n)² Σ_{i≤k} δ_i²/λ_i, δ = VᵀΔ, eigenvalues descending.
 * Directions with λ_i = 0 inside the head are skipped (the data never see them).
 */
export function similarityHeadTail(cov: Covariance, delta: ArrayLike<number>, k: number, n: number): number {
  if (!Number.isInteger(k) || k < 0 || k > cov.d) throw new RangeError(`k: expected an integer in [0, ${cov.d}], got ${k}`);
  if (!(n >= 1)) throw new RangeError(`n: expected a number ≥ 1, got ${n}`);
  const c = toEigenbasis(cov, delta);
  let tailEnergy = 0;
  let tailTrace = 0;
  for (let i = k; i < cov.d; i++) {
    tailEnergy += cov.spectrum[i] * c[i] * c[i];
    tailTrace += cov.spectrum[i];
  }
  let head = 0;
  for (let i = 0; i < k; i++) if (cov.spectrum[i] > 0) head += (c[i] * c[i]) / cov.spectrum[i];
  return tailEnergy + (tailTrace / n) ** 2 * head;
}

export interface DeterministicEquivalent {
  /** Predicted E R (bias + variance). */
  risk: number;
  bias: number;
  variance: number;
  /** The effective regularisation κ (0 above the interpolation threshold). */
  kappa: number;
}

/**
 * Ridgeless deterministic equivalent of E R for min-norm interpolation of the residual teacher Δ
 * (see module comment). The κ equation is solved by Brent's method on log κ; convergence is reported.
 */
export function deterministicEquivalentRisk(
  spectrum: ArrayLike<number>,
  deltaEigen: ArrayLike<number>,
  n: number,
  noise: number,
): SolverResult<DeterministicEquivalent> {
  const d = spectrum.length;
  let rank = 0;
  for (let i = 0; i < d; i++) if (spectrum[i] > 0) rank++;
  if (n >= rank) {
    // Above the threshold every direction of range(Σ) is fitted: bias 0, variance r/(n − r) asymptotically.
    const variance = n > rank ? (noise * noise * rank) / (n - rank) : noise > 0 ? Infinity : 0;
    return { value: { risk: variance, bias: 0, variance, kappa: 0 }, converged: true, iterations: 0, residual: 0 };
  }
  const dof = (kappa: number) => {
    let s = 0;
    for (let i = 0; i < d; i++) if (spectrum[i] > 0) s += spectrum[i] / (spectrum[i] + kappa);
    return s;
  };
  // dof decreases from rank (κ → 0) to 0 (κ → ∞); bracket log κ.
  let hi = 1;
  while (dof(Math.exp(hi)) > n) hi *= 2;
  let lo = -1;
  while (dof(Math.exp(lo)) < n) lo *= 2;
  const root = brentRoot((t) => dof(Math.exp(t)) - n, lo, hi, { xTol: 1e-13 });
  const kappa = Math.exp(root.value);
  let df2 = 0;
  let biasNum = 0;
  for (let i = 0; i < d; i++) {
    const l = spectrum[i];
    if (l <= 0) continue;
    const q = l / (l + kappa);
    df2 += q * q;
    biasNum += (l * deltaEigen[i] * deltaEigen[i] * kappa * kappa) / ((l + kappa) * (l + kappa));
  }
  const bias = biasNum / (1 - df2 / n);
  const variance = (noise * noise * df2) / (n - df2);
  return {
    value: { risk: bias + variance, bias, variance, kappa },
    converged: root.converged,
    iterations: root.iterations,
    residual: Math.abs(dof(kappa) - n) / n,
  };
}

/** ‖Σ^{1/2} v‖², re-exported for measure tables. */
export { sigmaNorm2 };
