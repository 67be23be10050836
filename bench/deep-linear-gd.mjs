// Measures ftlab's own full-batch GD loop for deep linear networks f(x) = W_L ⋯ W_1 x (trainDeepLinear in
// dist/training/deepLinear.js, method 'gd', a fixed lr): median steps/s for depth L = 2, 3 at Tahir et al.'s
// size d = 500, n = 250, hidden width k = 500 (W_1: k×d, W_2: k×k for L = 3, W_L: 1×k). Each repeat times one
// call with maxIterations = K and one with maxIterations = 0 (the same set-up: cloning the net, the data
// curvature λ_max from the n×n Gram matrix, the first evaluation, the result) and takes K / (t_K − median t_0).
// Prints one JSON line per depth and kernel ('js': the TypeScript twins; 'wasm': the SIMD kernels, the default). Needs `npm run build` first. Flags: --d --n --width --depths --steps --repeats.
import { parseArgs } from 'node:util';
import { trainDeepLinear } from '../dist/training/deepLinear.js';
import { intList, median, normals, round, stepRates, timed } from './common.mjs';

const opt = (def) => ({ type: 'string', default: String(def) });
const { values } = parseArgs({ options: { d: opt(500), n: opt(250), width: opt(500), depths: opt('2,3'), steps: opt(200), lr: opt(0.01), repeats: opt(7) } });
const [d, n, k, K, R] = [values.d, values.n, values.width, values.steps, values.repeats].map(Number);
const lr = Number(values.lr);

// x ~ N(0, I_d), a unit teacher, noiseless labels (Tahir et al.); layers i.i.d. N(0, 1/fan-in), so the
// end-to-end vector has norm ≈ 1 and lr = 0.01 is well inside the stable range. Seeds as in deep_linear_gd.py.
const data = normals(n * d, 11);
const teacher = normals(d, 12, 1 / Math.sqrt(d));
const y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let s = 0;
  for (let j = 0; j < d; j++) s += data[i * d + j] * teacher[j];
  y[i] = s;
}
const loss = { kind: 'data', x: { rows: n, cols: d, data }, y };

for (const L of intList(values.depths)) for (const kernel of ['js', 'wasm']) {
  const dims = [d, ...Array(L - 1).fill(k), 1];
  const layers = dims.slice(1).map((rows, j) => ({ rows, cols: dims[j], data: normals(rows * dims[j], 20 + j, 1 / Math.sqrt(dims[j])) }));
  const net0 = { d, layers };
  // tol 0: neither the residual nor the stationarity stop can fire; a fixed number lr: no step-size rule.
  const call = (iterations) => trainDeepLinear(net0, loss, { method: 'gd', lr, tol: 0, maxIterations: iterations, kernel });
  const time = () => {
    const zero = timed(() => call(0));
    const full = timed(() => call(K));
    if (full.value.iterations !== K || full.value.stop !== 'max-iterations') throw new Error(`expected ${K} iterations, got ${full.value.iterations} (${full.value.stop})`);
    return { full: full.seconds, zero: zero.seconds, res0: zero.value.residual, res: full.value.residual };
  };
  for (let w = 0; w < 2; w++) time(); // warm-up (JIT tiers)
  const rs = Array.from({ length: R }, time);
  const last = rs[rs.length - 1];
  const rates = stepRates(rs, K, `deep-linear-gd L=${L} ${kernel}`);
  console.log(JSON.stringify({
    bench: 'deep-linear-gd', case: `L=${L} d=${d} n=${n} k=${k}`, impl: `ftlab-${kernel}`, threads: '1', depth: L, d, n, width: k, lr, steps: K, repeats: R,
    steps_per_s: median(rates),
    runs: rates.map((r) => round(r)),
    setup_ms: round(median(rs.map((s) => s.zero)) * 1000, 1), // the maxIterations = 0 call (median), subtracted
    initial_rmse: last.res0,
    final_rmse: last.res, // ‖Xw − y‖/√n after K steps: the sanity check against NumPy
    node: process.version,
  }));
}
