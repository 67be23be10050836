/**
 * The theory functions `ftlab theory` (and the web page) can evaluate from scalar parameters: each
 * entry lists its parameters with meaning, default and allowed range, and evaluates to named numbers.
 */
import { spectrumValues } from '../numeric/covariance.js';
import { rangeProblem } from '../validation.js';
import { flagRecord, type NonFiniteFlag } from '../nonFinite.js';
import { checkFourGroupTask } from '../tasks/sparseTeachers.js';
import {
  deterministicEquivalentRisk,
  expectedRiskIsotropic,
  expectedRiskLowRank,
  isotropicVarianceFactor,
  sampleComplexityLowRank,
  similarityHeadTail,
  varianceDivergenceReason,
} from './shachaf/linear.js';
import { effectiveSourceScale, solveKappa } from './shachaf/deep.js';
import { ntkMeasureBound } from './shachaf/ntk.js';
import { classifyRegime, lOrder, qPotential, qPotentialDerivative, regimeDescriptors } from './anguita/potential.js';
import { replicaCurve, singleTaskReplicaCurve } from './anguita/replica.js';
import {
  breakEvenAngleFiniteSource,
  fineTuningRisk,
  fineTuningTransferability,
  fineTuningTransferabilityFiniteSource,
  fineTuningTransferabilityFiniteSourceBalanced,
  kappaTwoLayer,
  klAnglePair,
  linearTransferability,
  linearTransferNegativeInterval,
  linearTransferRisk,
  linearTransferRiskAsymptotic,
  linearTransferRiskFiniteSource,
  minimumNegativeAngle,
  optimalRidgeLambda,
  optimalRidgeRisk,
  overThresholdGamma,
  ridgeLinearTransferRisk,
  ridgeLinearTransferRiskFinite,
  scratchRisk,
  scratchRiskFinite,
  sourceEstimateNorm2,
} from './tahir/transfer.js';

export interface TheoryParam {
  name: string;
  description: string;
  default: number;
  min: number;
  max: number;
  integer?: boolean;
  /** The range a slider covers (within [min, max]): where the science usually lives; the box accepts all of [min, max]. */
  typical?: readonly [number, number];
}

/** Bounds on some parameters that follow from the others' values (rules across parameters). */
export type CrossBounds = Record<string, { min?: number; max?: number }>;

export interface TheoryFunction {
  name: string;
  paper: string;
  description: string;
  params: TheoryParam[];
  /** Names of the outputs, in order. */
  outputs: string[];
  evaluate(p: Record<string, number>): Record<string, number>;
  /** Rules across parameters, checked before `evaluate`; throws a RangeError naming the field, the value and the rule. */
  check?(p: Record<string, number>): void;
  /** The bounds those rules put on each parameter at the others' values (the explorer's sliders follow them). */
  bounds?(p: Record<string, number>): CrossBounds;
  /** Why an output is not finite at p (flagged beside the null in JSON; src/nonFinite.ts); absent: a generic reason. */
  nonFiniteReason?(p: Record<string, number>, output: string): string | undefined;
}

/** One evaluated grid point: the parameters, the outputs and, where some output is not finite, its flags. */
export interface TheoryRow {
  params: Record<string, number>;
  values: Record<string, number>;
  nonFinite?: Record<string, NonFiniteFlag>;
}


const MAXD = 100000;

/** Tahir et al. parameters shared by several entries (angles in radians). */
const tahirTheta: TheoryParam = { name: 'theta', description: 'angle θ between β_s and β_t (radians)', default: Math.PI / 4, min: 0, max: Math.PI, typical: [0, Math.PI] };
const tahirGamma: TheoryParam = { name: 'gamma', description: 'γ = n/d, target samples per dimension', default: 0.5, min: 0, max: 1e6, typical: [0.01, 100] };
const tahirSigma: TheoryParam = { name: 'sigma', description: 'label noise s.d. σ', default: 0.2, min: 0, max: 1e3, typical: [0, 1] };
const tahirD: TheoryParam = { name: 'd', description: 'input dimension for the finite-size values (n = round(γd))', default: 500, min: 5, max: 1e9, integer: true, typical: [10, 10000] };

/** The label-noise s.d. of the Shachaf et al. entries. */
const shachafNoise: TheoryParam = { name: 'noise', description: 'label noise s.d. σ', default: 0, min: 0, max: 1e3, typical: [0, 1] };

/** Band rules of the power-law entries: 0 ≤ bandStart < bandEnd ≤ d (and k ≤ d where there is a head size k). */
function checkBand(p: Record<string, number>): void {
  if (p.bandEnd > p.d) throw new RangeError(`bandEnd: expected an integer ≤ d = ${p.d} (got ${p.bandEnd})`);
  if (!(p.bandStart < p.bandEnd)) throw new RangeError(`bandStart: expected an integer < bandEnd = ${p.bandEnd} (got ${p.bandStart})`);
  if (p.k !== undefined && p.k > p.d) throw new RangeError(`k: expected an integer ≤ d = ${p.d} (got ${p.k})`);
}

