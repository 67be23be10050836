// Measures ftlab full-batch gradient descent on l(w) = (1/2n)‖Xw − y‖² with dist/kernels/linear.js:
// median steps/s of the fused kernel (residualAndGradient + axpyInPlace) and of two passes
// (gemv, r −= y, gemvT, axpyInPlace). Prints one JSON line per variant. Needs `npm run build` first.
import { parseArgs } from 'node:util';
import { axpyInPlace, gemv, gemvT, residualAndGradient } from '../dist/kernels/linear.js';
import { gramRows } from '../dist/numeric/matrix.js';
import { createWasmWorkspace } from '../dist/kernels/wasm.js';

const opt = (def) => ({ type: 'string', default: String(def) });
const { values } = parseArgs({ options: { d: opt(1000), n: opt(500), steps: opt(200), repeats: opt(7) } });
const [d, n, K, R] = [values.d, values.n, values.steps, values.repeats].map(Number);

// Seeded standard normals: mulberry32 + Box–Muller.
let seed = 12345;
const uniform = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
};
const normals = (len, scale = 1) => Float64Array.from({ length: len },
  () => scale * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));

const x = normals(n * d);
const thetaT = normals(d, 1 / Math.sqrt(d));
const thetaS = normals(d, 1 / Math.sqrt(d));
const y = new Float64Array(n);
gemv(x, n, d, thetaT, y);

// lr = 1/λ_max(XᵀX/n) by power iteration, computed once.
let v = normals(d), lambda = 0;
const xv = new Float64Array(n), u = new Float64Array(d);
for (let it = 0; it < 500; it++) {
  gemv(x, n, d, v, xv);
  gemvT(x, n, d, xv, u);
  const norm = Math.hypot(...u);
  lambda = norm / n;
  v = u.map((e) => e / norm);
}
const step = 1 / lambda / n;

// Sizes and arrays are arguments, as in library code: V8 inlines the small gemv/gemvT here (not
// residualAndGradient), and with n, d as module constants it specialised them and ran ~2x faster.
const variants = {
  'ftlab-fused': (x, n, d, y, w, r, g, step, K) => {
    for (let k = 0; k < K; k++) {
      residualAndGradient(x, n, d, w, y, r, g);
      axpyInPlace(w, step, g);
    }
  },
  'ftlab-two-pass': (x, n, d, y, w, r, g, step, K) => {
    for (let k = 0; k < K; k++) {
      gemv(x, n, d, w, r);
      for (let i = 0; i < n; i++) r[i] -= y[i];
      gemvT(x, n, d, r, g);
      axpyInPlace(w, step, g);
    }
  },
};
// The dual (row-space) form of the same GD — an exact reduction used by ftlab when n ≤ d: w = w0 + Xᵀa,
// r ← r − step·G r with G = XXᵀ, n² flops per step. G is formed once, outside the timing (its cost,
// n²d/2 flops, is reported below as dual_setup_ms), and w is rebuilt from a at the end of each run.
const t0g = process.hrtime.bigint();
const G = gramRows({ rows: n, cols: d, data: x }).data;
const dualSetupMs = Number(process.hrtime.bigint() - t0g) / 1e6;
variants['ftlab-dual'] = (x, n, d, y, w, r, g, step, K) => {
  const a = new Float64Array(n), gr = new Float64Array(n);
  gemv(x, n, d, w, r);
  for (let i = 0; i < n; i++) r[i] -= y[i];
  for (let k = 0; k < K; k++) {
    gemv(G, n, n, r, gr);
    for (let i = 0; i < n; i++) { a[i] -= step * r[i]; r[i] -= step * gr[i]; }
  }
  gemvT(x, n, d, a, g);
  for (let j = 0; j < d; j++) w[j] += g[j];
};
// The same two loops on the WebAssembly SIMD kernels (what ftlab's solver runs by default when built).
// Data are copied into the kernel's memory once, outside the timing, as the solver does per call.
const ws = createWasmWorkspace(n * d + n * n + 3 * d + 4 * n);
if (ws) {
  const X = ws.alloc(n * d, x), Y = ws.alloc(n, y), W = ws.alloc(d), R = ws.alloc(n), Gv = ws.alloc(d);
  const GM = ws.alloc(n * n, G), Rd = ws.alloc(n), GR = ws.alloc(n);
  variants['ftlab-wasm-fused'] = (x, n, d, y, w, r, g, step, K) => {
    W.view.set(w);
    for (let k = 0; k < K; k++) {
      ws.residualAndGradient(X, n, d, W, Y, R, Gv);
      axpyInPlace(W.view, step, Gv.view);
    }
    w.set(W.view);
  };
  variants['ftlab-wasm-dual'] = (x, n, d, y, w, r, g, step, K) => {
    const a = new Float64Array(n), rv = Rd.view, gr = GR.view;
    gemv(x, n, d, w, rv);
    for (let i = 0; i < n; i++) rv[i] -= y[i];
    for (let k = 0; k < K; k++) {
      ws.gemv(GM, n, n, Rd, GR);
      for (let i = 0; i < n; i++) { a[i] -= step * rv[i]; rv[i] -= step * gr[i]; }
    }
    gemvT(x, n, d, a, g);
    for (let j = 0; j < d; j++) w[j] += g[j];
  };
}
const r = new Float64Array(n), g = new Float64Array(d);
const time = (run) => {
  const w = thetaS.slice();
  const t0 = process.hrtime.bigint();
  run(x, n, d, y, w, r, g, step, K);
  return { w, rate: K / (Number(process.hrtime.bigint() - t0) / 1e9) };
};
const loss = (w) => residualAndGradient(x, n, d, w, y, r, g) / (2 * n);
const median = (a) => { const s = [...a].sort((p, q) => p - q); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

for (let k = 0; k < 3; k++) for (const run of Object.values(variants)) time(run); // warm-up (JIT tiers)
const rates = Object.fromEntries(Object.keys(variants).map((impl) => [impl, []]));
const last = {};
for (let k = 0; k < R; k++) { // repeats interleave the variants, so drift hits both alike
  for (const [impl, run] of Object.entries(variants)) {
    const { w, rate } = time(run);
    rates[impl].push(rate);
    last[impl] = w;
  }
}
for (const impl of Object.keys(variants)) {
  console.log(JSON.stringify({
    impl, threads: '1', d, n, steps: K, repeats: R,
    steps_per_s: median(rates[impl]),
    runs: rates[impl].map((s) => Math.round(s * 100) / 100),
    rel_loss: loss(last[impl]) / loss(thetaS), // final / initial loss of the last repeat (sanity check)
    node: process.version,
    ...(impl.endsWith('dual') ? { dual_setup_ms: Math.round(dualSetupMs) } : {}),
  }));
}
