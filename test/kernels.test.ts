import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { gemv, gemvT, residualAndGradient, axpyInPlace } from '../src/kernels/linear.js';

function reference(x: Float64Array, n: number, d: number, w: Float64Array, y: Float64Array) {
  const r = new Float64Array(n);
  const g = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * w[j];
    r[i] = s - y[i];
  }
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) g[j] += x[i * d + j] * r[i];
  return { r, g };
}

function close(a: Float64Array, b: Float64Array, rel: number) {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(rel * Math.max(scale, 1e-300));
}

describe('least-squares kernels', () => {
  for (const [n, d] of [
    [1, 1],
    [3, 7],
    [4, 4],
    [5, 13],
    [17, 3],
    [33, 65],
  ]) {
    it(`fused residual+gradient matches the plain reference (n=${n}, d=${d})`, () => {
      const rng = createRng(n * 100 + d, 'evaluation');
      const x = rng.fillNormal(new Float64Array(n * d));
      const w = rng.fillNormal(new Float64Array(d));
      const y = rng.fillNormal(new Float64Array(n));
      const ref = reference(x, n, d, w, y);
      const r = new Float64Array(n);
      const g = new Float64Array(d).fill(123); // must be overwritten
      const rss = residualAndGradient(x, n, d, w, y, r, g);
      close(r, ref.r, 1e-12);
      close(g, ref.g, 1e-12);
      expect(rss).toBeCloseTo(ref.r.reduce((a, v) => a + v * v, 0), 9);
      const xw = new Float64Array(n);
      gemv(x, n, d, w, xw);
      close(xw.map((v, i) => v - y[i]), ref.r, 1e-12);
      const xtr = new Float64Array(d);
      gemvT(x, n, d, ref.r, xtr);
      close(xtr, ref.g, 1e-12);
    });
  }

  it('axpyInPlace computes w ← w − step·g', () => {
    const w = Float64Array.from([1, 2, 3]);
    axpyInPlace(w, 0.5, Float64Array.from([2, 2, -2]));
    expect(Array.from(w)).toEqual([0, 1, 4]);
  });
});
