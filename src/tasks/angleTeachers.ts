/**
 * The teacher pairs and data of Tahir, Ganguli & Rotskoff (ICML 2025), digest §1.2: unit source teacher
 * β_s, target β_t = cos θ β_s + sin θ ν with ν ⊥ β_s a unit vector, inputs x ~ N(0, I_d), labels
 * y = Xβ + σξ with ξ ~ N(0, I_n).
 *
 * Common random numbers (the paper's practice, digest §8): β_s, ν, the target inputs X and the noise ξ
 * are drawn from streams keyed by the instance seed alone, so every θ of a grid sees the same X and ξ and
 * only the labels' mix of Xβ_s and Xν changes. Without them each θ gets independent streams.
 */
import { type Mat, zeros, matVec } from '../numeric/matrix.js';
import { createRng } from '../numeric/rng.js';

export interface AngleTeachers {
  /** Unit source teacher β_s. */
  betaS: Float64Array;
  /** Unit direction ν ⊥ β_s. */
  nu: Float64Array;
}

/** β_s uniform on the sphere and ν uniform on the sphere orthogonal to it (Gram–Schmidt). */
export function drawAngleTeachers(d: number, seed: number, stream = 0): AngleTeachers {
  if (!Number.isInteger(d) || d < 2) throw new RangeError(`d: expected an integer ≥ 2 (got ${d})`);
  const rng = createRng(seed, 'teacher', stream);
  const betaS = new Float64Array(d);
  const nu = new Float64Array(d);
  normalise(rng.fillNormal(betaS));
  for (;;) {
    rng.fillNormal(nu);
    let c = 0;
    for (let i = 0; i < d; i++) c += nu[i] * betaS[i];
    for (let i = 0; i < d; i++) nu[i] -= c * betaS[i];
    if (normalise(nu) > 1e-8) break;
  }
  return { betaS, nu };
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return norm;
}

/** β_t = cos θ β_s + sin θ ν. */
export function targetTeacher(t: AngleTeachers, theta: number): Float64Array {
  if (!(theta >= 0 && theta <= Math.PI)) throw new RangeError(`theta: expected a number in [0, π] (got ${theta})`);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return Float64Array.from(t.betaS, (b, i) => c * b + s * t.nu[i]);
}

/** A Gaussian design X (n×d, entries N(0, 1)) and a noise vector ξ ~ N(0, I_n). */
export interface GaussianDesign {
  x: Mat;
  xi: Float64Array;
}

/** Draw X and ξ for one dataset; `purpose` separates e.g. the target data from the source data. */
export function drawDesign(n: number, d: number, seed: number, purpose: 'target' | 'source', stream = 0): GaussianDesign {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n: expected an integer ≥ 1 (got ${n})`);
  const x = zeros(n, d);
  createRng(seed, `data:${purpose}`, stream).fillNormal(x.data);
  const xi = new Float64Array(n);
  createRng(seed, `noise:${purpose}`, stream).fillNormal(xi);
  return { x, xi };
}

/** Labels y = Xβ + σξ. */
export function labels(design: GaussianDesign, beta: ArrayLike<number>, sigma: number): Float64Array {
  const y = matVec(design.x, beta);
  for (let i = 0; i < y.length; i++) y[i] += sigma * design.xi[i];
  return y;
}

/** Noise-free excess risk E_x (β̂ᵀx − β_tᵀx)² = ‖β̂ − β_t‖² for x ~ N(0, I). */
export function isotropicRisk(beta: ArrayLike<number>, betaT: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < beta.length; i++) s += (beta[i] - betaT[i]) ** 2;
  return s;
}
