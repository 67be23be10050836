/**
 * Replica-symmetric generalisation error of fine-tuning two-layer diagonal linear networks, Anguita et al. (2026),
 * digest `anguita-pretraining-inductive-bias.md`:
 *
 *  - §4: four coordinate groups (shared, new, PT-only, neither) with weights p_g (`groupProbabilities`), FT teacher
 *    β* ~ N(0, v_g), v_g = 1/ρ_FT on groups 0–1 and 0 on groups 2–3, PT amplitude a_PT (default 1) on groups 0, 2;
 *    per-group scale c_FT,g from the re-initialisation rule (★) (`fineTuneScale`, §2.2), √k_g = 2c_FT,g.
 *  - §5.2: the scalar channel z = β* + s·ξ, x̂ = prox_{g q_k}(z), the root of x − z + (g/2)·asinh(x/c) = 0, its
 *    derivative η'(z) = ∂x̂/∂z = 1/(1 + g/(2√(c² + x̂²))), and the RS equations in the code's (s², g) form
 *      (RS-1) s² = (σ0² + E)/α,  E = E[(x̂ − β*)²];   (RS-2) g = γ_ext + (g/α)·E[η'(z)]   (E[σ²] = g·E[η']).
 *  - §5.5: expectations by deterministic quadrature. Per group z ~ N(0, v + s²) and β* | z ~ N(μ(z), τ²) with
 *    μ = z v/(v + s²), τ² = v s²/(v + s²), so E = Σ_g p_g ∫ Dz [(x̂ − μ)² + τ²] and E[η'] = Σ_g p_g ∫ Dz η'.
 *    The integrands are even in z; the half-line is split at the prox "kink" (where η' = ½) and integrated by
 *    composite Gauss–Legendre (`gaussLegendre`, src/theory/tahir/randomMatrix.ts). A seeded Monte-Carlo
 *    evaluation (`replicaExpectationsMonteCarlo`, the authors' §5.4 scheme) exists only as a cross-check.
 *  - §5.5 pitfalls: every α is started either from the null estimator (s² = (E[β*²] + σ0²)/α, g solving (RS-2)
 *    there; never from the spurious s² = 0 point) or by continuation from its neighbour in the α list; relative
 *    tolerances; points that do not converge are returned with `converged: false`. The solver is the damped fixed-point iteration of
 *    (RS-1, RS-2) in (log s², log g) with adaptive damping, accelerated by Newton steps on its residual (§5.4 uses
 *    plain damping 0.25; that needs ~1000 iterations near transitions, ~100× slower; available as `newton: false`).
 *    Where Newton stalls (a flat residual near exact recovery) the solve falls back to the plain iteration.
 *    `starts: 'both'` adds the authors' backward sweep from an informed start and flags coexisting fixed points.
 *  - §1.5 / §10.3: single-task learning from the (c, λ) initialisation as a two-group mixture
 *    (`singleTaskReplicaGroups`, `singleTaskReplicaCurve`), its scale read from the conserved k of the initial network.
 *  - §6.2 / §10: regimes I–IV and reference values (checked in test/anguita-replica.test.ts).
 *
 * Bad input throws a RangeError naming the field and the allowed range; no function returns NaN.
 */
import { cLambdaInit, fineTuneScale, invariants } from '../../models/diagonal.js';
import { brentRoot, type SolverResult } from '../../numeric/solve.js';
import { createRng } from '../../numeric/rng.js';
import { groupProbabilities, checkFourGroupTask } from '../../tasks/sparseTeachers.js';
import { gaussLegendre } from '../tahir/randomMatrix.js';
import { expectFinite, expectNonNegativeFinite, expectPositiveFinite, scaledCosh, scaledSinh } from './potential.js';

// ---------------------------------------------------------------------------------------------------
// Proximal step of q_k

/** Result of the prox of g·q_k at one point. */
export interface ProxResult {
  /** x̂ = prox_{g q_k}(z). */
  x: number;
  /** η'(z) = ∂x̂/∂z = 1/(1 + g/(2√(c² + x̂²))) ∈ (0, 1]. */
  derivative: number;
  /** asinh(x̂/c): x̂ − z = −(g/2)·y exactly (used to avoid cancellation). */
  y: number;
  /** Newton iterations used. */
  iterations: number;
}

