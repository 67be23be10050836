/**
 * Sparse teachers and data of Anguita et al. (2026), digest `anguita-pretraining-inductive-bias.md` §4.
 *
 * Every coordinate is in one of four groups: 0 shared (pretraining ∩ fine-tuning support), 1 new
 * (fine-tuning only), 2 pretraining only, 3 neither. With densities ρ_PT, ρ_FT and overlap ω (the share of
 * the fine-tuning support inside the pretraining support) the group probabilities are ωρ_FT, (1 − ω)ρ_FT,
 * ρ_PT − ωρ_FT and 1 − ρ_PT − (1 − ω)ρ_FT; feasibility needs ωρ_FT ≤ ρ_PT and ρ_PT + (1 − ω)ρ_FT ≤ 1.
 * Fine-tuning teacher entries on its support are N(0, 1/ρ_FT) (E β*² = 1 per coordinate); the pretraining
 * teacher has amplitude a_PT on its support. Like the authors' empirical runner, supports have exact counts:
 * round(ρ_FT d) fine-tuning coordinates, round(ω · that) of them inside the round(ρ_PT d) pretraining ones.
 * Inputs x ~ N(0, I_d/d); labels y = Xβ* (+ σξ). Generalisation error (1/d)‖β̂ − β*‖² (= the noiseless test MSE).
 */
import { type Mat, zeros, matVec } from '../numeric/matrix.js';
import { createRng } from '../numeric/rng.js';

export interface FourGroupTask {
  /** Pretraining density ρ_PT ∈ [0, 1]. */
  rhoPT: number;
  /** Fine-tuning density ρ_FT ∈ (0, 1]. */
  rhoFT: number;
  /** Overlap ω ∈ [0, 1]: ρ_FT^shared = ωρ_FT, ρ_FT^new = (1 − ω)ρ_FT. */
  omega: number;
  /** Pretraining amplitude a_PT (default 1). */
  aPT?: number;
}

/** Throws a RangeError naming the field unless the task is feasible. */
export function checkFourGroupTask(t: FourGroupTask): void {
  const inUnit = (name: string, v: number) => {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name}: expected a density in [0, 1] (got ${v})`);
  };
  inUnit('rhoPT', t.rhoPT);
  inUnit('rhoFT', t.rhoFT);
  inUnit('omega', t.omega);
  if (!(t.rhoFT > 0)) throw new RangeError(`rhoFT: expected a density in (0, 1] (got ${t.rhoFT})`);
  if (t.omega * t.rhoFT > t.rhoPT + 1e-12) {
    throw new RangeError(`omega: the shared density ω·ρ_FT = ${t.omega * t.rhoFT} must not exceed ρ_PT = ${t.rhoPT}; expected ω ≤ ${t.rhoPT / t.rhoFT}`);
  }
  if (t.rhoPT + (1 - t.omega) * t.rhoFT > 1 + 1e-12) {
    throw new RangeError(`rhoFT: ρ_PT + (1 − ω)ρ_FT = ${t.rhoPT + (1 - t.omega) * t.rhoFT} must not exceed 1 (pretraining plus new features exceed the dimension)`);
  }
  if (t.aPT !== undefined && !(t.aPT >= 0 && Number.isFinite(t.aPT))) throw new RangeError(`aPT: expected a finite number ≥ 0 (got ${t.aPT})`);
}

/** Group probabilities (shared, new, PT-only, neither). */
export function groupProbabilities(t: FourGroupTask): [number, number, number, number] {
  checkFourGroupTask(t);
  const shared = t.omega * t.rhoFT;
  const fresh = (1 - t.omega) * t.rhoFT;
  return [shared, fresh, Math.max(0, t.rhoPT - shared), Math.max(0, 1 - t.rhoPT - fresh)];
}

export interface FourGroupTeachers {
  betaPT: Float64Array;
  betaFT: Float64Array;
  /** Group of each coordinate (0 shared, 1 new, 2 PT-only, 3 neither). */
  group: Uint8Array;
}

/** Exact-count supports (a random permutation of the coordinates) and Gaussian fine-tuning entries. */
export function drawFourGroupTeachers(d: number, task: FourGroupTask, seed: number): FourGroupTeachers {
  checkFourGroupTask(task);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d: expected an integer ≥ 1 (got ${d})`);
  const nPT = Math.round(task.rhoPT * d);
  const nFT = Math.round(task.rhoFT * d);
  const nShared = Math.min(nPT, Math.round(task.omega * nFT));
  const nNew = nFT - nShared;
  if (nPT + nNew > d) throw new RangeError(`rhoFT: round(ρ_PT d) + new features = ${nPT + nNew} exceed d = ${d}`);
  const perm = createRng(seed, 'teacher', 0).permutation(d);
  const group = new Uint8Array(d).fill(3);
  // perm[0 … nShared) shared, [nShared … nPT) PT-only, [nPT … nPT + nNew) new.
  for (let k = 0; k < nPT; k++) group[perm[k]] = k < nShared ? 0 : 2;
  for (let k = nPT; k < nPT + nNew; k++) group[perm[k]] = 1;
  const aPT = task.aPT ?? 1;
  const betaPT = new Float64Array(d);
  const betaFT = new Float64Array(d);
  const rng = createRng(seed, 'teacher', 1);
  const sd = 1 / Math.sqrt(task.rhoFT);
  for (let i = 0; i < d; i++) {
    if (group[i] === 0 || group[i] === 2) betaPT[i] = aPT;
    if (group[i] === 0 || group[i] === 1) betaFT[i] = sd * rng.normal();
  }
  return { betaPT, betaFT, group };
}

/** Single-task Bernoulli–Gaussian teacher: support ~ Bernoulli(ρ), entries N(0, a²/ρ) (digest §4, Experiment 4). */
export function drawBernoulliGaussianTeacher(d: number, rho: number, seed: number, amplitude = 1): Float64Array {
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`rho: expected a density in (0, 1] (got ${rho})`);
  const rng = createRng(seed, 'teacher', 2);
  const beta = new Float64Array(d);
  const sd = amplitude / Math.sqrt(rho);
  for (let i = 0; i < d; i++) {
    const on = rng.uniform() < rho;
    const v = rng.normal();
    if (on) beta[i] = sd * v;
  }
  return beta;
}

/** X (n×d) with i.i.d. N(0, 1/d) entries, from stream `index` of the seed's data streams. */
export function drawScaledGaussianInputs(n: number, d: number, seed: number, index = 0): Mat {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n: expected an integer ≥ 1 (got ${n})`);
  const x = zeros(n, d);
  createRng(seed, 'data', index).fillNormal(x.data, 1 / Math.sqrt(d));
  return x;
}

/** y = Xβ + σξ (ξ ~ N(0, I_n) from the seed's noise stream `index`). */
export function noisyLabels(x: Mat, beta: ArrayLike<number>, sigma: number, seed: number, index = 0): Float64Array {
  if (!(sigma >= 0)) throw new RangeError(`noise: expected a standard deviation ≥ 0 (got ${sigma})`);
  const y = matVec(x, beta);
  if (sigma > 0) {
    const xi = createRng(seed, 'noise', index).fillNormal(new Float64Array(y.length));
    for (let i = 0; i < y.length; i++) y[i] += sigma * xi[i];
  }
  return y;
}

/** Generalisation error (1/d)‖β̂ − β*‖². */
export function parameterMse(beta: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < beta.length; i++) s += (beta[i] - target[i]) ** 2;
  return s / beta.length;
}
