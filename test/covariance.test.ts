import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { makeCovariance, sampleInputs, denseCovariance, populationRisk, spectrumValues, type SpectrumSpec } from '../src/numeric/covariance.js';
import { matVec } from '../src/numeric/matrix.js';

const SPECS: SpectrumSpec[] = [
  { kind: 'isotropic', scale: 2 },
  { kind: 'powerLaw', exponent: 1 },
  { kind: 'lowRank', rank: 4, scale: 3 },
  { kind: 'spiked', spikes: 2, strength: 5, bulk: 1 },
];

describe('Gaussian inputs x ~ N(0, Σ)', () => {
  it('spectra have the documented eigenvalues', () => {
    expect(Array.from(spectrumValues({ kind: 'powerLaw', exponent: 2 }, 3))).toEqual([1, 1 / 4, 1 / 9]);
    expect(Array.from(spectrumValues({ kind: 'lowRank', rank: 2, scale: 3 }, 4))).toEqual([3, 3, 0, 0]);
    expect(Array.from(spectrumValues({ kind: 'spiked', spikes: 1, strength: 4, bulk: 1 }, 3))).toEqual([5, 1, 1]);
  });

  for (const spec of SPECS) {
    for (const basis of ['identity', 'random'] as const) {
      it(`empirical covariance matches Σ (${spec.kind}, ${basis} basis) within 4 standard errors per entry`, () => {
        const d = 8;
        const n = 20000;
        const cov = makeCovariance(spec, d, basis, createRng(3, 'covariance'));
        const x = sampleInputs(cov, n, createRng(4, 'data'));
        const sigma = denseCovariance(cov);
        for (let a = 0; a < d; a++) {
          for (let b = 0; b < d; b++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += x.data[i * d + a] * x.data[i * d + b];
            const est = s / n;
            const exact = sigma.data[a * d + b];
            // Var(x_a x_b) = Σ_aa Σ_bb + Σ_ab² for Gaussian x
            const se = Math.sqrt((sigma.data[a * d + a] * sigma.data[b * d + b] + exact * exact) / n);
            expect(Math.abs(est - exact)).toBeLessThanOrEqual(4 * se + 1e-12);
          }
        }
      });
    }
  }

  it('population risk equals (w − θ)ᵀ Σ (w − θ) with the dense Σ', () => {
    const d = 7;
    const cov = makeCovariance({ kind: 'powerLaw', exponent: 1.5 }, d, 'random', createRng(9, 'covariance'));
    const w = createRng(1, 'init').fillNormal(new Float64Array(d));
    const t = createRng(2, 'teacher').fillNormal(new Float64Array(d));
    const e = w.map((v, i) => v - t[i]);
    const se = matVec(denseCovariance(cov), e);
    const ref = e.reduce((acc, v, i) => acc + v * se[i], 0);
    expect(populationRisk(cov, w, t)).toBeCloseTo(ref, 12);
  });
});