function proxUnchecked(z: number, g: number, c: number, lowerHint = 0): ProxResult {
  const a = Math.abs(z);
  if (a === 0) return { x: 0, derivative: (2 * c) / (2 * c + g), y: 0, iterations: 0 };
  // Solve G(y) = c·sinh(y) + (g/2)·y − |z| = 0 for y = asinh(x/c) ≥ 0. G is increasing and convex, and
  // y0 = min(2|z|/g, asinh(|z|/c)) ≥ y*, so Newton from y0 decreases monotonically to the root; the bracket
  // [lo, hi] guards against rounding (bisection if a step leaves it).
  const asinhZ = Number.isFinite(a / c) ? Math.asinh(a / c) : Math.log(2 * a) - Math.log(c);
  // lowerHint: a known lower bound on y* (the root at a smaller |z|; x̂ is increasing). From below, the first
  // Newton step of the convex G overshoots to the right of the root, after which the iteration is monotone.
  let hi = Math.min((2 * a) / g, asinhZ);
  let lo = 0;
  let y = hi;
  if (lowerHint > 0 && lowerHint < hi) {
    // Validate the hint: G(hint) ≤ 0 makes it a lower bound, otherwise it is a (tighter) upper bound.
    if (scaledSinh(c, lowerHint) + (g / 2) * lowerHint - a <= 0) lo = lowerHint;
    else hi = lowerHint;
    y = lowerHint;
  }
  let it = 0;
  for (; it < 200; it++) {
    const G = scaledSinh(c, y) + (g / 2) * y - a;
    if (G === 0) break;
    if (G > 0) hi = y;
    else lo = y;
    const dG = scaledCosh(c, y) + g / 2;
    let yNew = y - G / dG;
    if (!(yNew > lo && yNew < hi)) yNew = 0.5 * (lo + hi);
    const step = Math.abs(yNew - y);
    y = yNew;
    // Newton's error after a step δ is ≤ δ²/2 here (G''/G' ≤ 1), so δ ≤ 1e-9·y leaves a relative error < 1e-17.
    if ((step <= 1e-9 * y && yNew !== 0.5 * (lo + hi)) || hi - lo <= 2e-16 * hi) break;
  }
  const x = Math.min(scaledSinh(c, y), a);
  const q = 2 * scaledCosh(c, y);
  const derivative = q / (q + g);
  const s = Math.sign(z);
  return { x: s * x, derivative, y: s * y, iterations: it + 1 };
}

/**
 * prox of g·q_k at z (§5.2): the unique root of x − z + (g/2)·asinh(x/c) = 0 (c = c_FT = √k/2), by safeguarded,
 * bracketed Newton in y = asinh(x/c) (monotone convergence from above), and its derivative ∂x̂/∂z.
 * Throws a RangeError unless z is finite and g, c are finite and > 0.
 */
export function proxQ(z: number, g: number, cFT: number): ProxResult {
  expectFinite('z', z);
  expectPositiveFinite('g', g);
  expectPositiveFinite('cFT', cFT);
  return proxUnchecked(z, g, cFT);
}

// ---------------------------------------------------------------------------------------------------
// Model setup

export interface ReplicaParams {
  /** Pretraining density ρ_PT ∈ [0, 1]. */
  rhoPT: number;
  /** Fine-tuning density ρ_FT ∈ (0, 1]. */
  rhoFT: number;
  /** Overlap ω ∈ [0, 1] with ωρ_FT ≤ ρ_PT and ρ_PT + (1 − ω)ρ_FT ≤ 1. */
  omega: number;
  /** Pretraining scale c_PT > 0. */
  cPT: number;
  /** Pretraining imbalance λ_PT ∈ [−c_PT, c_PT]. */
  lambdaPT: number;
  /** Fine-tuning readout re-initialisation γ_FT ≥ 0 (> 0 when λ_PT = −c_PT). */
  gammaFT: number;
  /** Label-noise variance σ0² ≥ 0 (default 0). */
  noise?: number;
  /** Pretraining amplitude a_PT > 0 on the PT support (default 1). */
  aPT?: number;
}

/** One group of the mixture: weight p, FT prior variance v and fine-tuning scale c. */
export interface ReplicaGroup {
  weight: number;
  variance: number;
  cFT: number;
}

