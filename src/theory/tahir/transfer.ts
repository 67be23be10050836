/**
 * Closed-form transfer theory of Tahir, Ganguli & Rotskoff, "Features are fate: a theory of transfer
 * learning in high-dimensional regression" (ICML 2025; digest `features-are-fate.md` §3–§4). Model: x ~ N(0, I_d),
 * unit teachers β_s, β_t with cos θ = β_sᵀβ_t, labels y = Xβ + σξ, n target samples, γ = n/d (samples per
 * dimension). A deep linear network pretrained on the source from a vanishing initialisation has the single
 * feature z = β_sᵀx. Risks are the noise-free excess risk ‖β̂ − β_t‖²; transferability T = R_sc − R_transfer
 * (T > 0: pretraining helps). Angles are in radians, θ ∈ [0, π]; σ is a standard deviation.
 *
 *  - §3.1, Theorem 3.6, eq. 8: scratch (min-norm interpolator X⁺y) risk R_sc = (1 − γ)₊ + σ²·tr(Gram⁻¹), the
 *    trace limits taken from the Marchenko–Pastur transform (`randomMatrix.ts`); exact Gaussian finite size.
 *  - §3.2, Theorem 3.7, eqs. 10–11: linear transfer E R_lt = sin²θ + (σ² + sin²θ)/(n − 2), T_lt = R_sc − sin²θ;
 *    its phase boundaries γ_∓, γ_o, θ_min (and σ = 0, Appendix G).
 *  - §3.3, Theorem 3.8, eq. 13: ridge linear transfer R_lt^λ = 1 − (1 + 2λ)/(1 + λ)²·cos²θ and its exact
 *    finite-n expectation (χ² quadrature).
 *  - §3.4, Theorem 3.9, eqs. 14–15: fine-tuning R_ft, T_ft, and the third-party balancedness correction κ.
 *  - §3.5, Appendix C, Theorem C.1, eqs. 22–23 and 152: a finite source set (n_s = γ_s d, noise σ_s).
 *  - §3.6: [N]'s k-feature extension E R_lt = ρ + (σ² + ρ)k/(n − k − 1).
 *  - §4, Appendix A, Theorem A.2: KL divergences of task pairs and the cosine test-function Dudley bound.
 *  - Proportional-limit ridge regression from scratch with the oracle λ (Dobriban & Wager 2018 style).
 *
 * Every function validates its inputs (RangeError naming the parameter and the allowed range) and never
 * returns NaN: where the theory diverges it returns ±Infinity, as each doc says. θ = Math.PI is treated as
 * exactly π (sin θ = 0) and θ = Math.PI/2 as exactly π/2 (cos θ = 0).
 */
import {
  chiSquareExpectation,
  expectAngle,
  expectInRange,
  expectNonNegative,
  expectPositive,
  limitTraceInverseGram,
  mpStieltjes,
  mpStieltjesDerivative,
} from './randomMatrix.js';

// ---------------------------------------------------------------------------------------------------
// Helpers

function cosOf(theta: number): number {
  return theta === Math.PI / 2 ? 0 : Math.cos(theta);
}

function sin2Of(theta: number): number {
  return theta === Math.PI ? 0 : Math.sin(theta) ** 2;
}

function expectSampleCount(name: string, value: number, min: number): void {
  expectInRange(name, value, { min, integer: true });
}

/** σ²·t with the convention 0·∞ = 0 (no noise means no noise term, even where the trace diverges). */
function noiseTerm(sigma: number, trace: number): number {
  return sigma === 0 ? 0 : sigma * sigma * trace;
}

// ---------------------------------------------------------------------------------------------------
// §3.1 Scratch (Theorem 3.6, eq. 8)

/** Bias and variance of the asymptotic scratch risk (Theorem 3.6, eq. 8): bias (1 − γ)₊, variance σ²·γ/(1 − γ) or σ²/(γ − 1). */
export function scratchRiskParts(gamma: number, sigma: number): { bias: number; variance: number } {
  expectNonNegative('gamma', gamma);
  expectNonNegative('sigma', sigma);
  return { bias: Math.max(0, 1 - gamma), variance: noiseTerm(sigma, limitTraceInverseGram(gamma)) };
}

