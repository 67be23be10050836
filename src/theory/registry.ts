/**
 * The theory functions `ftlab theory` (and the web page) can evaluate from scalar parameters: each
 * entry lists its parameters with meaning, default and allowed range, and evaluates to named numbers.
 */
import { spectrumValues } from '../numeric/covariance.js';
import {
  deterministicEquivalentRisk,
  expectedRiskIsotropic,
  expectedRiskLowRank,
  isotropicVarianceFactor,
  sampleComplexityLowRank,
  similarityHeadTail,
} from './shachaf/linear.js';
import { effectiveSourceScale, solveKappa } from './shachaf/deep.js';
import { ntkMeasureBound } from './shachaf/ntk.js';

export interface TheoryParam {
  name: string;
  description: string;
  default: number;
  min: number;
  max: number;
  integer?: boolean;
}

export interface TheoryFunction {
  name: string;
  paper: string;
  description: string;
  params: TheoryParam[];
  /** Names of the outputs, in order. */
  outputs: string[];
  evaluate(p: Record<string, number>): Record<string, number>;
}

const MAXD = 100000;

/** Expected coordinates δ_i² of a Δ with energy ‖Δ‖² spread evenly over eigen-band [start, end). */
function bandEnergy(d: number, start: number, end: number, norm2: number): Float64Array {
  if (!(start < end) || end > d) throw new RangeError(`bandStart, bandEnd: expected 0 ≤ bandStart < bandEnd ≤ d = ${d}, got ${start}, ${end}`);
  const out = new Float64Array(d);
  for (let i = start; i < end; i++) out[i] = Math.sqrt(norm2 / (end - start));
  return out;
}

const powerLawBandParams: TheoryParam[] = [
  { name: 'd', description: 'input dimension', default: 400, min: 1, max: MAXD, integer: true },
  { name: 'n', description: 'target samples', default: 20, min: 1, max: 1e7, integer: true },
  { name: 'exponent', description: 'power-law exponent a (λ_i = i^(−a))', default: 1, min: 0, max: 10 },
  { name: 'deltaNorm2', description: '‖Δ‖² = ‖θ_T − θ_S‖²', default: 1, min: 0, max: 1e6 },
  { name: 'bandStart', description: 'first eigendirection of Δ (0-based)', default: 0, min: 0, max: MAXD, integer: true },
  { name: 'bandEnd', description: 'one past the last eigendirection of Δ', default: 10, min: 1, max: MAXD, integer: true },
];