/** Validates the parameters and returns the four groups (§10.5 step 1). Groups of weight 0 are kept. */
export function replicaGroups(params: ReplicaParams): ReplicaGroup[] {
  if (typeof params !== 'object' || params === null) throw new RangeError('params: expected an object');
  for (const f of ['rhoPT', 'rhoFT', 'omega', 'cPT', 'lambdaPT', 'gammaFT'] as const) expectFinite(f, params[f]);
  checkFourGroupTask({ rhoPT: params.rhoPT, rhoFT: params.rhoFT, omega: params.omega });
  expectPositiveFinite('cPT', params.cPT);
  if (!(Math.abs(params.lambdaPT) <= params.cPT)) {
    throw new RangeError(`lambdaPT: expected a number in [−cPT, cPT] = [${-params.cPT}, ${params.cPT}] (got ${params.lambdaPT})`);
  }
  expectNonNegativeFinite('gammaFT', params.gammaFT);
  if (params.noise !== undefined) expectNonNegativeFinite('noise', params.noise);
  const aPT = params.aPT ?? 1;
  expectPositiveFinite('aPT', aPT);
  const p = groupProbabilities({ rhoPT: params.rhoPT, rhoFT: params.rhoFT, omega: params.omega });
  const cActive = fineTuneScale(aPT, params.cPT, params.lambdaPT, params.gammaFT);
  const cInactive = fineTuneScale(0, params.cPT, params.lambdaPT, params.gammaFT);
  if (!(cActive > 0) || !(cInactive > 0) || !Number.isFinite(cActive)) {
    throw new RangeError(`gammaFT: expected a number > 0 when lambdaPT = −cPT (got ${params.gammaFT}; c_FT would be 0)`);
  }
  const v = 1 / params.rhoFT;
  return [
    { weight: p[0], variance: v, cFT: cActive },
    { weight: p[1], variance: v, cFT: cInactive },
    { weight: p[2], variance: 0, cFT: cActive },
    { weight: p[3], variance: 0, cFT: cInactive },
  ];
}

export interface SingleTaskReplicaParams {
  /** Teacher density ρ ∈ (0, 1]: β*_i ~ Bernoulli(ρ)·N(0, a²/ρ) (digest §4, Experiment 4). */
  rho: number;
  /** Initialisation scale c > 0 of the (c, λ) initialisation (§1.3). */
  c: number;
  /** Initialisation imbalance λ ∈ [−c, c]. */
  lambda: number;
  /** Teacher amplitude a > 0 (default 1; E[β*²] = a²). */
  amplitude?: number;
  /** Label-noise variance σ0² ≥ 0 (default 0). */
  noise?: number;
}

/**
 * Single-task learning from the (c, λ) initialisation (§1.5, Experiment 4) as a two-group mixture: active (weight ρ,
 * prior variance a²/ρ) and inactive (weight 1 − ρ, variance 0). The scale is read from the quantities gradient flow
 * conserves at the initial network, √k/2 with k = (λ⁺ − λ⁻)² + 4c_i² (src/models/diagonal.ts `invariants`), rather
 * than set to c by hand, so the λ-independence the theory predicts is a property the code has to reproduce.
 */