/**
 * Asymptotic scratch risk R_sc(γ, σ) of the min-norm interpolator (Theorem 3.6, eq. 8):
 * (1 − γ) + σ²·γ m(0)|_{c=γ} = (1 − γ) + σ²γ/(1 − γ) for γ < 1, σ²·(1/γ) m(0)|_{c=1/γ} = σ²/(γ − 1) for γ > 1.
 * At γ = 1: Infinity for σ > 0 (the double-descent spike); 0 for σ = 0 (bias 0 and the noise term is
 * identically 0, so 0·∞ is read as 0).
 */
export function scratchRisk(gamma: number, sigma: number): number {
  const { bias, variance } = scratchRiskParts(gamma, sigma);
  return bias + variance;
}

/**
 * Exact finite-size Gaussian E R_sc (digest §3.1; inverse-Wishart means), for integers n ≥ 0, d ≥ 1:
 * 1 − n/d + σ² n/(d − n − 1) for n < d − 1; σ² d/(n − d − 1) for n > d + 1. For |n − d| ≤ 1 the mean trace
 * of the inverse Gram matrix is infinite: Infinity for σ > 0, and the bias alone, (1 − n/d)₊, for σ = 0.
 */
export function scratchRiskFinite(n: number, d: number, sigma: number): number {
  expectSampleCount('n', n, 0);
  expectSampleCount('d', d, 1);
  expectNonNegative('sigma', sigma);
  const bias = Math.max(0, 1 - n / d);
  if (n < d - 1) return bias + noiseTerm(sigma, n / (d - n - 1));
  if (n > d + 1) return noiseTerm(sigma, d / (n - d - 1));
  return bias + noiseTerm(sigma, Infinity);
}

// ---------------------------------------------------------------------------------------------------
// §3.2 Linear transfer (Theorem 3.7, eqs. 10–11)

/**
 * Exact E R_lt = sin²θ + (σ² + sin²θ)/(n − 2) of linear transfer on the frozen feature z = Xβ_s (Theorem 3.7,
 * eq. 10): b̂ − cos θ ~ N(0, (σ² + sin²θ)/‖z‖²) and E[1/‖z‖²] = 1/(n − 2). Needs an integer n ≥ 3.
 */
export function linearTransferRisk(theta: number, sigma: number, n: number): number {
  expectAngle('theta', theta);
  expectNonNegative('sigma', sigma);
  expectSampleCount('n', n, 3);
  const s2 = sin2Of(theta);
  return s2 + (sigma * sigma + s2) / (n - 2);
}

/** n → ∞ linear-transfer risk sin²θ (Theorem 3.7): the floor that more target data cannot lower. */
export function linearTransferRiskAsymptotic(theta: number): number {
  expectAngle('theta', theta);
  return sin2Of(theta);
}

/** Asymptotic linear transferability T_lt = R_sc(γ, σ) − sin²θ (eq. 11); Infinity at γ = 1 for σ > 0. */
export function linearTransferability(theta: number, gamma: number, sigma: number): number {
  expectAngle('theta', theta);
  return scratchRisk(gamma, sigma) - sin2Of(theta);
}

/**
 * Finite-size T_lt = `scratchRiskFinite(n, d, σ)` − `linearTransferRisk(θ, σ, n)` (both exact Gaussian means;
 * n ≥ 3). Infinity when |n − d| ≤ 1 and σ > 0.
 */
export function linearTransferabilityFinite(theta: number, n: number, d: number, sigma: number): number {
  const lt = linearTransferRisk(theta, sigma, n);
  return scratchRiskFinite(n, d, sigma) - lt;
}

/**
 * The interval (γ_−, γ_+) ⊂ (0, 1) of negative linear transfer below the interpolation threshold (digest
 * §3.2): T_lt < 0 for γ < 1 iff γ² − (1 + cos²θ − σ²)γ + cos²θ < 0, so
 * γ_± = ½[(1 + cos²θ − σ²) ± √((1 + cos²θ − σ²)² − 4cos²θ)]. The discriminant factors as
 * ((1 − |cos θ|)² − σ²)((1 + |cos θ|)² − σ²), so the interval is non-empty iff 1 − |cos θ| > σ (θ_min < θ < π − θ_min).
 * Returns null when it is empty (θ ≤ θ_min, or σ ≥ 1). σ = 0 (Appendix G): (cos²θ, 1). γ_− is computed as
 * cos²θ/γ_+ (no cancellation). The paper prints the interval as (γ_+, γ_−), a typo per [N].
 */
