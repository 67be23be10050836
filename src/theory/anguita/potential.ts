/**
 * The implicit-bias potential of two-layer diagonal linear networks and the regime descriptors of Anguita et
 * al. (2026), "A Theory of How Pretraining Shapes Inductive Bias in Fine-Tuning" (digest
 * `anguita-pretraining-inductive-bias.md`):
 *
 *  - §1.4: the hyperbolic entropy h(u) = 1 − √(1+u²) + u·asinh(u) and the mirror potential q_k(z) = (c/2)·h(z/c)
 *    with √k = 2c, its derivative q'(z) = ½·asinh(z/c), the inverse (q')⁻¹(s) = c·sinh(2s) and
 *    q''(z) = 1/(2√(c² + z²)) (= 1/√(k + 4z²));
 *  - §1.5 limits: q ≈ z²/(4c) for |z| ≪ c (min-ℓ2, lazy) and q ≈ (|z|/2)(log(2|z|/c) − 1) for |z| ≫ c
 *    (min-ℓ1, rich);
 *  - §6.1: the ℓ-order ℓ = ∂log q/∂log|β_FT| = u·asinh(u)/h(u), u = β_FT/c_FT, and the pretraining dependence
 *    PD = ∂log q/∂log|β_PT| = m(1 − ℓ) with m = (c_PT + λ_PT)·β_PT²/(c_PT·√(c_PT² + β_PT²)·c_FT), c_FT from the
 *    re-initialisation rule (★) of §2.2 (`fineTuneScale` in src/models/diagonal.ts);
 *  - §6.2: the four regimes (I rich/PT-independent, II lazy/PT-dependent, III lazy/PT-independent,
 *    IV rich/PT-dependent), classified by the rule documented at `classifyRegime`.
 *
 * Everything is written to stay accurate over the whole float64 range: h(u) as |u|·(asinh|u| − |u|/(1 + √(1+u²)))
 * (no cancellation for small |u|, no overflow of u²), asymptotic forms where z/c overflows, and a series for ℓ
 * near u = 0. Bad input throws a RangeError naming the field; no function returns NaN. The only non-finite
 * outputs are ±Infinity where the true value exceeds the float64 range (documented per function).
 */
import { checkScales, fineTuneScale } from '../../models/diagonal.js';

// ---------------------------------------------------------------------------------------------------
// Validation helpers (shared with implicitBias.ts)

/** Throws `RangeError("name: expected a finite number (got v)")` unless v is a finite number. */
export function expectFinite(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${name}: expected a finite number (got ${String(v)})`);
}

/** Throws `RangeError("name: expected a finite number > 0 (got v)")` unless v is finite and > 0. */
export function expectPositiveFinite(name: string, v: number): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name}: expected a finite number > 0 (got ${String(v)})`);
}

