// Measures ftlab's own full-batch GD loop for two-layer diagonal linear networks β = w⁺⊙v⁺ − w⁻⊙v⁻
// (trainDiagonalGD in dist/training/diagonal.js, kernels 'js' and 'wasm'): median steps/s at d = 5000 and
// n = 250, 1500 by default. Each repeat times one call with maxIterations = K and one with maxIterations = 0
// (the same set-up: checks, copying X into the kernel's memory, the first pass, the result) and takes
// K / (t_K − median t_0), so the rate is that of the step loop alone. Prints one JSON line per (size, kernel).
// Needs `npm run build` first. Flags: --d --n (list) --steps (list, one per n or one for all) --repeats.
import { parseArgs } from 'node:util';
import { trainDiagonalGD } from '../dist/training/diagonal.js';
import { cLambdaInit } from '../dist/models/diagonal.js';
import { createWasmWorkspace } from '../dist/kernels/wasm.js';
import { intList, median, normals, round, stepRates, timed } from './common.mjs';

const opt = (def) => ({ type: 'string', default: String(def) });
const { values } = parseArgs({ options: { d: opt(5000), n: opt('250,1500'), steps: opt('300,80'), repeats: opt(7) } });
const d = Number(values.d);
const ns = intList(values.n);
const stepsList = intList(values.steps);
const R = Number(values.repeats);
const LR = 0.5; // the authors' constant step (digest §8), ftlab's default
const RHO = 0.1; // teacher density

// Data as in the 'single-task' Anguita job: X_ij ~ N(0, 1/d), a sparse teacher (every 10th coordinate,
// N(0, 1/ρ)), noiseless labels, the (c, λ) = (1, 0) initialisation (β(0) = 0). Seeds as in bench_common.py.
function problem(n) {
  const data = normals(n * d, 1, 1 / Math.sqrt(d));
  const z = normals(d, 2, 1 / Math.sqrt(RHO));
  const betaStar = Float64Array.from(z, (v, j) => (j % 10 === 0 ? v : 0));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[i * d + j] * betaStar[j];
    y[i] = s;
  }
  return { x: { rows: n, cols: d, data }, y, net0: cLambdaInit(d, 1, 0) };
}

const kernels = createWasmWorkspace(1) ? ['js', 'wasm'] : ['js'];
ns.forEach((n, c) => {
  const K = stepsList[Math.min(c, stepsList.length - 1)];
  const { x, y, net0 } = problem(n);
  // mseTol 0: the residual stop cannot fire (train MSE > 0 at these sizes); K < fixedPointEvery (5000)
  // means no fixed-point evaluation happens in the timed window either, as in the first 5000 steps of a run.
  const call = (kernel, iterations) => trainDiagonalGD(net0, x, y, { lr: LR, mseTol: 0, maxIterations: iterations, kernel });
  const time = (kernel) => {
    const zero = timed(() => call(kernel, 0));
    const full = timed(() => call(kernel, K));
    if (full.value.iterations !== K || full.value.stop !== 'max-iterations') throw new Error(`expected ${K} iterations, got ${full.value.iterations} (${full.value.stop})`);
    return { full: full.seconds, zero: zero.seconds, mse0: zero.value.trainMse, mse: full.value.trainMse };
  };
  for (let k = 0; k < 2; k++) for (const kernel of kernels) time(kernel); // warm-up (JIT tiers)
  const runs = Object.fromEntries(kernels.map((k) => [k, []]));
  for (let r = 0; r < R; r++) for (const kernel of kernels) runs[kernel].push(time(kernel)); // interleaved
  for (const kernel of kernels) {
    const rs = runs[kernel];
    const last = rs[rs.length - 1];
    const rates = stepRates(rs, K, `diagonal-gd n=${n} ${kernel}`);
    console.log(JSON.stringify({
      bench: 'diagonal-gd', case: `d=${d} n=${n}`, impl: `ftlab-${kernel}`, threads: '1', d, n, steps: K, repeats: R,
      steps_per_s: median(rates),
      runs: rates.map((r) => round(r)),
      setup_ms: round(median(rs.map((s) => s.zero)) * 1000, 1), // the maxIterations = 0 call (median), subtracted
      initial_mse: last.mse0,
      final_mse: last.mse, // train MSE (1/n)‖Xβ − y‖² after K steps: the sanity check against NumPy
      node: process.version,
    }));
  }
});