export function linearTransferNegativeInterval(theta: number, sigma: number): { lower: number; upper: number } | null {
  expectAngle('theta', theta);
  expectNonNegative('sigma', sigma);
  const c = Math.abs(cosOf(theta));
  const gap = (1 - c) ** 2 - sigma * sigma;
  if (!(gap > 0)) return null;
  const sum = 1 + c * c - sigma * sigma;
  const root = Math.sqrt(gap * ((1 + c) ** 2 - sigma * sigma));
  const upper = (sum + root) / 2;
  return { lower: (c * c) / upper, upper };
}

/**
 * γ_o = 1 + σ²/sin²θ: above the interpolation threshold T_lt = σ²/(γ − 1) − sin²θ < 0 iff γ > γ_o (digest §3.2).
 * Infinity when sin θ = 0 (θ = 0 or π: T_lt = R_sc ≥ 0, no negative region). σ = 0: γ_o = 1 (Appendix G: every
 * γ > 1 is negative for θ ∈ (0, π)).
 */
export function overThresholdGamma(theta: number, sigma: number): number {
  expectAngle('theta', theta);
  expectNonNegative('sigma', sigma);
  const s2 = sin2Of(theta);
  if (s2 === 0) return Infinity;
  return 1 + (sigma * sigma) / s2;
}

/**
 * θ_min = arccos(1 − σ): the negative lobe below γ = 1 exists iff θ ∈ (θ_min, π − θ_min) (digest §3.2; 36.87° at
 * σ = 0.2; 0 at σ = 0). For σ ≥ 1 there is no negative lobe at any angle and this returns Infinity.
 */
export function minimumNegativeAngle(sigma: number): number {
  expectNonNegative('sigma', sigma);
  if (sigma >= 1) return Infinity;
  return Math.acos(1 - sigma);
}

/**
 * The anomalous positive band (γ_+, γ_o) around the double-descent spike, between the negative lobe below 1
 * and the negative region above γ_o (digest §3.2; T_lt > 0 there except at γ = 1 itself, where it is +∞).
 * Returns null when there is no negative lobe (then T_lt > 0 on all of (0, γ_o)) or when the band is empty
 * (σ = 0, where γ_+ = γ_o = 1).
 */
export function anomalousTransferBand(theta: number, sigma: number): { lower: number; upper: number } | null {
  const lobe = linearTransferNegativeInterval(theta, sigma);
  if (lobe === null) return null;
  const upper = overThresholdGamma(theta, sigma);
  return lobe.upper < upper ? { lower: lobe.upper, upper } : null;
}

/**
 * [N]'s extension to k orthonormal frozen features (digest §3.6, not in the paper): E R_lt = ρ + (σ² + ρ)k/(n − k − 1),
 * ρ = ‖P^⊥β_t‖² the out-of-span energy; integers k ≥ 1, n ≥ k + 2. k = 1, ρ = sin²θ gives `linearTransferRisk`.
 */
export function linearTransferRiskKFeatures(rho: number, sigma: number, n: number, k: number): number {
  expectNonNegative('rho', rho);
  expectNonNegative('sigma', sigma);
  expectSampleCount('k', k, 1);
  expectSampleCount('n', n, k + 2);
  return rho + ((sigma * sigma + rho) * k) / (n - k - 1);
}

// ---------------------------------------------------------------------------------------------------
// §3.3 Ridge linear transfer (Theorem 3.8, eq. 13)

/**
 * n → ∞ ridge linear-transfer risk (Theorem 3.8, eq. 13), λ in the (FᵀF + nλI) convention:
 * b_λ → cos θ/(1 + λ), so R_lt^λ = (cos θ·λ/(1 + λ))² + sin²θ = 1 − (1 + 2λ)/(1 + λ)²·cos²θ. Increasing in λ.
 */
export function ridgeLinearTransferRisk(theta: number, lambda: number): number {
  expectAngle('theta', theta);
  expectNonNegative('lambda', lambda);
  const c = cosOf(theta);
  return 1 - ((1 + 2 * lambda) / (1 + lambda) ** 2) * c * c;
}

/** T_lt^λ = R_sc(γ, σ) − R_lt^λ (digest §3.3); Infinity at γ = 1 for σ > 0. */
export function ridgeLinearTransferability(theta: number, gamma: number, sigma: number, lambda: number): number {
  const lt = ridgeLinearTransferRisk(theta, lambda);
  return scratchRisk(gamma, sigma) - lt;
}