function bandBounds(p: Record<string, number>): CrossBounds {
  return { d: { min: Math.max(p.bandEnd, p.k ?? 0) }, bandStart: { max: Math.min(p.bandEnd, p.d) - 1 }, bandEnd: { min: p.bandStart + 1, max: p.d }, k: { max: p.d } };
}

/**
 * Rules of the four-group task (src/tasks/sparseTeachers.ts): the shared density ω·ρ_FT ≤ ρ_PT and
 * ρ_PT + (1 − ω)ρ_FT ≤ 1, as bounds on each of ρ_PT, ρ_FT and ω at the other two's values.
 */
export function fourGroupBounds(p: Record<string, number>): CrossBounds {
  const { rhoPT, rhoFT, omega } = p;
  return {
    rhoPT: { min: omega * rhoFT, max: 1 - (1 - omega) * rhoFT },
    rhoFT: { max: Math.min(omega > 0 ? rhoPT / omega : Infinity, omega < 1 ? (1 - rhoPT) / (1 - omega) : Infinity) },
    omega: { min: rhoFT > 0 ? 1 - (1 - rhoPT) / rhoFT : 0, max: rhoFT > 0 ? rhoPT / rhoFT : 1 },
  };
}

/** The message of an unconverged replica fixed point, naming where (the user's α) and, if several, which regime. */
function replicaNotConverged(alpha: number, residual: number, regime?: string): RangeError {
  return new RangeError(`alpha: the replica fixed point${regime ? ` of regime ${regime}` : ''} did not converge at α = ${alpha} (residual ${residual.toPrecision(2)})`);
}

/** Expected coordinates δ_i² of a Δ with energy ‖Δ‖² spread evenly over eigen-band [start, end). */
function bandEnergy(d: number, start: number, end: number, norm2: number): Float64Array {
  checkBand({ d, bandStart: start, bandEnd: end });
  const out = new Float64Array(d);
  for (let i = start; i < end; i++) out[i] = Math.sqrt(norm2 / (end - start));
  return out;
}

const powerLawBandParams: TheoryParam[] = [
  { name: 'd', description: 'input dimension', default: 400, min: 1, max: MAXD, integer: true, typical: [10, 2000] },
  { name: 'n', description: 'target samples', default: 20, min: 1, max: 1e7, integer: true, typical: [1, 1000] },
  { name: 'exponent', description: 'power-law exponent a (λ_i = i^(−a))', default: 1, min: 0, max: 10, typical: [0, 3] },
  { name: 'deltaNorm2', description: '‖Δ‖² = ‖θ_T − θ_S‖²', default: 1, min: 0, max: 1e6, typical: [0, 10] },
  { name: 'bandStart', description: 'first eigendirection of Δ (0-based)', default: 0, min: 0, max: MAXD, integer: true, typical: [0, 2000] },
  { name: 'bandEnd', description: 'one past the last eigendirection of Δ', default: 10, min: 1, max: MAXD, integer: true, typical: [1, 2000] },
];