export function singleTaskReplicaGroups(params: SingleTaskReplicaParams): ReplicaGroup[] {
  if (typeof params !== 'object' || params === null) throw new RangeError('params: expected an object');
  expectFinite('rho', params.rho);
  if (!(params.rho > 0 && params.rho <= 1)) throw new RangeError(`rho: expected a number in (0, 1] (got ${params.rho})`);
  expectPositiveFinite('c', params.c);
  expectFinite('lambda', params.lambda);
  const amplitude = params.amplitude ?? 1;
  expectPositiveFinite('amplitude', amplitude);
  if (params.noise !== undefined) expectNonNegativeFinite('noise', params.noise);
  const inv = invariants(cLambdaInit(1, params.c, params.lambda));
  const cEff = Math.sqrt(inv.k[0]) / 2;
  if (!(cEff > 0)) throw new RangeError(`c: the initial scale √k/2 is 0 at c = ${params.c}, λ = ${params.lambda}`);
  return [
    { weight: params.rho, variance: (amplitude * amplitude) / params.rho, cFT: cEff },
    { weight: 1 - params.rho, variance: 0, cFT: cEff },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Expectations

/** E = E[(x̂ − β*)²] and E[η'] at a given (s², g). */
export interface ReplicaExpectations {
  error: number;
  meanDerivative: number;
}

export interface QuadratureOptions {
  /** Truncation of the standardised half-line [0, tMax] (default 9: the Gaussian tail beyond is < 1e-18). */
  tMax?: number;
  /** Target panel width in standard deviations (default 1). */
  panelWidth?: number;
  /** Gauss–Legendre order per panel (default 16). */
  order?: number;
}

function addPanels(out: number[], a: number, b: number, width: number): void {
  if (!(b > a)) return;
  const n = Math.max(1, Math.ceil((b - a) / width));
  for (let i = 1; i <= n; i++) out.push(a + ((b - a) * i) / n);
}

/**
 * Exact expectations of §5.5 by quadrature: for each group, z = σ_z t with σ_z² = v + s², t ~ N(0, 1), even
 * integrands integrated over t ∈ [0, tMax] with 2φ(t). Panels are refined around the kink of the prox
 * (z_k = c·sinh y_k + (g/2)·y_k with c·cosh y_k = g/2, or z_k = 0 when c ≥ g/2; width ~max(g, c)), where η' jumps
 * from ≈0 to ≈1 when c ≪ g.
 * x̂ − μ is formed as −(g/2)·asinh(x̂/c) + z·s²/(v + s²) to avoid cancellation when s² is tiny.
 */
export function replicaExpectations(groups: readonly ReplicaGroup[], s2: number, g: number, options: QuadratureOptions = {}): ReplicaExpectations {
  expectPositiveFinite('s2', s2);
  expectPositiveFinite('g', g);
  const tMax = options.tMax ?? 9;
  const width = options.panelWidth ?? 1;
  const order = options.order ?? 16;
  expectPositiveFinite('tMax', tMax);
  expectPositiveFinite('panelWidth', width);
  const rule = gaussLegendre(order);
  const ascending = rule.nodes[0] <= rule.nodes[order - 1];
  const norm = Math.sqrt(2 / Math.PI);
  let error = 0;
  let meanDerivative = 0;
  for (const grp of groups) {
    if (!(grp.weight > 0)) continue;
    const v = grp.variance;
    const c = grp.cFT;
    const sz = Math.sqrt(v + s2);
    const shrink = s2 / (v + s2);
    const tau2 = (v * s2) / (v + s2);
    // Breakpoints in t.
    const yk = g / 2 > c ? Math.acosh(g / (2 * c)) : 0;
    const tk = (scaledSinh(c, yk) + (g / 2) * yk) / sz;
    const w = Math.max(g, c) / sz;
    const cuts = [0];
    const marks = [tk - 16 * w, tk - 4 * w, tk - w, tk, tk + w, tk + 4 * w, tk + 16 * w, tk + 64 * w, tMax]
      .filter((t) => t > 0 && t <= tMax)
      .sort((p, q) => p - q);
    let last = 0;
    for (const m of marks) {
      addPanels(cuts, last, m, width);
      last = cuts[cuts.length - 1];
    }
    let eSum = 0;
    let dSum = 0;
    let yPrev = 0;
    for (let p = 1; p < cuts.length; p++) {
      const a = cuts[p - 1];
      const b = cuts[p];
      const half = (b - a) / 2;
      const mid = (a + b) / 2;
      for (let j = 0; j < order; j++) {
        const i = ascending ? j : order - 1 - j; // visit nodes in increasing t so that yPrev is a lower bound
        const t = mid + half * rule.nodes[i];
        const wt = half * rule.weights[i] * norm * Math.exp(-0.5 * t * t);
        const z = sz * t;
        const r = proxUnchecked(z, g, c, yPrev);
        yPrev = r.y;
        const diff = -(g / 2) * r.y + z * shrink;
        eSum += wt * (diff * diff + tau2);
        dSum += wt * r.derivative;
      }
    }
    error += grp.weight * eSum;
    meanDerivative += grp.weight * dSum;
  }
  return { error, meanDerivative };
}

/**
 * Seeded Monte-Carlo estimate of the same expectations (the authors' §5.4 scheme: `samples` draws of
 * (group, β*, ξ)); for cross-checking the quadrature only — its sampling error is O(1/√samples).
 */
export function replicaExpectationsMonteCarlo(groups: readonly ReplicaGroup[], s2: number, g: number, samples: number, seed: number): ReplicaExpectations {
  expectPositiveFinite('s2', s2);
  expectPositiveFinite('g', g);
  if (!(Number.isInteger(samples) && samples >= 1)) throw new RangeError(`samples: expected an integer ≥ 1 (got ${samples})`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed: expected an integer (got ${seed})`);
  const rng = createRng(seed, 'evaluation');
  const s = Math.sqrt(s2);
  const cum: number[] = [];
  let acc = 0;
  for (const grp of groups) cum.push((acc += grp.weight));
  let eSum = 0;
  let dSum = 0;
  for (let i = 0; i < samples; i++) {
    const u = rng.uniform() * acc;
    let k = 0;
    while (k < groups.length - 1 && u >= cum[k]) k++;
    const grp = groups[k];
    const beta = Math.sqrt(grp.variance) * rng.normal();
    const z = beta + s * rng.normal();
    const r = proxUnchecked(z, g, grp.cFT);
    eSum += (r.x - beta) ** 2;
    dSum += r.derivative;
  }
  return { error: eSum / samples, meanDerivative: dSum / samples };
}

// ---------------------------------------------------------------------------------------------------
// Fixed point and curve

export interface ReplicaOptions {
  /** Explicit regulariser γ_ext > 0 of (RS-2) (default 1e-6, as in the authors' code). */
  gammaExt?: number;
  /** Relative tolerance on s² and g (default 1e-10). */
  tolerance?: number;
  /** Maximum evaluations of the expectations per α and start (default 2000). */
  maxIterations?: number;
  /** Newton acceleration of the damped fixed-point iteration (default true; false: damped fixed point only). */
  newton?: boolean;
  /** Quadrature settings. */
  quadrature?: QuadratureOptions;
  /** Warm-start each α from its neighbour in the list (default true); otherwise every α starts from the null estimator. */
  continuation?: boolean;
  /**
   * 'uninformed' (default): one forward sweep from the null estimator. 'both': also a backward sweep from an
   * informed start, to detect coexisting fixed points (see `replicaCurve`).
   */
  starts?: 'uninformed' | 'both';
  /** Relative error ε of the informed start, s² = (σ0² + ε·E[β*²])/α (default 1e-4; in (0, 1)). */
  informedError?: number;
}

export interface ReplicaPoint {
  alpha: number;
  /** Generalisation error E = E[(x̂ − β*)²] (per coordinate; the null predictor has E = E[β*²] = 1). */
  error: number;
  s2: number;
  g: number;
  converged: boolean;
  /** Evaluations of the expectations spent on this α (excluding the `consistentG` start). */
  iterations: number;
  /** max(|Δlog s²|, |Δlog g|) of the undamped map at the returned point (a relative residual). */
  residual: number;
  /** Which sweep the reported values come from (the informed one only when the uninformed did not converge). */
  start: 'uninformed' | 'informed';
  /** With `starts: 'both'`: the fixed point the informed backward sweep reached. */
  informed?: { error: number; s2: number; g: number; converged: boolean; iterations: number; residual: number };
  /** With `starts: 'both'`: both sweeps converged, to fixed points that differ beyond the solver's accuracy. */
  coexisting?: boolean;
}

interface FixedPoint {
  s2: number;
  g: number;
  error: number;
}

/**
 * Solves (RS-1, RS-2) at one α. Unknowns u = (log s², log g); Φ(u) = log of the right-hand sides; residual
 * R(u) = Φ(u) − u, so |R| is the relative change of s² and g under the undamped map. Each iteration takes a
 * Newton step on R (forward-difference Jacobian in log coordinates, step length capped at `maxLogStep`) with
 * backtracking (halving) until max|R| decreases; if no Newton step is accepted (or the Jacobian is singular), a
 * damped fixed-point step u ← u + θ·R(u) is taken instead, with adaptive damping θ (×1.3 up to 1 while the
 * residual decreases, ×½ down to 1e-3 when it increases). Converged when max|R| ≤ tolerance (relative).
 * `iterations` counts evaluations of the expectations.
 */
export function solveReplicaPoint(
  groups: readonly ReplicaGroup[],
  alpha: number,
  noise: number,
  start: { s2: number; g: number },
  options: ReplicaOptions = {},
): SolverResult<FixedPoint> {
  expectPositiveFinite('alpha', alpha);
  expectNonNegativeFinite('noise', noise);
  expectPositiveFinite('start.s2', start.s2);
  expectPositiveFinite('start.g', start.g);
  const gammaExt = options.gammaExt ?? 1e-6;
  const tol = options.tolerance ?? 1e-10;
  const maxEvals = options.maxIterations ?? 2000;
  const useNewton = options.newton ?? true;
  expectPositiveFinite('gammaExt', gammaExt);
  expectPositiveFinite('tolerance', tol);
  const maxLogStep = 3;
  let evals = 0;
  const evaluate = (u: number, w: number): { du: number; dw: number; res: number; error: number } => {
    evals++;
    const ex = replicaExpectations(groups, Math.exp(u), Math.exp(w), options.quadrature);
    const s2New = Math.max((noise + ex.error) / alpha, 1e-300);
    const gNew = gammaExt + (Math.exp(w) * ex.meanDerivative) / alpha;
    const du = Math.log(s2New) - u;
    const dw = Math.log(gNew) - w;
    const res = Math.max(Math.abs(du), Math.abs(dw));
    return { du, dw, res: Number.isFinite(res) ? res : Infinity, error: ex.error };
  };
  let u = Math.log(start.s2);
  let w = Math.log(Math.max(start.g, gammaExt));
  let cur = evaluate(u, w);
  let theta = 0.5;
  // Newton stalls where the residual is flat in log s² (near exact recovery the map contracts s² by a constant
  // factor per step, so |R| barely changes until s² reaches the fixed point): then Newton's accepted steps only
  // shave |R| sideways. If the best residual has not fallen by 10 % within 10 iterations, Newton is switched off
  // for this solve and the (adaptively damped) plain iteration walks down instead.
  let newtonOn = useNewton;
  let best = cur.res;
  let sinceImproved = 0;
  while (evals < maxEvals && Number.isFinite(cur.res)) {
    if (cur.res <= tol) {
      return { value: { s2: Math.exp(u), g: Math.exp(w), error: cur.error }, converged: true, iterations: evals, residual: cur.res };
    }
    if (cur.res < 0.9 * best) {
      best = cur.res;
      sinceImproved = 0;
    } else if (++sinceImproved >= 10 && newtonOn) {
      newtonOn = false;
      theta = 1;
    }
    let accepted = false;
    if (newtonOn) {
      const h = 1e-6;
      const fu = evaluate(u + h, w);
      const fw = evaluate(u, w + h);
      const j11 = (fu.du - cur.du) / h;
      const j21 = (fu.dw - cur.dw) / h;
      const j12 = (fw.du - cur.du) / h;
      const j22 = (fw.dw - cur.dw) / h;
      const det = j11 * j22 - j12 * j21;
      if (Number.isFinite(det) && det !== 0) {
        let su = -(j22 * cur.du - j12 * cur.dw) / det;
        let sw = -(-j21 * cur.du + j11 * cur.dw) / det;
        const len = Math.max(Math.abs(su), Math.abs(sw));
        if (Number.isFinite(len)) {
          if (len > maxLogStep) {
            su *= maxLogStep / len;
            sw *= maxLogStep / len;
          }
          for (let k = 0; k < 6 && evals < maxEvals; k++) {
            const trial = evaluate(u + su, w + sw);
            if (trial.res < cur.res) {
              u += su;
              w += sw;
              cur = trial;
              accepted = true;
              break;
            }
            su /= 2;
            sw /= 2;
          }
        }
      }
    }
    if (!accepted) {
      u += theta * cur.du;
      w += theta * cur.dw;
      const next = evaluate(u, w);
      // A flat residual is progress too (see above); only a clear increase shrinks the damping.
      theta = next.res <= 1.1 * cur.res ? Math.min(1, theta * 1.3) : Math.max(1e-3, theta * 0.5);
      cur = next;
    }
  }
  const value = { s2: Math.exp(u), g: Math.exp(w), error: Number.isFinite(cur.error) ? cur.error : Infinity };
  return { value, converged: false, iterations: evals, residual: cur.res };
}

/**
 * The g that satisfies (RS-2) at a fixed s²: g·(1 − E[η'](s², g)/α) = γ_ext (the left side increases with g), by
 * Brent's method on log g to a relative accuracy of 1e-4. Used to start from the null estimator: a fixed g = 1 is far
 * from consistent when c_FT is large (Regime III) and sends the iteration through overflow.
 */
export function consistentG(groups: readonly ReplicaGroup[], alpha: number, s2: number, gammaExt = 1e-6, quadrature?: QuadratureOptions): number {
  expectPositiveFinite('alpha', alpha);
  expectPositiveFinite('s2', s2);
  expectPositiveFinite('gammaExt', gammaExt);
  // φ(log g) = log(g(1 − A/α)) − log γ_ext, increasing in g; where A ≥ α the log is replaced by a large negative value.
  const safePhi = (lg: number): number => {
    const g = Math.exp(lg);
    const a = replicaExpectations(groups, s2, g, quadrature).meanDerivative;
    const slack = 1 - a / alpha;
    return slack > 0 ? Math.log(g * slack) - Math.log(gammaExt) : -1e3;
  };
  let lo = Math.log(gammaExt);
  let hi = lo + 2;
  let k = 0;
  while (safePhi(hi) <= 0 && k < 200) {
    lo = hi;
    hi += 2;
    k++;
  }
  const root = brentRoot(safePhi, lo, hi, { xTol: 1e-4, maxIterations: 200 });
  return Math.exp(root.value);
}

/** The α list of a curve: a non-empty array of finite numbers > 0. */
function checkAlphas(alphas: readonly number[]): void {
  if (!Array.isArray(alphas) || alphas.length === 0) throw new RangeError('alphas: expected a non-empty array of numbers in (0, ∞)');
  alphas.forEach((a, i) => {
    if (!(typeof a === 'number' && a > 0 && Number.isFinite(a))) throw new RangeError(`alphas[${i}]: expected a finite number in (0, ∞) (got ${String(a)})`);
  });
}

function checkReplicaOptions(options: ReplicaOptions): void {
  if (options.gammaExt !== undefined) expectPositiveFinite('gammaExt', options.gammaExt);
  if (options.tolerance !== undefined) expectPositiveFinite('tolerance', options.tolerance);
  if (options.maxIterations !== undefined && !(Number.isInteger(options.maxIterations) && options.maxIterations >= 1)) {
    throw new RangeError(`maxIterations: expected an integer ≥ 1 (got ${options.maxIterations})`);
  }
  if (options.starts !== undefined && options.starts !== 'uninformed' && options.starts !== 'both') {
    throw new RangeError(`starts: expected "uninformed" or "both" (got ${String(options.starts)})`);
  }
  if (options.informedError !== undefined && !(options.informedError > 0 && options.informedError < 1)) {
    throw new RangeError(`informedError: expected a number in (0, 1) (got ${options.informedError})`);
  }
}

/**
 * One continuation sweep over `order` (indices into `alphas`): each α warm-starts from the last converged
 * neighbour (s² rescaled by α_prev/α); the first point, and any point whose warm start fails, starts from `start(α)`.
 */
function sweep(
  groups: readonly ReplicaGroup[],
  noise: number,
  alphas: readonly number[],
  order: readonly number[],
  start: (alpha: number) => { s2: number; g: number },
  options: ReplicaOptions,
): { sol: SolverResult<FixedPoint>; iterations: number }[] {
  const continuation = options.continuation ?? true;
  const out: { sol: SolverResult<FixedPoint>; iterations: number }[] = new Array(alphas.length);
  let prev: { alpha: number; s2: number; g: number } | null = null;
  for (const idx of order) {
    const alpha = alphas[idx];
    let sol: SolverResult<FixedPoint>;
    let iterations = 0;
    if (continuation && prev) {
      sol = solveReplicaPoint(groups, alpha, noise, { s2: (prev.s2 * prev.alpha) / alpha, g: prev.g }, options);
      iterations = sol.iterations;
      if (!sol.converged) {
        sol = solveReplicaPoint(groups, alpha, noise, start(alpha), options);
        iterations += sol.iterations;
      }
    } else {
      sol = solveReplicaPoint(groups, alpha, noise, start(alpha), options);
      iterations = sol.iterations;
    }
    out[idx] = { sol, iterations };
    if (sol.converged) prev = { alpha, s2: sol.value.s2, g: sol.value.g };
  }
  return out;
}

/**
 * The replica curve for any mixture of groups (the fine-tuning mixture of `replicaGroups`, the single-task one of
 * `singleTaskReplicaGroups`, or a user's own). See `replicaCurve` for the starts and the branch check.
 */
export function replicaCurveForGroups(groups: readonly ReplicaGroup[], noise: number, alphas: readonly number[], options: ReplicaOptions = {}): ReplicaPoint[] {
  if (!Array.isArray(groups) || groups.length === 0) throw new RangeError('groups: expected a non-empty array');
  groups.forEach((grp, i) => {
    if (!(grp.weight >= 0 && grp.weight <= 1)) throw new RangeError(`groups[${i}].weight: expected a number in [0, 1] (got ${grp.weight})`);
    expectNonNegativeFinite(`groups[${i}].variance`, grp.variance);
    expectPositiveFinite(`groups[${i}].cFT`, grp.cFT);
  });
  const totalWeight = groups.reduce((s, grp) => s + grp.weight, 0);
  if (Math.abs(totalWeight - 1) > 1e-9) throw new RangeError(`groups: expected weights summing to 1 (got ${totalWeight})`);
  expectNonNegativeFinite('noise', noise);
  checkAlphas(alphas);
  checkReplicaOptions(options);
  const gammaExt = options.gammaExt ?? 1e-6;
  const prior = groups.reduce((s, grp) => s + grp.weight * grp.variance, 0);
  const withG = (alpha: number, s2: number) => ({ s2, g: consistentG(groups, alpha, s2, gammaExt, options.quadrature) });
  // Uninformed: the null estimator x̂ = 0 (E = E[β*²]). Informed: an estimator that already knows the teacher up to
  // a relative error ε (not s² = 0 exactly, which is the spurious point of §5.5).
  const uninformed = (alpha: number) => withG(alpha, (prior + noise) / alpha);
  const informed = (alpha: number) => withG(alpha, (noise + (options.informedError ?? 1e-4) * prior) / alpha);
  const forwardOrder = alphas.map((_, i) => i);
  const forward = sweep(groups, noise, alphas, forwardOrder, uninformed, options);
  const backward = options.starts === 'both' ? sweep(groups, noise, alphas, [...forwardOrder].reverse(), informed, options) : null;
  const tol = options.tolerance ?? 1e-10;
  return alphas.map((alpha, i) => {
    const f = forward[i];
    const point: ReplicaPoint = {
      alpha,
      error: f.sol.value.error,
      s2: f.sol.value.s2,
      g: f.sol.value.g,
      converged: f.sol.converged,
      iterations: f.iterations,
      residual: f.sol.residual,
      start: 'uninformed',
    };
    if (!backward) return point;
    const b = backward[i];
    point.informed = { error: b.sol.value.error, s2: b.sol.value.s2, g: b.sol.value.g, converged: b.sol.converged, iterations: b.iterations, residual: b.sol.residual };
    // Two converged fixed points "coexist" when they differ by more than the solver's accuracy allows (the relative
    // tolerance on s², amplified 1000× to cover the error's sensitivity near transitions).
    const gap = Math.abs(Math.log(b.sol.value.s2) - Math.log(f.sol.value.s2));
    point.coexisting = f.sol.converged && b.sol.converged && gap > Math.max(1e3 * tol, 1e-6);
    if (!f.sol.converged && b.sol.converged) {
      Object.assign(point, { error: b.sol.value.error, s2: b.sol.value.s2, g: b.sol.value.g, converged: true, residual: b.sol.residual, start: 'informed' });
    }
    return point;
  });
}

/**
 * Replica-symmetric generalisation-error curve E(α) (§5, §10.5) for the settings of §6.2. Each α is solved by
 * `solveReplicaPoint`; the first from the null estimator (s² = (E[β*²] + σ0²)/α, with g from `consistentG` rather
 * than the digest's g = 1), the next ones from their neighbour's solution (s² rescaled by α_prev/α); a point whose
 * warm start fails is retried from the null estimator. Non-converged points are returned with `converged: false`.
 *
 * With `starts: 'both'` a second sweep runs backward from the largest α, started from an informed estimator (one
 * that knows the teacher up to `informedError`, default 1e-4, relative error), as the authors' forward/backward sweeps do (§5.4). Each point
 * then carries the informed branch and `coexisting` (both converged to different fixed points). The reported value
 * stays the uninformed branch: q_k is convex, so the replica-symmetric fixed point of the physical estimator is
 * unique, and a second one reached only from an informed start is the spurious near-s² = 0 point of §5.5 (the
 * authors' "smaller of the two" rule selects it). Where only the informed sweep converges, it is reported, with
 * `start: 'informed'`.
 */
export function replicaCurve(params: ReplicaParams & { alphas: readonly number[] }, options: ReplicaOptions = {}): ReplicaPoint[] {
  const groups = replicaGroups(params);
  return replicaCurveForGroups(groups, params.noise ?? 0, params.alphas, options);
}

/** The single-task replica curve (§1.5, Experiment 4; `singleTaskReplicaGroups`). */
export function singleTaskReplicaCurve(params: SingleTaskReplicaParams & { alphas: readonly number[] }, options: ReplicaOptions = {}): ReplicaPoint[] {
  const groups = singleTaskReplicaGroups(params);
  return replicaCurveForGroups(groups, params.noise ?? 0, params.alphas, options);
}