/**
 * Finite-n ridge linear-transfer risk E[(b_λ − cos θ)²] + sin²θ, b_λ = zᵀy/(‖z‖² + nλ), z ~ N(0, I_n),
 * y = cos θ·z + η with η = sin θ·w + σε ~ N(0, v I_n), v = sin²θ + σ², independent of z.
 * Method: with Q = ‖z‖², zᵀη | z ~ N(0, vQ), so b_λ − cos θ = (√(vQ) g − nλ cos θ)/(Q + nλ) and
 *     E R = sin²θ + E_Q[(n²λ² cos²θ + vQ)/(Q + nλ)²],   Q ~ χ²_n,
 * a one-dimensional expectation computed by Gauss–Legendre quadrature over the χ²_n law (`chiSquareExpectation`,
 * ~1e-12 relative). At λ = 0 it is the closed form sin²θ + v/(n − 2) (`linearTransferRisk`), used exactly;
 * for λ = 0 and n ≤ 2 the mean is infinite (E[1/Q] = ∞): Infinity when v > 0, 0 when v = 0.
 * Integer n ≥ 1.
 */
export function ridgeLinearTransferRiskFinite(theta: number, lambda: number, sigma: number, n: number): number {
  expectAngle('theta', theta);
  expectNonNegative('lambda', lambda);
  expectNonNegative('sigma', sigma);
  expectSampleCount('n', n, 1);
  const s2 = sin2Of(theta);
  const v = s2 + sigma * sigma;
  if (lambda === 0) {
    if (n >= 3) return linearTransferRisk(theta, sigma, n);
    return v > 0 ? Infinity : 0;
  }
  const c = cosOf(theta);
  const shift = n * lambda;
  const biasNumerator = shift * shift * c * c;
  const excess = chiSquareExpectation(n, (q) => (biasNumerator + v * q) / (q + shift) ** 2);
  return s2 + excess;
}

// ---------------------------------------------------------------------------------------------------
// §3.4 Fine-tuning (Theorem 3.9, eqs. 14–15)

/**
 * κ > 0 solving κ⁴ − aκ² − b = 0, i.e. κ² = (a + √(a² + 4b))/2: the scale of the null-space part of a balanced
 * two-layer network's fine-tuned vector β_sc + κ(I − P)β_s, whose squared norm b + aκ² must equal κ⁴ (digest §3.4,
 * [N]'s correction). a = ‖(I − P)β_s‖² ≥ 0, b = ‖β_sc‖² ≥ 0 for one draw, or their limits.
 */
export function solveBalancedKappa(a: number, b: number): number {
  expectNonNegative('a', a);
  expectNonNegative('b', b);
  return Math.sqrt((a + Math.sqrt(a * a + 4 * b)) / 2);
}

/**
 * Proportional-limit κ of the balanced two-layer fine-tuned solution (digest §3.4): a = 1 − γ, b = E‖β_sc‖² =
 * γ + σ²γ/(1 − γ) for γ < 1 (1 exactly when σ = 0; ≈ 1.005 at γ = 0.25, σ = 0.2; 1.2247 at γ = 0.5, σ = 1).
 * For γ ≥ 1 there is no null space (a = 0) and κ = ‖β_sc‖^{1/2} = (1 + σ²/(γ − 1))^{1/4} still satisfies the
 * quartic but has no effect on the risk; Infinity at γ = 1 with σ > 0.
 */
export function kappaTwoLayer(gamma: number, sigma: number): number {
  expectNonNegative('gamma', gamma);
  expectNonNegative('sigma', sigma);
  const b = sourceEstimateNorm2(gamma, sigma);
  const a = Math.max(0, 1 - gamma);
  if (!Number.isFinite(b)) return Infinity;
  return solveBalancedKappa(a, b);
}

export interface FineTuningOptions {
  /** Apply the two-layer balancedness correction β_ft = β_sc + κ(I − P)β_s (digest §3.4). Default false (κ = 1). */
  kappa?: boolean;
}