export const THEORY: TheoryFunction[] = [
  {
    name: 'shachaf-risk-isotropic',
    paper: 'Shachaf et al. 2021, digest §3.3(b)',
    description: 'E R of linear fine-tuning for Σ = s² I: s²(1 − n/d)₊‖Δ‖² + σ² n/(d − n − 1) (scratch: put ‖θ_T‖² for ‖Δ‖²).',
    params: [
      { name: 'd', description: 'input dimension', default: 100, min: 1, max: MAXD, integer: true, typical: [10, 1000] },
      { name: 'n', description: 'target samples', default: 10, min: 0, max: 1e7, integer: true, typical: [0, 300] },
      { name: 'deltaNorm2', description: '‖θ_T − θ_S‖²', default: 1, min: 0, max: 1e6, typical: [0, 10] },
      { name: 'scale', description: 'eigenvalue s² of Σ', default: 1, min: 1e-12, max: 1e6, typical: [0.01, 100] },
      shachafNoise,
    ],
    outputs: ['risk', 'bias', 'variance'],
    evaluate: (p) => {
      const bias = expectedRiskIsotropic({ d: p.d, n: p.n, deltaNorm2: p.deltaNorm2, scale: p.scale, noise: 0 });
      const variance = p.noise === 0 ? 0 : p.noise * p.noise * isotropicVarianceFactor(p.n, p.d);
      return { risk: bias + variance, bias, variance };
    },
    nonFiniteReason: (_p, output) => (output === 'bias' ? undefined : varianceDivergenceReason('d')),
  },
  {
    name: 'shachaf-risk-lowrank',
    paper: 'Shachaf et al. 2021, digest §3.3(c)',
    description: 'E R of linear fine-tuning for Σ = s² U Uᵀ of rank r: s²(1 − n/r)₊‖UᵀΔ‖² + σ² · (n/(r−n−1) or r/(n−r−1)).',
    params: [
      { name: 'rank', description: 'rank r of Σ', default: 20, min: 1, max: MAXD, integer: true, typical: [1, 1000] },
      { name: 'n', description: 'target samples', default: 10, min: 0, max: 1e7, integer: true, typical: [0, 300] },
      { name: 'deltaInRange2', description: '‖UᵀΔ‖², the energy of Δ in range(Σ)', default: 1, min: 0, max: 1e6, typical: [0, 10] },
      { name: 'scale', description: 'non-zero eigenvalue s² of Σ', default: 1, min: 1e-12, max: 1e6, typical: [0.01, 100] },
      shachafNoise,
    ],
    outputs: ['risk'],
    evaluate: (p) => ({ risk: expectedRiskLowRank({ rank: p.rank, scale: p.scale, n: p.n, deltaInRange2: p.deltaInRange2, noise: p.noise }) }),
    nonFiniteReason: () => varianceDivergenceReason('r'),
  },
  {
    name: 'shachaf-sample-complexity',
    paper: 'Shachaf et al. 2021, digest §3.3(b)–(c)',
    description: 'Samples needed for noiseless E R ≤ ε: r(1 − ε/(s²‖UᵀΔ‖²))₊ (isotropic: r = d, s² = 1); scratch: ‖θ_T‖² for ‖UᵀΔ‖².',
    params: [
      { name: 'rank', description: 'rank r of Σ (d if isotropic)', default: 100, min: 1, max: MAXD, integer: true, typical: [1, 1000] },
      { name: 'deltaInRange2', description: '‖UᵀΔ‖²', default: 1, min: 0, max: 1e6, typical: [0, 10] },
      { name: 'scale', description: 'eigenvalue s²', default: 1, min: 1e-12, max: 1e6, typical: [0.01, 100] },
      { name: 'epsilon', description: 'target risk ε', default: 0.1, min: 1e-12, max: 1e6, typical: [1e-4, 10] },
    ],
    outputs: ['n'],
    evaluate: (p) => ({ n: sampleComplexityLowRank({ rank: p.rank, scale: p.scale, deltaInRange2: p.deltaInRange2, epsilon: p.epsilon }) }),
  },
  {
    name: 'shachaf-risk-power-law',
    paper: 'Shachaf et al. 2021, digest §3.3(d–e); deterministic equivalent',
    description: 'Deterministic-equivalent E R of linear fine-tuning for Σ = diag(i^(−a)) with Δ spread over eigen-band [bandStart, bandEnd); also the zero-shot risk ΔᵀΣΔ.',
    params: [
      ...powerLawBandParams,
      shachafNoise,
    ],
    outputs: ['risk', 'bias', 'variance', 'kappa', 'zeroShot', 'converged'],
    check: checkBand,
    bounds: bandBounds,
    evaluate: (p) => {
      const lambda = spectrumValues({ kind: 'powerLaw', exponent: p.exponent }, p.d);
      const delta = bandEnergy(p.d, p.bandStart, p.bandEnd, p.deltaNorm2);
      const de = deterministicEquivalentRisk(lambda, delta, p.n, p.noise);
      let zeroShot = 0;
      for (let i = 0; i < p.d; i++) zeroShot += lambda[i] * delta[i] * delta[i];
      return { ...de.value, zeroShot, converged: de.converged ? 1 : 0 };
    },
  },
  {
    name: 'shachaf-similarity-sk',
    paper: 'Shachaf et al. 2021, digest §3.3(d)',
    description:
      'Head/tail similarity S_k = Σ_{i>k} λ_i δ_i² + (Σ_{i>k} λ_i / n)² Σ_{i≤k} δ_i²/λ_i for Σ = diag(i^(−a)) and Δ spread evenly over eigen-band [bandStart, bandEnd).',
    params: [...powerLawBandParams, { name: 'k', description: 'head size k', default: 10, min: 0, max: MAXD, integer: true, typical: [0, 2000] }],
    outputs: ['sk'],
    check: checkBand,
    bounds: bandBounds,
    evaluate: (p) => {
      const lambda = spectrumValues({ kind: 'powerLaw', exponent: p.exponent }, p.d);
      const delta = bandEnergy(p.d, p.bandStart, p.bandEnd, p.deltaNorm2);
      return { sk: similarityHeadTail({ d: p.d, spectrum: lambda, basis: null }, delta, p.k, p.n) };
    },
  },
  {
    name: 'shachaf-deep-kappa',
    paper: 'Shachaf et al. 2021, digest §4.2 and §4.4',
    description:
      'κ_L of the depth-L fine-tuned solution w_L = X⁺y + κ_L (I − P)θ_S, from ρ² = A + B (ρ/s)^{2(L−1)/L}, κ_L = (ρ/s)^{(L−1)/L}; depth 0 means L = ∞ (κ_∞ = √A/‖Pθ_S‖).',
    params: [
      { name: 'A', description: '‖X⁺y‖²', default: 0.1, min: 0, max: 1e12, typical: [0, 10] },
      { name: 'B', description: '‖(I − P)θ_S‖²', default: 0.9, min: 0, max: 1e12, typical: [0, 10] },
      { name: 's', description: '‖θ_S‖', default: 1, min: 1e-12, max: 1e6, typical: [0.01, 10] },
      { name: 'pNorm', description: '‖Pθ_S‖ (used for L = ∞)', default: 0.3, min: 0, max: 1e6, typical: [0, 10] },
      { name: 'L', description: 'depth (0 = ∞)', default: 7, min: 0, max: 1e6, integer: true, typical: [0, 100] },
    ],
    outputs: ['kappa', 'converged'],
    check: (p) => {
      // (I − P)θ_S is a projection of θ_S: B ≤ s² (beyond it κ_L grows like (B/s²)^{L/2} and overflows float64).
      if (p.B > p.s * p.s * (1 + 1e-12)) throw new RangeError(`B: expected ‖(I − P)θ_S‖² ≤ ‖θ_S‖² = s² = ${p.s * p.s} (got ${p.B})`);
      if (p.L === 0 && !(p.pNorm > 0)) throw new RangeError(`pNorm: expected a number > 0 when L = 0 (L = ∞: κ_∞ = √A/‖Pθ_S‖) (got ${p.pNorm})`);
    },
    bounds: (p) => ({ B: { max: p.s * p.s }, s: { min: Math.sqrt(p.B) } }),
    evaluate: (p) => {
      const k = solveKappa({ a: p.A, b: p.B, s: p.s, pNorm: p.pNorm }, p.L === 0 ? Infinity : p.L);
      return { kappa: k.value, converged: k.converged ? 1 : 0 };
    },
  },
  {
    name: 'shachaf-source-scale',
    paper: 'Shachaf et al. 2021, digest §4.3',
    description: 'Rescaling θ_S end to end by c acts on the effective source like c^(1/L); depth 0 means L = ∞ (scale-invariant).',
    params: [
      { name: 'c', description: 'end-to-end scale of θ_S', default: 4, min: 1e-12, max: 1e12, typical: [0.01, 100] },
      { name: 'L', description: 'depth (0 = ∞)', default: 7, min: 0, max: 1e6, integer: true, typical: [0, 100] },
    ],
    outputs: ['effectiveScale'],
    evaluate: (p) => ({ effectiveScale: effectiveSourceScale(p.c, p.L === 0 ? Infinity : p.L) }),
  },
  {
    name: 'shachaf-ntk-bound',
    paper: 'Shachaf et al. 2021, digest §5',
    description:
      'NTK-regime fine-tuning of a two-layer ReLU network from a source that computes θ_Sᵀx: the generalisation term √(2 rᵀH⁻¹r/n) is at most 2√2 ‖P(θ_T − θ_S)‖/√n (unit-norm inputs).',
    params: [
      { name: 'projectedDistance', description: '‖P(θ_T − θ_S)‖, P the projector onto the span of the target inputs', default: 0.5, min: 0, max: 1e6, typical: [0, 10] },
      { name: 'n', description: 'target samples', default: 10, min: 1, max: 1e9, integer: true, typical: [1, 10000] },
    ],
    outputs: ['bound'],
    evaluate: (p) => ({ bound: ntkMeasureBound(p.projectedDistance, p.n) }),
  },
  {
    name: 'tahir-scratch-risk',
    paper: 'Tahir et al. 2025, digest §3.1',
    description:
      'Scratch (min-norm X⁺y) risk, Theorem 3.6 eq. 8: (1 − γ) + σ²γ/(1 − γ) (γ < 1), σ²/(γ − 1) (γ > 1), ∞ at γ = 1; and the exact Gaussian finite-size mean at n = round(γd) (∞ when |n − d| ≤ 1).',
    params: [tahirGamma, tahirSigma, tahirD],
    outputs: ['risk', 'riskFinite'],
    evaluate: (p) => ({ risk: scratchRisk(p.gamma, p.sigma), riskFinite: scratchRiskFinite(Math.round(p.gamma * p.d), p.d, p.sigma) }),
  },
  {
    name: 'tahir-linear-transfer',
    paper: 'Tahir et al. 2025, digest §3.2',
    description:
      'Linear transfer on the pretrained feature β_sᵀx, Theorem 3.7 eqs. 10–11: E R_lt = sin²θ (n → ∞) and sin²θ + (σ² + sin²θ)/(n − 2) at n = round(γd) (∞ for n ≤ 2); T_lt = R_sc − R_lt, asymptotic and finite-size.',
    params: [tahirTheta, tahirGamma, tahirSigma, tahirD],
    outputs: ['risk', 'riskFinite', 'transferability', 'transferabilityFinite'],
    evaluate: (p) => {
      const n = Math.round(p.gamma * p.d);
      const risk = linearTransferRiskAsymptotic(p.theta);
      const riskFinite = n >= 3 ? linearTransferRisk(p.theta, p.sigma, n) : Infinity;
      const scratchFinite = scratchRiskFinite(n, p.d, p.sigma);
      // d ≥ 5 keeps n ≤ 2 and |n − d| ≤ 1 apart, so at most one of the two finite-size risks is infinite.
      return { risk, riskFinite, transferability: linearTransferability(p.theta, p.gamma, p.sigma), transferabilityFinite: scratchFinite - riskFinite };
    },
  },
  {
    name: 'tahir-ridge',
    paper: 'Tahir et al. 2025, digest §3.3',
    description:
      'Ridge linear transfer, Theorem 3.8 eq. 13 ((FᵀF + nλI) convention): R_lt^λ = 1 − (1 + 2λ)/(1 + λ)²·cos²θ as n → ∞, and the exact finite-n mean (χ² quadrature) with and without ridge.',
    params: [
      tahirTheta,
      { name: 'lambda', description: 'ridge λ', default: 0.1, min: 0, max: 1e6, typical: [0, 2] },
      tahirSigma,
      { name: 'n', description: 'target samples', default: 250, min: 3, max: 1e9, integer: true, typical: [3, 10000] },
    ],
    outputs: ['risk', 'riskFinite', 'riskFiniteNoRidge'],
    evaluate: (p) => ({
      risk: ridgeLinearTransferRisk(p.theta, p.lambda),
      riskFinite: ridgeLinearTransferRiskFinite(p.theta, p.lambda, p.sigma, p.n),
      riskFiniteNoRidge: linearTransferRisk(p.theta, p.sigma, p.n),
    }),
  },
  {
    name: 'tahir-fine-tuning',
    paper: 'Tahir et al. 2025, digest §3.4',
    description:
      'Fine-tuning, Theorem 3.9 eqs. 14–15: R_ft = 2(1 − γ)(1 − cos θ) + σ²γ/(1 − γ), T_ft = (1 − γ)(2cos θ − 1) (0 for γ ≥ 1); with the two-layer balancedness scale κ (κ⁴ − (1 − γ)κ² − ‖β_sc‖² = 0): R_ft = (1 − γ)(1 − 2κ cos θ + κ²) + σ²γ/(1 − γ), T_ft = (1 − γ)(2κ cos θ − κ²).',
    params: [tahirTheta, tahirGamma, tahirSigma],
    outputs: ['scratchRisk', 'risk', 'transferability', 'kappa', 'riskKappa', 'transferabilityKappa'],
    evaluate: (p) => ({
      scratchRisk: scratchRisk(p.gamma, p.sigma),
      risk: fineTuningRisk(p.theta, p.gamma, p.sigma),
      transferability: fineTuningTransferability(p.theta, p.gamma, p.sigma),
      kappa: kappaTwoLayer(p.gamma, p.sigma),
      riskKappa: fineTuningRisk(p.theta, p.gamma, p.sigma, { kappa: true }),
      transferabilityKappa: fineTuningTransferability(p.theta, p.gamma, p.sigma, { kappa: true }),
    }),
  },
  {
    name: 'tahir-finite-source',
    paper: 'Tahir et al. 2025, digest §3.5',
    description:
      'Finite source set n_s = γ_s d (Appendix C, eqs. 22–23, 152): E‖β̂_s‖², fine-tuning T_ft = (1 − γ_t)(2cos θ·min(1, γ_s) − E‖β̂_s‖²), break-even angle θ* (0 = no positive transfer), the same T_ft with the two-layer balancedness κ (§3.4 applied to the source estimate), and the n_t → ∞ linear-transfer risk 1 − ⟨β_t, β̂_s⟩²/‖β̂_s‖².',
    params: [
      tahirTheta,
      { name: 'gammaT', description: 'γ_t = n_t/d', default: 0.5, min: 0, max: 1e6, typical: [0, 2] },
      { name: 'gammaS', description: 'γ_s = n_s/d', default: 0.5, min: 0, max: 1e6, typical: [0.01, 100] },
      { name: 'sigmaS', description: 'source label noise s.d. σ_s', default: 0.2, min: 0, max: 1e3, typical: [0, 1] },
      { name: 'sigmaT', description: 'target label noise s.d. σ_t (balanced κ version only)', default: 0.2, min: 0, max: 1e3, typical: [0, 1] },
    ],
    outputs: ['sourceNorm2', 'transferabilityFt', 'transferabilityFtBalanced', 'breakEvenAngle', 'riskLtInfinite'],
    evaluate: (p) => ({
      sourceNorm2: sourceEstimateNorm2(p.gammaS, p.sigmaS),
      transferabilityFt: fineTuningTransferabilityFiniteSource(p.theta, p.gammaT, p.gammaS, p.sigmaS),
      transferabilityFtBalanced: fineTuningTransferabilityFiniteSourceBalanced(p.theta, p.gammaT, p.gammaS, p.sigmaS, p.sigmaT),
      breakEvenAngle: breakEvenAngleFiniteSource(p.gammaS, p.sigmaS),
      riskLtInfinite: linearTransferRiskFiniteSource(p.theta, p.gammaS, p.sigmaS),
    }),
  },
  {
    name: 'tahir-phase-boundaries',
    paper: 'Tahir et al. 2025, digest §3.2',
    description:
      'Linear-transfer phase boundaries: the negative lobe (γ_−, γ_+) below γ = 1 (negativeLobe = 1 when it exists; otherwise 0 and γ_∓ = ∞), the over-threshold γ_o = 1 + σ²/sin²θ (∞ at sin θ = 0), and θ_min = arccos(1 − σ) (∞ for σ ≥ 1: no lobe at any angle).',
    params: [tahirTheta, tahirSigma],
    outputs: ['negativeLobe', 'gammaMinus', 'gammaPlus', 'gammaO', 'thetaMin'],
    evaluate: (p) => {
      const lobe = linearTransferNegativeInterval(p.theta, p.sigma);
      return {
        negativeLobe: lobe ? 1 : 0,
        gammaMinus: lobe ? lobe.lower : Infinity,
        gammaPlus: lobe ? lobe.upper : Infinity,
        gammaO: overThresholdGamma(p.theta, p.sigma),
        thetaMin: minimumNegativeAngle(p.sigma),
      };
    },
  },
  {
    name: 'tahir-kl',
    paper: 'Tahir et al. 2025, digest §4',
    description: 'Appendix A: KL(p_s‖p_t) = (1 − cos θ)/σ² for unit teachers at angle θ (σ > 0), beside T_lt at γ (same θ, σ) — KL does not order transferability.',
    params: [tahirTheta, { ...tahirSigma, min: 1e-6, typical: [0.05, 2] }, tahirGamma],
    outputs: ['kl', 'transferabilityLt'],
    evaluate: (p) => ({ kl: klAnglePair(p.theta, p.sigma), transferabilityLt: linearTransferability(p.theta, p.gamma, p.sigma) }),
  },
  {
    name: 'tahir-optimal-ridge',
    paper: 'Tahir et al. 2025 setting, digest §3.1; Dobriban & Wager 2018',
    description:
      'Scratch ridge regression with the oracle λ* = σ²/γ ((XᵀX + nλI) convention, ‖β‖ = 1): R* = λ* m_{1/γ}(−λ*) from the Marchenko–Pastur transform ((1 − γ)₊ at σ = 0), beside the min-norm R_sc.',
    params: [tahirGamma, tahirSigma],
    outputs: ['risk', 'lambda', 'scratchRisk'],
    evaluate: (p) => ({
      risk: optimalRidgeRisk(p.gamma, p.sigma),
      lambda: p.gamma === 0 ? 0 : optimalRidgeLambda(p.gamma, p.sigma),
      scratchRisk: scratchRisk(p.gamma, p.sigma),
    }),
  },
  {
    name: 'anguita-regime',
    paper: 'Anguita et al. 2026, digest §3 (★) and §6',
    description:
      'Fine-tuning scales c_FT = (c_PT + λ_PT)(1 + √(1 + β_PT²/c_PT²)) + γ_FT²/2 on a pretrained (|β_PT|) and a new (β_PT = 0) coordinate, the ℓ-order of the penalty on each at β_FT, the pretraining dependence PD, and the regime (1–4 = I–IV: rich ⇔ ℓ < 1.5, PT-dependent ⇔ |PD| > 0.1). λ_PT is given relative to c_PT.',
    params: [
      { name: 'cPT', description: 'absolute initialisation scale c_PT', default: 1e-3, min: 1e-12, max: 1e3, typical: [1e-6, 10] },
      { name: 'lambdaRatio', description: 'relative scale λ_PT / c_PT (−1: vanishing first layer)', default: -0.99, min: -1, max: 1, typical: [-1, 1] },
      { name: 'gammaFT', description: 'readout re-initialisation scale γ_FT', default: 0, min: 0, max: 1e3, typical: [0, 10] },
      { name: 'betaPT', description: 'pretrained magnitude |β_PT| of an active coordinate', default: 1, min: 0, max: 1e3, typical: [0, 3] },
      { name: 'betaFT', description: 'fine-tuned value β_FT at which ℓ and PD are evaluated', default: 1, min: 1e-12, max: 1e3, typical: [0.01, 10] },
    ],
    outputs: ['cFTActive', 'cFTInactive', 'lOrderActive', 'lOrderInactive', 'ptDependence', 'regime'],
    evaluate: (p) => {
      const params = { cPT: p.cPT, lambdaPT: p.lambdaRatio * p.cPT, gammaFT: p.gammaFT, betaPTActive: p.betaPT, betaFT: p.betaFT };
      const dsc = regimeDescriptors(params);
      return {
        cFTActive: dsc.cFTActive,
        cFTInactive: dsc.cFTInactive,
        lOrderActive: dsc.lOrderActive,
        lOrderInactive: dsc.lOrderInactive,
        ptDependence: dsc.ptDependenceActive,
        regime: ['I', 'II', 'III', 'IV'].indexOf(classifyRegime(params)) + 1,
      };
    },
  },
  {
    name: 'anguita-potential',
    paper: 'Anguita et al. 2026, digest §1.4',
    description: 'The per-coordinate implicit-bias potential q(z) = (c/2)·h(z/c), h(u) = 1 − √(1 + u²) + u·asinh(u) (√k = 2c), its derivative ½asinh(z/c) and its ℓ-order (2: ℓ2-like, → 1: ℓ1-like).',
    params: [
      { name: 'z', description: 'coordinate value β_i', default: 1, min: -1e6, max: 1e6, typical: [-10, 10] },
      { name: 'c', description: 'scale c (c_FT of the coordinate)', default: 1e-3, min: 1e-300, max: 1e6, typical: [1e-6, 10] },
    ],
    outputs: ['q', 'qPrime', 'lOrder'],
    evaluate: (p) => ({ q: qPotential(p.z, p.c), qPrime: qPotentialDerivative(p.z, p.c), lOrder: lOrder(p.z, p.c) }),
  },
  {
    name: 'anguita-replica-error',
    paper: 'Anguita et al. 2026, digest §5 (RS-1, RS-2)',
    description:
      'Replica-symmetric generalisation error E = (1/d)‖β̂ − β*‖² of fine-tuning a diagonal network at α = n/d from the (c_PT, λ_PT, γ_FT) initialisation on a four-group task (ρ_PT, ρ_FT, ω) with label-noise variance σ0², and the fixed point (s², g). An unconverged fixed point raises an error.',
    params: [
      { name: 'rhoPT', description: 'pretraining density ρ_PT', default: 0.1, min: 0, max: 1, typical: [0, 1] },
      { name: 'rhoFT', description: 'fine-tuning density ρ_FT', default: 0.1, min: 1e-6, max: 1, typical: [0.001, 1] },
      { name: 'omega', description: 'overlap ω of the fine-tuning support with the pretraining one', default: 0.5, min: 0, max: 1, typical: [0, 1] },
      { name: 'cPT', description: 'absolute initialisation scale c_PT', default: 1e-3, min: 1e-9, max: 1e3, typical: [1e-6, 10] },
      { name: 'lambdaRatio', description: 'relative layer imbalance λ_PT/c_PT (−1: vanishing first layer)', default: 0, min: -1, max: 1, typical: [-1, 1] },
      { name: 'gammaFT', description: 'readout re-initialisation scale γ_FT (> 0 when λ_PT = −c_PT)', default: 0, min: 0, max: 1e3, typical: [0, 10] },
      { name: 'alpha', description: 'samples per dimension α = n/d', default: 0.2, min: 1e-3, max: 10, typical: [0.01, 1] },
      { name: 'noise', description: 'label-noise variance σ0²', default: 0, min: 0, max: 10, typical: [0, 1] },
    ],
    outputs: ['error', 's2', 'g'],
    check: (p) => checkFourGroupTask({ rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega }),
    bounds: fourGroupBounds,
    evaluate: (p) => {
      const [pt] = replicaCurve({ rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, cPT: p.cPT, lambdaPT: p.lambdaRatio * p.cPT, gammaFT: p.gammaFT, noise: p.noise, alphas: [p.alpha] });
      if (!pt.converged) throw replicaNotConverged(p.alpha, pt.residual);
      return { error: pt.error, s2: pt.s2, g: pt.g };
    },
  },
  {
    name: 'anguita-single-task-error',
    paper: 'Anguita et al. 2026, digest §1.5, §10.3',
    description:
      'Replica error of learning one Bernoulli–Gaussian teacher (density ρ) from the (c, λ) initialisation at α = n/d; independent of λ (the scale is read from the conserved k of the initial network). An unconverged fixed point raises an error.',
    params: [
      { name: 'rho', description: 'teacher density ρ', default: 0.1, min: 1e-6, max: 1, typical: [0.001, 1] },
      { name: 'c', description: 'initialisation scale c', default: 1e-3, min: 1e-9, max: 1e3, typical: [1e-6, 10] },
      { name: 'lambdaRatio', description: 'initialisation imbalance λ/c', default: 0, min: -1, max: 1, typical: [-1, 1] },
      { name: 'alpha', description: 'samples per dimension α = n/d', default: 0.3, min: 1e-3, max: 10, typical: [0.01, 1] },
      { name: 'noise', description: 'label-noise variance σ0²', default: 0, min: 0, max: 10, typical: [0, 1] },
    ],
    outputs: ['error'],
    evaluate: (p) => {
      const [pt] = singleTaskReplicaCurve({ rho: p.rho, c: p.c, lambda: p.lambdaRatio * p.c, noise: p.noise, alphas: [p.alpha] });
      if (!pt.converged) throw replicaNotConverged(p.alpha, pt.residual);
      return { error: pt.error };
    },
  },
  {
    name: 'anguita-best-regime',
    paper: 'Anguita et al. 2026, digest §5–§6',
    description:
      'For a task (ρ_PT, ρ_FT, ω) and α = n/d: the replica generalisation error of fine-tuning from each of the four regimes at c_PT (I: λ = −c, γ = 1e-6; II: λ = 0, γ = 0; III: λ = 0, γ = 10; IV: λ = −0.99c, γ = 0) and which is lowest (1–4 = I–IV). Noiseless; each value is a converged replica fixed point (an unconverged one raises an error).',
    params: [
      { name: 'rhoPT', description: 'pretraining density ρ_PT', default: 0.1, min: 0, max: 1, typical: [0, 1] },
      { name: 'rhoFT', description: 'fine-tuning density ρ_FT', default: 0.01, min: 1e-6, max: 1, typical: [0.001, 1] },
      { name: 'omega', description: 'overlap ω of the fine-tuning support with the pretraining one', default: 1, min: 0, max: 1, typical: [0, 1] },
      { name: 'alpha', description: 'samples per dimension α = n/d', default: 0.05, min: 1e-3, max: 1, typical: [0.01, 1] },
      { name: 'cPT', description: 'absolute initialisation scale c_PT', default: 1e-3, min: 1e-9, max: 1e3, typical: [1e-6, 10] },
    ],
    outputs: ['errorI', 'errorII', 'errorIII', 'errorIV', 'best'],
    check: (p) => checkFourGroupTask({ rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega }),
    bounds: fourGroupBounds,
    evaluate: (p) => {
      const inits = [
        { lambdaPT: -p.cPT, gammaFT: 1e-6 },
        { lambdaPT: 0, gammaFT: 0 },
        { lambdaPT: 0, gammaFT: 10 },
        { lambdaPT: -0.99 * p.cPT, gammaFT: 0 },
      ];
      const errors = inits.map((init, k) => {
        const [pt] = replicaCurve({ rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, cPT: p.cPT, ...init, alphas: [p.alpha] });
        if (!pt.converged) throw replicaNotConverged(p.alpha, pt.residual, ['I', 'II', 'III', 'IV'][k]);
        return pt.error;
      });
      let best = 0;
      errors.forEach((e, k) => {
        if (e < errors[best]) best = k;
      });
      return { errorI: errors[0], errorII: errors[1], errorIII: errors[2], errorIV: errors[3], best: best + 1 };
    },
  },
];