/** Throws `RangeError("name: expected a finite number ≥ 0 (got v)")` unless v is finite and ≥ 0. */
export function expectNonNegativeFinite(name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name}: expected a finite number ≥ 0 (got ${String(v)})`);
}

// ---------------------------------------------------------------------------------------------------
// §1.4 hyperbolic entropy and the potential q

/** Above this |u| the large-argument forms are used (their dropped terms are O(1/u²) relative, < 1e-16). */
const LARGE_U = 1e8;

/**
 * h(u) = 1 − √(1+u²) + u·asinh(u) (§1.4), evaluated as |u|·(asinh|u| − |u|/(1 + √(1+u²))): both terms are
 * positive with the second at most half the first, so there is no cancellation near 0, and u² is never formed.
 * h(u) ≈ u²/2 for small |u| and ≈ |u|(log 2|u| − 1) + 1 for large |u|. Returns +Infinity only for
 * |u| ≳ 2.5e305, where the true value exceeds the float64 range.
 */
export function hyperbolicEntropy(u: number): number {
  expectFinite('u', u);
  const a = Math.abs(u);
  if (a > LARGE_U) return a * (Math.log(2 * a) - 1) + 1 - 1 / (4 * a);
  return a * (Math.asinh(a) - a / (1 + Math.hypot(1, a)));
}

/** h'(u) = asinh(u). */
export function hyperbolicEntropyDerivative(u: number): number {
  expectFinite('u', u);
  return Math.asinh(u);
}

/**
 * q(z) = (c/2)·h(z/c) (§1.4; this is q_k with √k = 2c). Where z/c is large (or overflows) the asymptotic
 * form (|z|/2)(log(2|z|/c) − 1) + c/2 − c²/(8|z|) is used, with log(2|z|/c) = log 2|z| − log c. Finite for
 * every finite z and c > 0 except |z|·log(|z|/c) beyond the float64 range (+Infinity).
 */
export function qPotential(z: number, cFT: number): number {
  expectFinite('z', z);
  expectPositiveFinite('cFT', cFT);
  const a = Math.abs(z);
  const u = a / cFT;
  if (!(u <= LARGE_U)) {
    return (a / 2) * (Math.log(2 * a) - Math.log(cFT) - 1) + cFT / 2 - (cFT / (8 * a)) * cFT;
  }
  return (cFT / 2) * u * (Math.asinh(u) - u / (1 + Math.hypot(1, u)));
}

/** q'(z) = ½·asinh(z/c) (§1.4), with asinh(z/c) = sign(z)(log 2|z| − log c) where z/c overflows. */
export function qPotentialDerivative(z: number, cFT: number): number {
  expectFinite('z', z);
  expectPositiveFinite('cFT', cFT);
  const u = z / cFT;
  if (!Number.isFinite(u)) return (Math.sign(z) * (Math.log(2 * Math.abs(z)) - Math.log(cFT))) / 2;
  return Math.asinh(u) / 2;
}

/** q''(z) = 1/(2√(c² + z²)) = 1/√(k + 4z²) (§1.4). Always finite and > 0 (it underflows to 0 only for |z| ≳ 1e308). */
export function qPotentialSecondDerivative(z: number, cFT: number): number {
  expectFinite('z', z);
  expectPositiveFinite('cFT', cFT);
  return 0.5 / Math.hypot(cFT, z);
}

/**
 * c·sinh(t) without the intermediate overflow of sinh when c is tiny: for |t| > 700, sign(t)·exp(|t| + log c − log 2).
 * ±Infinity only where the true value exceeds the float64 range.
 */
export function scaledSinh(c: number, t: number): number {
  const a = Math.abs(t);
  if (a <= 700) return c * Math.sinh(t);
  return Math.sign(t) * Math.exp(a + Math.log(c) - Math.LN2);
}

/** c·cosh(t) without intermediate overflow (see `scaledSinh`). */
export function scaledCosh(c: number, t: number): number {
  const a = Math.abs(t);
  if (a <= 700) return c * Math.cosh(t);
  return Math.exp(a + Math.log(c) - Math.LN2);
}

/**
 * (q')⁻¹(s) = c·sinh(2s) (§1.4): the β whose mirror coordinate is s. ±Infinity only where |c·sinh 2s| exceeds
 * the float64 range.
 */
export function qPotentialDerivativeInverse(s: number, cFT: number): number {
  expectFinite('s', s);
  expectPositiveFinite('cFT', cFT);
  return scaledSinh(cFT, 2 * s);
}

// ---------------------------------------------------------------------------------------------------
// §6.1 ℓ-order and pretraining dependence

/** ℓ(u) = u·asinh(u)/h(u) as a function of u = β_FT/c_FT alone (even in u; 2 at u = 0, → 1 as |u| → ∞). */
export function lOrderOfRatio(u: number): number {
  expectFinite('u', u);
  const a = Math.abs(u);
  if (a < 1e-3) {
    // ℓ = 2 − u²/6 + 31u⁴/360 + O(u⁶): the series of (u² − u⁴/6 + 3u⁶/40)/(u²/2 − u⁴/24 + u⁶/80).
    const a2 = a * a;
    return 2 - a2 / 6 + (31 * a2 * a2) / 360;
  }
  if (a > LARGE_U) {
    // asinh a = log 2a + O(a⁻²), a/(1 + √(1+a²)) = 1 − 1/a + O(a⁻²).
    const l = Math.log(2 * a);
    return l / (l - 1 + 1 / a);
  }
  const asinh = Math.asinh(a);
  return asinh / (asinh - a / (1 + Math.hypot(1, a)));
}

/**
 * ℓ-order (§6.1): ℓ = ∂log q/∂log|β_FT| = u·asinh(u)/h(u) with u = β_FT/c_FT. ℓ → 2 as u → 0 (ℓ2-like, lazy),
 * ℓ ≈ 1 + 1/(log 2|u| − 1) as |u| → ∞ (ℓ1-like, rich). Where β_FT/c_FT overflows, log 2|u| is formed as
 * log 2|β_FT| − log c_FT. ℓ(u = 1) = asinh 1/(1 − √2 + asinh 1) = 1.8868.
 */
export function lOrder(betaFT: number, cFT: number): number {
  expectFinite('betaFT', betaFT);
  expectPositiveFinite('cFT', cFT);
  const u = betaFT / cFT;
  if (!Number.isFinite(u)) {
    const l = Math.log(2 * Math.abs(betaFT)) - Math.log(cFT);
    return l / (l - 1);
  }
  return lOrderOfRatio(u);
}

/**
 * m = ∂log c_FT/∂log|β_PT| = (c_PT + λ_PT)·β_PT²/(c_PT·√(c_PT² + β_PT²)·c_FT) (§6.1), written as
 * ((c_PT + λ_PT)/c_PT)·|β_PT|·(|β_PT|/√(c_PT² + β_PT²))/c_FT so that β_PT² is never formed. m ∈ [0, 1].
 */
export function cFTLogSlope(betaPT: number, cPT: number, lambdaPT: number, gammaFT: number): number {
  expectFinite('betaPT', betaPT);
  const cFT = checkedFineTuneScale(betaPT, cPT, lambdaPT, gammaFT);
  const b = Math.abs(betaPT);
  if (b === 0) return 0;
  return (((cPT + lambdaPT) / cPT) * b * (b / Math.hypot(cPT, b))) / cFT;
}

/** (★) with the validation of `fineTuneScale`, and a RangeError where c_FT = 0 (λ_PT = −c_PT with γ_FT = 0). */
export function checkedFineTuneScale(betaPT: number, cPT: number, lambdaPT: number, gammaFT: number): number {
  expectFinite('betaPT', betaPT);
  expectPositiveFinite('cPT', cPT);
  expectFinite('lambdaPT', lambdaPT);
  checkScales(cPT, lambdaPT);
  expectNonNegativeFinite('gammaFT', gammaFT);
  const c = fineTuneScale(betaPT, cPT, lambdaPT, gammaFT);
  if (!(c > 0) || !Number.isFinite(c)) {
    throw new RangeError(
      `gammaFT: expected a number > 0 when lambdaPT = −cPT (got ${gammaFT}; c_FT = ${c}, the network is stuck at β = 0)`,
    );
  }
  return c;
}

/**
 * Pretraining dependence (§6.1): PD = ∂log q/∂log|β_PT| = m·(1 − ℓ), where ℓ = ℓ(β_FT/c_FT), c_FT = (★) at
 * |β_PT|, and m = `cFTLogSlope`. PD ≈ 0: independent of pretraining; PD ≈ −1: cost ∝ 1/|β_PT|.
 */
export function ptDependence(betaFT: number, betaPT: number, cPT: number, lambdaPT: number, gammaFT: number): number {
  expectFinite('betaFT', betaFT);
  const cFT = checkedFineTuneScale(betaPT, cPT, lambdaPT, gammaFT);
  const m = cFTLogSlope(betaPT, cPT, lambdaPT, gammaFT);
  return m === 0 ? 0 : m * (1 - lOrder(betaFT, cFT));
}

// ---------------------------------------------------------------------------------------------------
// §6.2 the four regimes

export interface RegimeParams {
  cPT: number;
  lambdaPT: number;
  gammaFT: number;
  /** |β_PT| on PT-active coordinates (default 1, the digest's a_PT). */
  betaPTActive?: number;
  /** The fine-tuning weight at which ℓ and PD are evaluated (default 1). */
  betaFT?: number;
}

export interface RegimeDescriptors {
  /** c_FT on PT-active coordinates, (★) at |β_PT| = betaPTActive. */
  cFTActive: number;
  /** c_FT on PT-inactive coordinates, (★) at β_PT = 0: 2(c_PT + λ_PT) + γ_FT²/2. */
  cFTInactive: number;
  lOrderActive: number;
  lOrderInactive: number;
  /** PD on PT-active coordinates (on inactive ones PD = 0 since m = 0 at β_PT = 0). */
  ptDependenceActive: number;
}

/** ℓ and PD on PT-active and PT-inactive coordinates at β_FT = betaFT (§6.2 table). */
export function regimeDescriptors(params: RegimeParams): RegimeDescriptors {
  const { cPT, lambdaPT, gammaFT } = params;
  const betaPTActive = params.betaPTActive ?? 1;
  const betaFT = params.betaFT ?? 1;
  expectFinite('betaPTActive', betaPTActive);
  expectFinite('betaFT', betaFT);
  const cFTActive = checkedFineTuneScale(betaPTActive, cPT, lambdaPT, gammaFT);
  const cFTInactive = checkedFineTuneScale(0, cPT, lambdaPT, gammaFT);
  return {
    cFTActive,
    cFTInactive,
    lOrderActive: lOrder(betaFT, cFTActive),
    lOrderInactive: lOrder(betaFT, cFTInactive),
    ptDependenceActive: ptDependence(betaFT, betaPTActive, cPT, lambdaPT, gammaFT),
  };
}

export type Regime = 'I' | 'II' | 'III' | 'IV';

/** ℓ below this on PT-active coordinates counts as rich (ℓ1-like); at or above, lazy (ℓ2-like). */
export const RICH_L_ORDER_THRESHOLD = 1.5;
/** |PD| above this on PT-active coordinates counts as PT-dependent. */
export const PT_DEPENDENCE_THRESHOLD = 0.1;

/**
 * The regime of §6.2 from the descriptors on PT-active coordinates at β_FT (default 1):
 * rich ⇔ ℓ_active < 1.5, PT-dependent ⇔ |PD_active| > 0.1; then
 * I = rich & PT-independent, II = lazy & PT-dependent, III = lazy & PT-independent, IV = rich & PT-dependent.
 * At c_PT = 1e-3, |β_PT| = 1: (λ = −c, γ = 1e-6) → I (ℓ 1.04, PD 0); (λ = 0, γ = 0) → II (1.89, −0.89);
 * (λ = 0, γ = 10) → III (2.00, −0.02); (λ = −0.99c, γ = 0) → IV (1.23, −0.23). Note (λ = 0, γ = 1), listed
 * with III in the digest, has PD = −0.62 and is classified II by this rule.
 */
export function classifyRegime(params: RegimeParams): Regime {
  const d = regimeDescriptors(params);
  const rich = d.lOrderActive < RICH_L_ORDER_THRESHOLD;
  const dependent = Math.abs(d.ptDependenceActive) > PT_DEPENDENCE_THRESHOLD;
  if (rich) return dependent ? 'IV' : 'I';
  return dependent ? 'II' : 'III';
}