/**
 * Fine-tuning risk (Theorem 3.9, eq. 14): β_ft = β_sc + (I − P)β_s, so
 * R_ft = 2(1 − γ)(1 − cos θ) + σ²γ/(1 − γ) for γ < 1 and R_sc for γ ≥ 1 (Infinity at γ = 1 for σ > 0).
 * With `kappa: true`, β_ft − β_t = (I − P)(κβ_s − β_t) + X⁺ε with the two terms orthogonal (row space vs null
 * space), and E‖(I − P)u‖² = (1 − γ)‖u‖², so R_ft = (1 − γ)(1 − 2κ cos θ + κ²) + σ²γ/(1 − γ), κ = `kappaTwoLayer(γ, σ)`.
 */
export function fineTuningRisk(theta: number, gamma: number, sigma: number, opts: FineTuningOptions = {}): number {
  expectAngle('theta', theta);
  const { bias, variance } = scratchRiskParts(gamma, sigma);
  if (gamma >= 1) return bias + variance;
  const c = cosOf(theta);
  const kappa = opts.kappa ? kappaTwoLayer(gamma, sigma) : 1;
  return (1 - gamma) * (1 - 2 * kappa * c + kappa * kappa) + variance;
}

/**
 * Fine-tuning transferability (Theorem 3.9, eq. 15): T_ft = R_sc − R_ft = (1 − γ)(2cos θ − 1) for γ < 1 (σ cancels;
 * break-even θ = π/3), 0 for γ ≥ 1 (then β_ft = β_sc draw by draw, so T_ft = 0 exactly, also at γ = 1).
 * With `kappa: true`: T_ft = (1 − γ)(2κ cos θ − κ²) (break-even cos θ = κ/2).
 */
export function fineTuningTransferability(theta: number, gamma: number, sigma: number, opts: FineTuningOptions = {}): number {
  expectAngle('theta', theta);
  expectNonNegative('gamma', gamma);
  expectNonNegative('sigma', sigma);
  if (gamma >= 1) return 0;
  const c = cosOf(theta);
  const kappa = opts.kappa ? kappaTwoLayer(gamma, sigma) : 1;
  return (1 - gamma) * (2 * kappa * c - kappa * kappa);
}

// ---------------------------------------------------------------------------------------------------
// §3.5 Finite source data (Appendix C, Theorem C.1)

/**
 * E‖β̂_s‖² of the source min-norm interpolator β̂_s = X_s⁺y_s, n_s = γ_s d, noise σ_s (eq. 152):
 * γ_s + σ_s²γ_s/(1 − γ_s) for γ_s < 1, 1 + σ_s²/(γ_s − 1) for γ_s > 1 (= ‖P β_s‖² + σ_s²·tr-limit, traces from
 * the MP transform). At γ_s = 1: Infinity for σ_s > 0, 1 for σ_s = 0.
 */
export function sourceEstimateNorm2(gammaS: number, sigmaS: number): number {
  expectNonNegative('gammaS', gammaS);
  expectNonNegative('sigmaS', sigmaS);
  return Math.min(1, gammaS) + noiseTerm(sigmaS, limitTraceInverseGram(gammaS));
}

/** E⟨β_t, β̂_s⟩ = cos θ·min(1, γ_s) (digest §3.5). */
export function sourceEstimateOverlap(theta: number, gammaS: number): number {
  expectAngle('theta', theta);
  expectNonNegative('gammaS', gammaS);
  return cosOf(theta) * Math.min(1, gammaS);
}

/**
 * Fine-tuning transferability from a finite source (Theorem C.1, eq. 22): fine-tuning from β̂_s gives
 * R_ft = (1 − γ_t)E‖β̂_s − β_t‖² + noise, so T_ft = (1 − γ_t)(2 E⟨β_t, β̂_s⟩ − E‖β̂_s‖²), i.e.
 * (γ_t − 1)γ_s[1 − 2cos θ + σ_s²/(1 − γ_s)] for γ_s < 1 and (γ_t − 1)[1 − 2cos θ + σ_s²/(γ_s − 1)] for γ_s > 1;
 * 0 for γ_t ≥ 1. At γ_s = 1 with σ_s > 0 (and γ_t < 1) the source norm diverges: −Infinity.
 */
export function fineTuningTransferabilityFiniteSource(theta: number, gammaT: number, gammaS: number, sigmaS: number): number {
  expectAngle('theta', theta);
  expectNonNegative('gammaT', gammaT);
  const overlap = sourceEstimateOverlap(theta, gammaS);
  const norm2 = sourceEstimateNorm2(gammaS, sigmaS);
  if (gammaT >= 1) return 0;
  return (1 - gammaT) * (2 * overlap - norm2);
}

