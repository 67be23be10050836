import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { diagonalStep, gemv, gemvT, rankOneUpdateGemvT, residualAndGradient, axpyInPlace } from '../src/kernels/linear.js';
import { createWasmWorkspace } from '../src/kernels/wasm.js';
import { curvatureRange, gradientDescentLeastSquares, largestCurvature } from '../src/training/gd.js';

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

  for (const [rows, cols] of SHAPES) {
    it(`rank-one update fused with Wᵀv agrees with its twin and with update-then-gemvT (${rows}×${cols})`, () => {
      const rng = createRng(rows * 100 + cols, 'evaluation');
      const w = rng.fillNormal(new Float64Array(rows * cols));
      const a = rng.fillNormal(new Float64Array(rows));
      a[rows - 1] = 0; // a zero row step must leave that row alone
      const h = rng.fillNormal(new Float64Array(cols));
      const v = rng.fillNormal(new Float64Array(rows));
      const step = 0.37;
      // Reference: the update by definition, then Wᵀv by definition.
      const wRef = Float64Array.from(w);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) wRef[r * cols + c] -= step * a[r] * h[c];
      const outRef = new Float64Array(cols);
      for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) outRef[c] += wRef[r * cols + c] * v[r];
      const wJs = Float64Array.from(w);
      const outJs = new Float64Array(cols).fill(5);
      rankOneUpdateGemvT(wJs, rows, cols, a, step, h, v, outJs);
      close(wJs, wRef, 1e-15);
      close(outJs, outRef, 1e-12);
      const ws = createWasmWorkspace(rows * cols + 2 * rows + 2 * cols)!;
      const W = ws.alloc(rows * cols, w);
      const out = ws.alloc(cols, new Float64Array(cols).fill(5));
      ws.rankOneUpdateGemvT(W, rows, cols, ws.alloc(rows, a), step, ws.alloc(cols, h), ws.alloc(rows, v), out);
      close(W.view, wJs, 1e-15);
      close(out.view, outJs, 1e-12);
      // step = 0 is exactly gemvT.
      const g0 = new Float64Array(cols);
      gemvT(wJs, rows, cols, v, g0);
      rankOneUpdateGemvT(wJs, rows, cols, a, 0, h, v, outJs);
      expect(Array.from(outJs)).toEqual(Array.from(g0));
    });
  }

  for (const d of [1, 2, 7, 64]) {
    it(`diagonal-network step gives the same numbers as its twin and as the definition (d=${d})`, () => {
      const rng = createRng(d, 'evaluation');
      const fresh = () => Array.from({ length: 5 }, () => rng.fillNormal(new Float64Array(d)));
      const init = fresh();
      const g = rng.fillNormal(new Float64Array(d));
      const [scale, lr] = [0.3, 0.7];
      const [wp, vp, wm, vm, acc] = init.map((a) => Float64Array.from(a));
      const beta = new Float64Array(d);
      diagonalStep(wp, vp, wm, vm, beta, acc, g, d, scale, lr);
      for (let i = 0; i < d; i++) {
        const gi = scale * g[i];
        const [a, b, c, e] = [init[0][i], init[1][i], init[2][i], init[3][i]];
        expect(wp[i]).toBe(a - lr * gi * b);
        expect(vm[i]).toBe(e + lr * gi * c);
        expect(beta[i]).toBeCloseTo(wp[i] * vp[i] - wm[i] * vm[i], 14);
        expect(acc[i]).toBe(init[4][i] + gi);
      }
      const ws = createWasmWorkspace(8 * d)!;
      const arrs = init.map((a) => ws.alloc(d, a));
      const B = ws.alloc(d);
      ws.diagonalStep(arrs[0], arrs[1], arrs[2], arrs[3], B, arrs[4], ws.alloc(d, g), d, scale, lr);
      [wp, vp, wm, vm, acc].forEach((a, k) => expect(Array.from(arrs[k].view)).toEqual(Array.from(a)));
      expect(Array.from(B.view)).toEqual(Array.from(beta));
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

describe('largest curvature λ_max(XᵀX/n) by Lanczos', () => {
  for (const [n, d, rank] of [
    [250, 500, 250],
    [60, 20, 20],
    [30, 30, 30],
    [40, 50, 3],
    [1, 9, 1],
  ] as [number, number, number][]) {
    it(`equals the Gram eigen-decomposition's to 1e-10 (n=${n}, d=${d}, rank ${rank})`, () => {
      const rng = createRng(n + d + rank, 'data');
      // X = A B with A n×rank, B rank×d: rank-deficient when rank < min(n, d).
      const a = rng.fillNormal(new Float64Array(n * rank));
      const b = rng.fillNormal(new Float64Array(rank * d));
      const data = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let k = 0; k < rank; k++) for (let j = 0; j < d; j++) data[i * d + j] += a[i * rank + k] * b[k * d + j];
      const x = { rows: n, cols: d, data };
      const want = curvatureRange(x).max;
      expect(Math.abs(largestCurvature(x) - want)).toBeLessThanOrEqual(1e-10 * want);
    });
  }
  it('is 0 for X = 0', () => {
    expect(largestCurvature({ rows: 3, cols: 4, data: new Float64Array(12) })).toBe(0);
  });
});
