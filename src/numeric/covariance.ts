/**
 * Gaussian inputs x ~ N(0, Σ) with Σ = V diag(λ) Vᵀ given by a spectrum λ and an orthonormal basis V
 * (the identity or a Haar-random rotation). Spectra: isotropic, power law λ_i = i^(−a), low rank
 * (r eigenvalues equal to s², the rest 0) and spiked (k spikes on an isotropic bulk). Also the exact
 * population risk of a linear predictor, R(w) = (w − θ)ᵀ Σ (w − θ) (Shachaf et al. digest §2).
 */
import { type Mat, zeros } from './matrix.js';
import { randomOrthogonal } from './linalg.js';
import type { Rng } from './rng.js';

export type SpectrumSpec =
  | { kind: 'isotropic'; scale: number }
  | { kind: 'powerLaw'; exponent: number }
  | { kind: 'lowRank'; rank: number; scale: number }
  | { kind: 'spiked'; spikes: number; strength: number; bulk: number };

export interface Covariance {
  readonly d: number;
  /** Eigenvalues λ_i ≥ 0 in descending order. */
  readonly spectrum: Float64Array;
  /** Eigenvectors as columns (d×d), or null for the identity basis. */
  readonly basis: Mat | null;
}

/** The eigenvalues of a spectrum specification in dimension d, descending. */
export function spectrumValues(spec: SpectrumSpec, d: number): Float64Array {
  const lambda = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    switch (spec.kind) {
      case 'isotropic':
        lambda[i] = spec.scale;
        break;
      case 'powerLaw':
        lambda[i] = Math.pow(i + 1, -spec.exponent);
        break;
      case 'lowRank':
        lambda[i] = i < spec.rank ? spec.scale : 0;
        break;
      case 'spiked':
        lambda[i] = spec.bulk + (i < spec.spikes ? spec.strength : 0);
        break;
    }
  }
  return lambda;
}

/** Build Σ from a spectrum; a random basis is drawn from `rng` (Haar), else the identity is used. */
export function makeCovariance(spec: SpectrumSpec, d: number, basis: 'identity' | 'random', rng?: Rng): Covariance {
  const spectrum = spectrumValues(spec, d);
  if (basis === 'identity') return { d, spectrum, basis: null };
  if (!rng) throw new Error('makeCovariance: a random basis needs a generator');
  return { d, spectrum, basis: randomOrthogonal(d, rng) };
}

/** Coordinates of v in Σ's eigenbasis: c_i = v_iᵀ v. */
export function toEigenbasis(cov: Covariance, v: ArrayLike<number>): Float64Array {
  const d = cov.d;
  const out = new Float64Array(d);
  if (cov.basis === null) {
    for (let i = 0; i < d; i++) out[i] = v[i];
    return out;
  }
  const b = cov.basis.data;
  for (let k = 0; k < d; k++) {
    const vk = v[k];
    if (vk === 0) continue;
    const row = k * d;
    for (let i = 0; i < d; i++) out[i] += b[row + i] * vk;
  }
  return out;
}

/** The vector Σ_i c_i v_i for coordinates c in Σ's eigenbasis. */
export function fromEigenbasis(cov: Covariance, c: ArrayLike<number>): Float64Array {
  const d = cov.d;
  const out = new Float64Array(d);
  if (cov.basis === null) {
    for (let i = 0; i < d; i++) out[i] = c[i];
    return out;
  }
  const b = cov.basis.data;
  for (let k = 0; k < d; k++) {
    let s = 0;
    const row = k * d;
    for (let i = 0; i < d; i++) s += b[row + i] * c[i];
    out[k] = s;
  }
  return out;
}

/** The quadratic form vᵀ Σ v. */
export function sigmaNorm2(cov: Covariance, v: ArrayLike<number>): number {
  const c = toEigenbasis(cov, v);
  let s = 0;
  for (let i = 0; i < cov.d; i++) s += cov.spectrum[i] * c[i] * c[i];
  return s;
}

/** Exact population excess risk (w − θ)ᵀ Σ (w − θ) of a linear predictor w against teacher θ. */
export function populationRisk(cov: Covariance, w: ArrayLike<number>, theta: ArrayLike<number>): number {
  const e = new Float64Array(cov.d);
  for (let i = 0; i < cov.d; i++) e[i] = w[i] - theta[i];
  return sigmaNorm2(cov, e);
}

/** Σ as a dense d×d matrix (for tests and small problems). */
export function denseCovariance(cov: Covariance): Mat {
  const d = cov.d;
  const m = zeros(d, d);
  if (cov.basis === null) {
    for (let i = 0; i < d; i++) m.data[i * d + i] = cov.spectrum[i];
    return m;
  }
  const b = cov.basis.data;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += b[i * d + k] * cov.spectrum[k] * b[j * d + k];
      m.data[i * d + j] = s;
      m.data[j * d + i] = s;
    }
  }
  return m;
}

/** n samples x_i ~ N(0, Σ) as the rows of an n×d matrix. */
export function sampleInputs(cov: Covariance, n: number, rng: Rng): Mat {
  const d = cov.d;
  const x = zeros(n, d);
  const sqrtLambda = cov.spectrum.map((l) => Math.sqrt(l));
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = sqrtLambda[k] * rng.normal();
    const row = i * d;
    if (cov.basis === null) {
      x.data.set(z, row);
    } else {
      const b = cov.basis.data;
      for (let k = 0; k < d; k++) {
        let s = 0;
        const brow = k * d;
        for (let j = 0; j < d; j++) s += b[brow + j] * z[j];
        x.data[row + k] = s;
      }
    }
  }
  return x;
}

/** The effective rank r_k(Σ) = Σ_{i>k} λ_i / λ_{k+1} (Bartlett et al. 2020), k 0-based count. */
export function effectiveRank(cov: Covariance, k: number): number {
  let tail = 0;
  for (let i = k; i < cov.d; i++) tail += cov.spectrum[i];
  const next = cov.spectrum[k] ?? 0;
  return next > 0 ? tail / next : Infinity;
}
