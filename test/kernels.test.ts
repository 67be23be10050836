import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { gemv, gemvT, residualAndGradient, axpyInPlace } from '../src/kernels/linear.js';
import { createWasmWorkspace } from '../src/kernels/wasm.js';
import { gradientDescentLeastSquares } from '../src/training/gd.js';

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

/** Odd shapes included: sizes that do not divide the unroll width (4) or the SIMD width (2). */
const SHAPES: [number, number][] = [
  [1, 1],
  [3, 7],
  [4, 4],
  [5, 13],
  [17, 3],
  [33, 65],
];

describe('least-squares kernels', () => {
  for (const [n, d] of SHAPES) {
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

describe('WebAssembly SIMD kernels against their TypeScript twins', () => {
  it('are built and load (npm run build compiles assembly/linear.ts)', () => {
    expect(createWasmWorkspace(16)).not.toBeNull();
  });

  for (const [n, d] of SHAPES) {
    it(`fused residual+gradient and gemv agree to 1e-12 relative (n=${n}, d=${d})`, () => {
      const rng = createRng(n * 1000 + d, 'evaluation');
      const x = rng.fillNormal(new Float64Array(n * d));
      const w = rng.fillNormal(new Float64Array(d));
      const y = rng.fillNormal(new Float64Array(n));
      const ref = reference(x, n, d, w, y);
      const ws = createWasmWorkspace(n * d + 2 * d + 3 * n)!;
      const X = ws.alloc(n * d, x);
      const W = ws.alloc(d, w);
      const Y = ws.alloc(n, y);
      const R = ws.alloc(n);
      const G = ws.alloc(d, new Float64Array(d).fill(7)); // must be overwritten
      const rss = ws.residualAndGradient(X, n, d, W, Y, R, G);
      close(R.view, ref.r, 1e-12);
      close(G.view, ref.g, 1e-12);
      expect(rss).toBeCloseTo(ref.r.reduce((a, v) => a + v * v, 0), 9);
      const out = ws.alloc(n);
      ws.gemv(X, n, d, W, out);
      close(out.view.map((v, i) => v - y[i]), ref.r, 1e-12);
    });
  }

  it('GD with wasm kernels reaches the same limit as with the TypeScript kernels', () => {
    const rng = createRng(9, 'data');
    const n = 20;
    const d = 45;
    const x = { rows: n, cols: d, data: rng.fillNormal(new Float64Array(n * d)) };
    const y = rng.fillNormal(new Float64Array(n));
    const w0 = rng.fillNormal(new Float64Array(d), 0.1);
    for (const formulation of ['primal', 'dual'] as const) {
      const js = gradientDescentLeastSquares(x, y, w0, { formulation, kernel: 'js' });
      const wasm = gradientDescentLeastSquares(x, y, w0, { formulation, kernel: 'wasm' });
      expect(js.converged && wasm.converged).toBe(true);
      close(wasm.value, js.value, 1e-9);
    }
  });
});