/**
 * The same with the balancedness correction of §3.4 for a two-layer network (not in the paper): a balanced
 * rank-one start with end-to-end vector w₀ = β̂_s fine-tunes to X⁺y + κ(I − P)β̂_s, where ρ = ‖w‖ solves
 * ρ² = A + B ρ/s (A = ‖X⁺y‖² → γ_t + σ_t²γ_t/(1 − γ_t), B = ‖(I − P)β̂_s‖² → (1 − γ_t)N, s = ‖β̂_s‖ → √N,
 * N = E‖β̂_s‖²) and κ = (ρ/s)^{1/2}; the two error parts are orthogonal, so
 * T_ft = (1 − γ_t)(2κ E⟨β_t, β̂_s⟩ − κ² N). With N = 1 it reduces to `fineTuningTransferability(…, { kappa: true })`.
 * A source estimate shorter than β_s (γ_s < 1) gives κ > 1: fine-tuning stretches the null-space part back
 * towards unit norm, which moves the break-even angle above eq. 23's. 0 for γ_t ≥ 1.
 */
export function fineTuningTransferabilityFiniteSourceBalanced(theta: number, gammaT: number, gammaS: number, sigmaS: number, sigmaT: number): number {
  expectAngle('theta', theta);
  const norm2 = sourceEstimateNorm2(gammaS, sigmaS);
  if (!Number.isFinite(norm2)) return gammaT >= 1 ? 0 : -Infinity;
  return fineTuningTransferabilityGivenSource(gammaT, sigmaT, { norm2, overlap: sourceEstimateOverlap(theta, gammaS) });
}

/** A realised (or expected) source estimate w₀ seen from the target: ‖w₀‖² and ⟨β_t, w₀⟩. */
export interface SourceEstimate {
  norm2: number;
  overlap: number;
}

/**
 * T_ft of a balanced two-layer network fine-tuned from a given source estimate w₀ (conditional on w₀, averaged
 * over the target data in the proportional limit): (1 − γ_t)(2κ⟨β_t, w₀⟩ − κ²‖w₀‖²), κ as in
 * `fineTuningTransferabilityFiniteSourceBalanced`. A sweep whose instances share one pretrained network measures
 * this, not its average over source draws: ⟨ν, w₀⟩ fluctuates by O(d^{−1/2}) from draw to draw.
 */
export function fineTuningTransferabilityGivenSource(gammaT: number, sigmaT: number, source: SourceEstimate): number {
  expectNonNegative('gammaT', gammaT);
  expectNonNegative('sigmaT', sigmaT);
  expectNonNegative('source.norm2', source.norm2);
  if (!Number.isFinite(source.overlap)) throw new RangeError(`source.overlap: expected a finite number (got ${source.overlap})`);
  if (gammaT >= 1 || source.norm2 === 0) return 0;
  const a = gammaT + noiseTerm(sigmaT, limitTraceInverseGram(gammaT));
  const rootN = Math.sqrt(source.norm2);
  const rho = ((1 - gammaT) * rootN + Math.sqrt((1 - gammaT) ** 2 * source.norm2 + 4 * a)) / 2;
  const kappa = Math.sqrt(rho / rootN);
  return (1 - gammaT) * (2 * kappa * source.overlap - kappa * kappa * source.norm2);
}

/**
 * Linear-transfer risk on the feature w₀ᵀx of a given source estimate: the n_t → ∞ floor
 * 1 − ⟨β_t, w₀⟩²/‖w₀‖² plus, with nT (integer ≥ 3), the estimation term (σ_t² + floor)/(n_t − 2) of
 * Theorem 3.7 (the conditional form of `linearTransferRiskFiniteSource`).
 */
export function linearTransferRiskGivenSource(source: SourceEstimate, nT?: number, sigmaT = 0): number {
  expectPositive('source.norm2', source.norm2);
  expectNonNegative('sigmaT', sigmaT);
  const floor = Math.max(0, 1 - (source.overlap * source.overlap) / source.norm2);
  if (nT === undefined) return floor;
  expectSampleCount('nT', nT, 3);
  return floor + (sigmaT * sigmaT + floor) / (nT - 2);
}

