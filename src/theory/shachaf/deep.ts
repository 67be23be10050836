/**
 * Implicit bias of fine-tuning a deep linear network from balanced pretrained weights (Shachaf et al.
 * 2021; digest §4.2–4.5):
 *
 *  - trajectory invariant (I − P) w(t) = (‖w(t)‖/‖θ_S‖)^{(L−1)/L} (I − P) θ_S under gradient flow;
 *  - the limit w_L = X⁺y + κ_L (I − P) θ_S with κ_L = (ρ/‖θ_S‖)^{(L−1)/L}, where ρ = ‖w_L‖ is the unique
 *    positive root of ρ² = A + B (ρ/s)^{2(L−1)/L}, A = ‖X⁺y‖², B = ‖(I − P)θ_S‖², s = ‖θ_S‖;
 *  - the infinite-depth limit κ_∞ = ‖X⁺y‖/‖Pθ_S‖, which is invariant to the scale of θ_S;
 *  - §4.3 the effective source κ_L θ_S: noiselessly R_L = ‖Σ^{1/2}(I − P)(θ_T − κ_L θ_S)‖², i.e. a depth-L
 *    fine-tune is a linear fine-tune from κ_L θ_S; rescaling θ_S by c acts like c^{1/L} (source scaling);
 *  - freezing W_1 of a balanced (rank-one) network confines w to span(θ_S): the limit is the
 *    least-squares multiple c* θ_S and the risk cannot fall below min_c ‖Σ^{1/2}(θ_T − cθ_S)‖²;
 *    training only W_1 gives the depth-1 (linear) solution θ_S + X⁺(y − Xθ_S).
 */
import type { Mat } from '../../numeric/matrix.js';
import { dot, matVec } from '../../numeric/matrix.js';
import { minNormSolve } from '../../numeric/linalg.js';
import { brentRoot, type SolverResult } from '../../numeric/solve.js';
import { type Covariance, sigmaNorm2 } from '../../numeric/covariance.js';

/** Depth: a positive integer, or Infinity for the L → ∞ limit. */
export type Depth = number;

export interface KappaInputs {
  /** A = ‖X⁺y‖². */
  a: number;
  /** B = ‖(I − P)θ_S‖². */
  b: number;
  /** s = ‖θ_S‖. */
  s: number;
  /** ‖Pθ_S‖ (needed for L = ∞). */
  pNorm: number;
}

/**
 * κ_L from the scalar equation of digest §4.2 (Brent's method on log ρ; residual = relative defect of the
 * equation). L = 1 gives κ = 1 (linear fine-tuning); L = Infinity gives κ_∞ = √A/‖Pθ_S‖.
 */
export function solveKappa(inp: KappaInputs, L: Depth): SolverResult<number> {
  if (!(L >= 1)) throw new RangeError(`L: expected an integer ≥ 1 or Infinity (got ${L})`);
  if (L === 1) return { value: 1, converged: true, iterations: 0, residual: 0 };
  if (L === Infinity) {
    if (!(inp.pNorm > 0)) throw new RangeError(`pNorm: expected ‖Pθ_S‖ > 0 for L = ∞ (got ${inp.pNorm}; θ_S orthogonal to the data leaves κ_∞ undefined)`);
    return { value: Math.sqrt(inp.a) / inp.pNorm, converged: true, iterations: 0, residual: 0 };
  }
  const p = (L - 1) / L;
  if (inp.b === 0) return { value: Math.pow(Math.sqrt(inp.a) / inp.s, p), converged: true, iterations: 0, residual: 0 };
  // h(t) = e^{2t} − A − B e^{2p(t − ln s)} is negative at ρ = √A (or tiny) and positive for large ρ.
  const h = (t: number) => Math.exp(2 * t) - inp.a - inp.b * Math.exp(2 * p * (t - Math.log(inp.s)));
  let lo = Math.log(Math.max(Math.sqrt(inp.a), 1e-300));
  if (h(lo) > 0) lo = Math.log(1e-300);
  let hi = Math.log(Math.sqrt(inp.a + inp.b) + inp.s + 1);
  while (h(hi) <= 0) hi += 1;
  if (!Number.isFinite(h(hi))) {
    // Only for B > s² (impossible for a projection of θ_S): the root ρ grows like s·(B/s²)^{L/2}.
    throw new RangeError(`L: κ_L overflows float64 at L = ${L} with B = ${inp.b} > s² = ${inp.s * inp.s} (expected B ≤ s², or a depth below ${Math.floor(709 / Math.log(inp.b / (inp.s * inp.s)))})`);
  }
  const root = brentRoot(h, lo, hi, { xTol: 1e-15 });
  const rho = Math.exp(root.value);
  return {
    value: Math.pow(rho / inp.s, p),
    converged: root.converged,
    iterations: root.iterations,
    residual: Math.abs(h(root.value)) / (rho * rho),
  };
}