export const THEORY: TheoryFunction[] = [
  {
    name: 'shachaf-risk-isotropic',
    paper: 'Shachaf et al. 2021, digest §3.3(b)',
    description: 'E R of linear fine-tuning for Σ = s² I: s²(1 − n/d)₊‖Δ‖² + σ² n/(d − n − 1) (scratch: put ‖θ_T‖² for ‖Δ‖²).',
    params: [
      { name: 'd', description: 'input dimension', default: 100, min: 1, max: MAXD, integer: true },
      { name: 'n', description: 'target samples', default: 10, min: 0, max: 1e7, integer: true },
      { name: 'deltaNorm2', description: '‖θ_T − θ_S‖²', default: 1, min: 0, max: 1e6 },
      { name: 'scale', description: 'eigenvalue s² of Σ', default: 1, min: 1e-12, max: 1e6 },
      { name: 'noise', description: 'label noise s.d. σ', default: 0, min: 0, max: 1e3 },
    ],
    outputs: ['risk', 'bias', 'variance'],
    evaluate: (p) => {
      const bias = expectedRiskIsotropic({ d: p.d, n: p.n, deltaNorm2: p.deltaNorm2, scale: p.scale, noise: 0 });
      const variance = p.noise === 0 ? 0 : p.noise * p.noise * isotropicVarianceFactor(p.n, p.d);
      return { risk: bias + variance, bias, variance };
    },
  },
  {
    name: 'shachaf-risk-lowrank',
    paper: 'Shachaf et al. 2021, digest §3.3(c)',
    description: 'E R of linear fine-tuning for Σ = s² U Uᵀ of rank r: s²(1 − n/r)₊‖UᵀΔ‖² + σ² · (n/(r−n−1) or r/(n−r−1)).',
    params: [
      { name: 'rank', description: 'rank r of Σ', default: 20, min: 1, max: MAXD, integer: true },
      { name: 'n', description: 'target samples', default: 10, min: 0, max: 1e7, integer: true },
      { name: 'deltaInRange2', description: '‖UᵀΔ‖², the energy of Δ in range(Σ)', default: 1, min: 0, max: 1e6 },
      { name: 'scale', description: 'non-zero eigenvalue s² of Σ', default: 1, min: 1e-12, max: 1e6 },
      { name: 'noise', description: 'label noise s.d. σ', default: 0, min: 0, max: 1e3 },
    ],
    outputs: ['risk'],
    evaluate: (p) => ({ risk: expectedRiskLowRank({ rank: p.rank, scale: p.scale, n: p.n, deltaInRange2: p.deltaInRange2, noise: p.noise }) }),
  },
  {
    name: 'shachaf-sample-complexity',
    paper: 'Shachaf et al. 2021, digest §3.3(b)–(c)',
    description: 'Samples needed for noiseless E R ≤ ε: r(1 − ε/(s²‖UᵀΔ‖²))₊ (isotropic: r = d, s² = 1); scratch: ‖θ_T‖² for ‖UᵀΔ‖².',
    params: [
      { name: 'rank', description: 'rank r of Σ (d if isotropic)', default: 100, min: 1, max: MAXD, integer: true },
      { name: 'deltaInRange2', description: '‖UᵀΔ‖²', default: 1, min: 0, max: 1e6 },
      { name: 'scale', description: 'eigenvalue s²', default: 1, min: 1e-12, max: 1e6 },
      { name: 'epsilon', description: 'target risk ε', default: 0.1, min: 1e-12, max: 1e6 },
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
      { name: 'noise', description: 'label noise s.d. σ', default: 0, min: 0, max: 1e3 },
    ],
    outputs: ['risk', 'bias', 'variance', 'kappa', 'zeroShot', 'converged'],
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
    params: [...powerLawBandParams, { name: 'k', description: 'head size k', default: 10, min: 0, max: MAXD, integer: true }],
    outputs: ['sk'],
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
      { name: 'A', description: '‖X⁺y‖²', default: 0.1, min: 0, max: 1e12 },
      { name: 'B', description: '‖(I − P)θ_S‖²', default: 0.9, min: 0, max: 1e12 },
      { name: 's', description: '‖θ_S‖', default: 1, min: 1e-12, max: 1e6 },
      { name: 'pNorm', description: '‖Pθ_S‖ (used for L = ∞)', default: 0.3, min: 0, max: 1e6 },
      { name: 'L', description: 'depth (0 = ∞)', default: 7, min: 0, max: 1e6, integer: true },
    ],
    outputs: ['kappa', 'converged'],
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
      { name: 'c', description: 'end-to-end scale of θ_S', default: 4, min: 1e-12, max: 1e12 },
      { name: 'L', description: 'depth (0 = ∞)', default: 7, min: 0, max: 1e6, integer: true },
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
      { name: 'projectedDistance', description: '‖P(θ_T − θ_S)‖, P the projector onto the span of the target inputs', default: 0.5, min: 0, max: 1e6 },
      { name: 'n', description: 'target samples', default: 10, min: 1, max: 1e9, integer: true },
    ],
    outputs: ['bound'],
    evaluate: (p) => ({ bound: ntkMeasureBound(p.projectedDistance, p.n) }),
  },
];

export function getTheory(name: string): TheoryFunction {
  const t = THEORY.find((x) => x.name === name);
  if (!t) throw new RangeError(`theory: unknown function "${name}"; allowed: ${THEORY.map((x) => x.name).join(', ')}`);
  return t;
}

/** Check one parameter value against its declared range; the error names field, value and range. */
export function checkTheoryParam(fn: TheoryFunction, param: TheoryParam, value: number): void {
  const kind = param.integer ? 'an integer' : 'a number';
  const ok = Number.isFinite(value) && value >= param.min && value <= param.max && (!param.integer || Number.isInteger(value));
  if (!ok) throw new RangeError(`${fn.name}: --${param.name}: expected ${kind} in [${param.min}, ${param.max}] (got ${value})`);
}

/** Evaluate on the cartesian grid of the given value lists (missing parameters take their defaults). */
export function evaluateTheoryGrid(fn: TheoryFunction, lists: Record<string, number[]>): { params: Record<string, number>; values: Record<string, number> }[] {
  for (const key of Object.keys(lists)) {
    if (!fn.params.some((p) => p.name === key)) {
      throw new RangeError(`${fn.name}: unknown parameter --${key}; allowed: ${fn.params.map((p) => `--${p.name}`).join(', ')}`);
    }
  }
  let grid: Record<string, number>[] = [{}];
  for (const param of fn.params) {
    const values = lists[param.name] ?? [param.default];
    for (const v of values) checkTheoryParam(fn, param, v);
    grid = grid.flatMap((g) => values.map((v) => ({ ...g, [param.name]: v })));
  }
  return grid.map((params) => {
    const values = fn.evaluate(params);
    for (const [k, v] of Object.entries(values)) {
      if (Number.isNaN(v)) throw new RangeError(`${fn.name}: output ${k} is NaN at ${JSON.stringify(params)}`);
    }
    return { params, values };
  });
}