/**
 * Break-even angle θ* of fine-tuning from a finite source (eq. 23): T_ft > 0 iff θ < θ*, with
 * cos θ* = E‖β̂_s‖²/(2 min(1, γ_s)) = ½(1 + σ_s²/(1 − γ_s)) (γ_s < 1) or ½(1 + σ_s²/(γ_s − 1)) (γ_s > 1).
 * θ* ≤ π/3. If cos θ* > 1 (noise too large, or γ_s = 1 with σ_s > 0) there is no positive transfer at any angle
 * and this returns 0; at γ_s = 0 (no source data, T_ft ≡ 0) it also returns 0.
 */
export function breakEvenAngleFiniteSource(gammaS: number, sigmaS: number): number {
  const norm2 = sourceEstimateNorm2(gammaS, sigmaS);
  if (gammaS === 0) return 0;
  const cosStar = norm2 / (2 * Math.min(1, gammaS));
  if (!(cosStar <= 1)) return 0;
  return Math.acos(cosStar);
}

/**
 * Linear transfer on the feature β̂_sᵀx of a finite source (digest §3.5, the digest author's derivation, not the
 * paper's). n_t → ∞: R_∞ = 1 − ⟨β_t, β̂_s⟩²/‖β̂_s‖² → 1 − γ_s(1 − γ_s)cos²θ/(1 − γ_s + σ_s²) for γ_s < 1 and
 * 1 − cos²θ/(1 + σ_s²/(γ_s − 1)) for γ_s > 1 (at γ_s = 1: 1 for σ_s > 0, sin²θ for σ_s = 0). With nT (an integer
 * ≥ 3) the estimation term of Theorem 3.7 with R_∞ as extra noise is added: + (σ_t² + R_∞)/(n_t − 2); σT defaults
 * to σS (as in the released runs).
 */
export function linearTransferRiskFiniteSource(theta: number, gammaS: number, sigmaS: number, nT?: number, sigmaT?: number): number {
  expectAngle('theta', theta);
  expectNonNegative('gammaS', gammaS);
  expectNonNegative('sigmaS', sigmaS);
  const c2 = cosOf(theta) ** 2;
  const s2 = sigmaS * sigmaS;
  let rInf: number;
  if (gammaS < 1) rInf = 1 - (gammaS * (1 - gammaS) * c2) / (1 - gammaS + s2);
  else if (gammaS > 1) rInf = 1 - (c2 * (gammaS - 1)) / (gammaS - 1 + s2);
  else rInf = s2 > 0 ? 1 : sin2Of(theta);
  if (nT === undefined) {
    if (sigmaT !== undefined) expectNonNegative('sigmaT', sigmaT);
    return rInf;
  }
  expectSampleCount('nT', nT, 3);
  const st = sigmaT ?? sigmaS;
  expectNonNegative('sigmaT', st);
  return rInf + (st * st + rInf) / (nT - 2);
}

// ---------------------------------------------------------------------------------------------------
// §4 Appendix A (Theorem A.2)

/** KL(p_s‖p_t) = ‖β_s − β_t‖²/(2σ²) = (1 − cos θ)/σ² for unit teachers at angle θ, noise σ > 0 (Appendix A). */
export function klAnglePair(theta: number, sigma: number): number {
  expectAngle('theta', theta);
  expectPositive('sigma', sigma);
  return (1 - cosOf(theta)) / (sigma * sigma);
}

/** KL(p_f‖p_g) = ‖f − g‖²/(2σ²) = (1 + α)²‖f‖²/(2σ²) for g = −αf (Appendix A, eqs. 32–35); σ > 0. */
export function klScaledPair(fNorm2: number, alpha: number, sigma: number): number {
  expectNonNegative('fNorm2', fNorm2);
  expectInRange('alpha', alpha, {});
  expectPositive('sigma', sigma);
  return ((1 + alpha) ** 2 * fNorm2) / (2 * sigma * sigma);
}

/**
 * The smallest α ≥ 0 with KL(p_f‖p_{−αf}) ≥ δ: α = max(0, σ√(2δ/‖f‖²) − 1) (Appendix A; the paper's
 * α > σ√δ/‖f‖ only gives δ/2, [N]'s fix α > σ√(2δ)/‖f‖ is sufficient). ‖f‖² > 0, δ ≥ 0, σ > 0.
 */
export function klAlphaThreshold(delta: number, fNorm2: number, sigma: number): number {
  expectNonNegative('delta', delta);
  expectPositive('fNorm2', fNorm2);
  expectPositive('sigma', sigma);
  return Math.max(0, sigma * Math.sqrt((2 * delta) / fNorm2) - 1);
}