export interface DeepSolution {
  w: Float64Array;
  kappa: number;
  converged: boolean;
  iterations: number;
  residual: number;
}

/** The pieces X⁺y, Pθ_S and (I − P)θ_S for a dataset. */
export function rowSpaceSplit(x: Mat, y: ArrayLike<number>, thetaS: ArrayLike<number>) {
  const minNorm = minNormSolve(x, y);
  const pThetaS = minNormSolve(x, matVec(x, thetaS));
  const perp = Float64Array.from(thetaS, (v, i) => v - pThetaS[i]);
  return { minNorm, pThetaS, perp };
}

/** The implicit-bias limit w_L = X⁺y + κ_L (I − P)θ_S of fine-tuning a balanced depth-L network. */
export function deepFineTunedSolution(x: Mat, y: ArrayLike<number>, thetaS: ArrayLike<number>, L: Depth): DeepSolution {
  const { minNorm, pThetaS, perp } = rowSpaceSplit(x, y, thetaS);
  const kappa = solveKappa({ a: dot(minNorm, minNorm), b: dot(perp, perp), s: Math.sqrt(dot(thetaS, thetaS)), pNorm: Math.sqrt(dot(pThetaS, pThetaS)) }, L);
  const w = Float64Array.from(minNorm, (v, i) => v + kappa.value * perp[i]);
  return { w, kappa: kappa.value, converged: kappa.converged, iterations: kappa.iterations, residual: kappa.residual };
}

/**
 * The trajectory invariant's defect at one point of a run: ‖(I − P)w − (‖w‖/‖θ_S‖)^{(L−1)/L}(I − P)θ_S‖
 * divided by ‖(I − P)θ_S‖. Zero along exact gradient flow from a balanced start.
 */
export function invariantDefect(x: Mat, w: ArrayLike<number>, thetaS: ArrayLike<number>, L: number): number {
  const pw = minNormSolve(x, matVec(x, w));
  const ps = minNormSolve(x, matVec(x, thetaS));
  const factor = Math.pow(Math.sqrt(dot(w, w)) / Math.sqrt(dot(thetaS, thetaS)), (L - 1) / L);
  let num = 0;
  let den = 0;
  for (let i = 0; i < w.length; i++) {
    const perpS = thetaS[i] - ps[i];
    num += (w[i] - pw[i] - factor * perpS) ** 2;
    den += perpS * perpS;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/**
 * R_L through the effective source (digest §4.3, noiseless labels): ‖Σ^{1/2}(I − P)(θ_T − κ_L θ_S)‖².
 * Equals the exact risk of the depth-L limit when y = Xθ_T.
 */
export function effectiveSourceRisk(cov: Covariance, x: Mat, thetaS: ArrayLike<number>, thetaT: ArrayLike<number>, kappa: number): number {
  const deltaL = Float64Array.from(thetaT, (v, i) => v - kappa * thetaS[i]);
  const p = minNormSolve(x, matVec(x, deltaL));
  return sigmaNorm2(cov, Float64Array.from(deltaL, (v, i) => v - p[i]));
}

/** Least-squares multiple of θ_S on the data: the limit of fine-tuning with W_1 frozen (balanced start). */
export function frozenFirstLayerSolution(x: Mat, y: ArrayLike<number>, thetaS: ArrayLike<number>): Float64Array {
  const xs = matVec(x, thetaS);
  const c = dot(xs, y) / dot(xs, xs);
  return Float64Array.from(thetaS, (v) => c * v);
}

/** The freezing floor min_c ‖Σ^{1/2}(θ_T − cθ_S)‖² = θ_TᵀΣθ_T − (θ_SᵀΣθ_T)²/(θ_SᵀΣθ_S). */
export function frozenRiskFloor(cov: Covariance, thetaS: ArrayLike<number>, thetaT: ArrayLike<number>): number {
  const ss = sigmaNorm2(cov, thetaS);
  const tt = sigmaNorm2(cov, thetaT);
  const sum = Float64Array.from(thetaS, (v, i) => v + thetaT[i]);
  const st = (sigmaNorm2(cov, sum) - ss - tt) / 2;
  return Math.max(tt - (st * st) / ss, 0);
}

/** Source-scaling rule: multiplying θ_S (end to end) by c acts on the effective source like c^{1/L}. */
export function effectiveSourceScale(c: number, L: Depth): number {
  if (!(c > 0)) throw new RangeError(`c: expected a number > 0 (got ${c})`);
  return L === Infinity ? 1 : Math.pow(c, 1 / L);
}