export function getTheory(name: string): TheoryFunction {
  const t = THEORY.find((x) => x.name === name);
  if (!t) throw new RangeError(`theory: unknown function "${name}"; allowed: ${THEORY.map((x) => x.name).join(', ')}`);
  return t;
}

/** Check one parameter value against its declared range; the error names field, value and range. */
export function checkTheoryParam(fn: TheoryFunction, param: TheoryParam, value: number): void {
  const problem = rangeProblem(param, value);
  if (problem) throw new RangeError(`${fn.name}: --${param.name}: ${problem}`);
}

/** The default largest theory grid, in points. */
export const DEFAULT_MAX_THEORY_POINTS = 1_000_000;

/**
 * Evaluate on the cartesian grid of the given value lists (missing parameters take their defaults). A grid of
 * more than `maxPoints` points (the product of the lists' lengths, counted before anything is evaluated) is refused.
 * A row whose outputs are not all finite carries `nonFinite` flags (src/nonFinite.ts).
 */
export function evaluateTheoryGrid(fn: TheoryFunction, lists: Record<string, number[]>, options: { maxPoints?: number } = {}): TheoryRow[] {
  for (const key of Object.keys(lists)) {
    if (!fn.params.some((p) => p.name === key)) {
      throw new RangeError(`${fn.name}: unknown parameter --${key}; allowed: ${fn.params.map((p) => `--${p.name}`).join(', ')}`);
    }
  }
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_THEORY_POINTS;
  const lengths = fn.params.map((p) => lists[p.name]?.length ?? 1);
  const points = lengths.reduce((a, b) => a * b, 1);
  if (points > maxPoints) {
    const n = (v: number) => v.toLocaleString('en-US');
    throw new RangeError(`${fn.name}: ${lengths.filter((l) => l > 1).join(' × ')} = ${n(points)} grid points; the limit is ${n(maxPoints)} (--max-points N on ftlab theory, or the maxPoints option of evaluateTheoryGrid, to raise it)`);
  }
  let grid: Record<string, number>[] = [{}];
  for (const param of fn.params) {
    const values = lists[param.name] ?? [param.default];
    for (const v of values) checkTheoryParam(fn, param, v);
    grid = grid.flatMap((g) => values.map((v) => ({ ...g, [param.name]: v })));
  }
  return grid.map((params) => {
    fn.check?.(params);
    const values = fn.evaluate(params);
    for (const [k, v] of Object.entries(values)) {
      if (Number.isNaN(v)) throw new RangeError(`${fn.name}: output ${k} is NaN at ${JSON.stringify(params)}`);
    }
    const nonFinite = flagRecord(values, (output) => fn.nonFiniteReason?.(params, output));
    return nonFinite ? { params, values, nonFinite } : { params, values };
  });
}