/**
 * The Dudley-metric lower bound from the paper's test function h(x, y) = ½cos y (‖h‖_BL = 1; App. D.1) for a
 * linear f with Gaussian inputs (f(x) ~ N(0, ‖f‖²)) and g = −αf: E[cos y | x] = e^{−σ²/2} cos f(x), so
 * |E_{p_f}h − E_{p_g}h| = ½e^{−σ²/2}|e^{−‖f‖²/2} − e^{−α²‖f‖²/2}| < ½. (The Dudley metric itself never exceeds 2.)
 */
export function dudleyCosineLowerBound(fNorm2: number, alpha: number, sigma: number): number {
  expectNonNegative('fNorm2', fNorm2);
  expectInRange('alpha', alpha, {});
  expectNonNegative('sigma', sigma);
  return 0.5 * Math.exp(-(sigma * sigma) / 2) * Math.abs(Math.exp(-fNorm2 / 2) - Math.exp(-(alpha * alpha * fNorm2) / 2));
}

// ---------------------------------------------------------------------------------------------------
// Ridge regression from scratch, oracle λ (Dobriban & Wager 2018 style)

/**
 * Proportional-limit risk E‖β̂_λ − β‖² of ridge β̂_λ = (XᵀX + nλI)⁻¹Xᵀy, X ∈ R^{n×d} Gaussian, ‖β‖ = 1 of uniformly
 * random direction, noise σ, γ = n/d. With Σ̂ = XᵀX/n, whose spectrum is MP with ratio c = d/n = 1/γ and transform m:
 *   bias     λ² βᵀ(Σ̂ + λ)⁻²β         → λ² m'(−λ),
 *   variance (σ²/n) tr(Σ̂(Σ̂ + λ)⁻²)   → (σ²/γ)(m(−λ) − λ m'(−λ)).
 * λ = 0 gives `scratchRisk(γ, σ)`; γ = 0 (no data) gives 1.
 */
export function ridgeRisk(gamma: number, sigma: number, lambda: number): number {
  expectNonNegative('gamma', gamma);
  expectNonNegative('sigma', sigma);
  expectNonNegative('lambda', lambda);
  if (lambda === 0) return scratchRisk(gamma, sigma);
  if (gamma === 0) return 1;
  const c = 1 / gamma;
  const m = mpStieltjes(c, -lambda);
  const dm = mpStieltjesDerivative(c, -lambda);
  return lambda * lambda * dm + (sigma * sigma / gamma) * (m - lambda * dm);
}

/**
 * The oracle ridge parameter λ* = σ²/γ = σ² d/n (in the (XᵀX + nλI) convention) for ‖β‖ = 1: from `ridgeRisk`,
 * dR/dλ = (λ − σ²/γ)·(2m'(−λ) − λ m''(−λ)) and 2m' − λm'' = ∫ 2x/(x + λ)³ dμ > 0, so λ* is the unique minimiser.
 * 0 for σ = 0; requires γ > 0.
 */
export function optimalRidgeLambda(gamma: number, sigma: number): number {
  expectPositive('gamma', gamma);
  expectNonNegative('sigma', sigma);
  return (sigma * sigma) / gamma;
}

/**
 * Proportional-limit excess risk of ridge regression with the oracle λ* = σ²/γ (Dobriban & Wager 2018 style):
 * substituting λ* into `ridgeRisk` gives R* = λ* m_{1/γ}(−λ*), i.e. with c = 1/γ,
 *     R*(γ, σ) = 2λ* / (1 − c + λ* + √((1 + c + λ*)² − 4c)),   λ* = σ²/γ,
 * finite for every γ > 0 (no double-descent spike) and below R_sc. For σ = 0 it is the limit λ* → 0, (1 − γ)₊
 * (the atom of mass 1 − γ at 0 for γ < 1). γ = 0 gives 1.
 */
export function optimalRidgeRisk(gamma: number, sigma: number): number {
  expectNonNegative('gamma', gamma);
  expectNonNegative('sigma', sigma);
  if (gamma === 0) return 1;
  if (sigma === 0) return Math.max(0, 1 - gamma);
  const lambda = optimalRidgeLambda(gamma, sigma);
  return lambda * mpStieltjes(1 / gamma, -lambda);
}
