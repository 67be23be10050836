/**
 * Training diagonal linear networks (Anguita et al. 2026, digest `anguita-pretraining-inductive-bias.md` §1.2,
 * §2, §4, §6.2, §8): conserved quantities under gradient flow and their O(lr²)-per-step drift under GD, GD and
 * flow reaching the same fine-tuned β in the four regimes, interpolation and budgets, real pretraining
 * approaching the closed-form end-of-pretraining state, the plateau guard of the fixed-point test, and
 * option validation.
 */
import { describe, expect, it } from 'vitest';
import type { Mat } from '../src/numeric/matrix.js';
import { createRng } from '../src/numeric/rng.js';
import { cLambdaInit, endOfPretraining, invariants, reinitialise, type DiagonalNet } from '../src/models/diagonal.js';
import { pretrainDiagonal, trainDiagonalFlow, trainDiagonalGD, type DiagonalProgress } from '../src/training/diagonal.js';
import { wasmKernelModule } from '../src/kernels/wasm.js';

/** X (n×d) with i.i.d. N(0, 1/d) entries (digest §4). */
function gaussianInputs(n: number, d: number, seed: number): Mat {
  const x = { rows: n, cols: d, data: new Float64Array(n * d) };
  createRng(seed, 'data', 0).fillNormal(x.data, 1 / Math.sqrt(d));
  return x;
}

function labels(x: Mat, beta: ArrayLike<number>, noise = 0, seed = 0): Float64Array {
  const y = new Float64Array(x.rows);
  const rng = createRng(seed, 'noise', 0);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j] * beta[j];
    y[i] = s + (noise > 0 ? noise * rng.normal() : 0);
  }
  return y;
}

function meanSquare(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * y[i];
  return s / y.length;
}

/** ‖a − b‖/‖b‖. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Largest per-coordinate relative change of c, λ⁺, λ⁻ between two networks (all assumed non-zero at a). */
function maxInvariantChange(a: DiagonalNet, b: DiagonalNet): number {
  const ia = invariants(a);
  const ib = invariants(b);
  let worst = 0;
  for (const key of ['c', 'lambdaP', 'lambdaM'] as const) {
    for (let i = 0; i < a.d; i++) worst = Math.max(worst, Math.abs(ib[key][i] - ia[key][i]) / Math.abs(ia[key][i]));
  }
  return worst;
}

/**
 * Pretraining support: round(0.1 d) coordinates with β_PT = 1 (a_PT = 1). Fine-tuning teacher: s non-zero
 * entries ±(1 + U(0, 1)) — inside the PT support (ω = 1) or outside it (ω = 0).
 */
function fourGroupTeachers(d: number, s: number, omega: 0 | 1, seed: number): { betaPT: Float64Array; betaFT: Float64Array } {
  const perm = createRng(seed, 'teacher', 0).permutation(d);
  const rng = createRng(seed, 'teacher', 1);
  const nPT = Math.round(0.1 * d);
  const betaPT = new Float64Array(d);
  const betaFT = new Float64Array(d);
  for (let k = 0; k < nPT; k++) betaPT[perm[k]] = 1;
  for (let k = 0; k < s; k++) betaFT[perm[omega === 1 ? k : nPT + k]] = rng.sign() * (1 + rng.uniform());
  return { betaPT, betaFT };
}

const C_PT = 1e-3;
/** Digest §6.2, c_PT = 1e-3. */
const REGIMES = [
  { name: 'I (rich, PT-independent)', lambda: -C_PT, gamma: 1e-6, omega: 0 as const, lr: 0.5 },
  { name: 'II (lazy, PT-dependent)', lambda: 0, gamma: 0, omega: 1 as const, lr: 0.5 },
  { name: 'III (lazy, PT-independent)', lambda: 0, gamma: 10, omega: 0 as const, lr: 0.02 },
  { name: 'IV (rich, PT-dependent)', lambda: -0.99 * C_PT, gamma: 0, omega: 1 as const, lr: 0.5 },
];

describe('gradient flow and GD on diagonal networks', () => {
  it('gradient flow conserves c_i and λ^±_i to ~1e-8 relative along the trajectory', () => {
    const d = 60;
    const n = 40;
    const { betaPT, betaFT } = fourGroupTeachers(d, 3, 1, 11);
    const x = gaussianInputs(n, d, 11);
    const y = labels(x, betaFT);
    // Regime II start: c_FT ≈ 1 (PT features) / 2e-3, λ^±_FT = (w_FT)² (readouts re-initialised to 0).
    const start = reinitialise(endOfPretraining(betaPT, C_PT, 0), 0);
    let previousMse = Infinity;
    for (const budget of [10, 100, 1000, 100_000]) {
      const run = trainDiagonalFlow(start, x, y, { maxIterations: budget, mseTol: 1e-10 * meanSquare(y) });
      expect(maxInvariantChange(start, run.net)).toBeLessThan(1e-8);
      expect(run.invariantDrift.relative).toBeLessThan(1e-8);
      expect(run.trainMse).toBeLessThan(previousMse);
      previousMse = run.trainMse;
    }
    // A pretraining run from an imbalanced (c, λ) init: c = 1e-2, λ = −c/2.
    const xs = gaussianInputs(80, d, 12);
    const pre = pretrainDiagonal(xs, labels(xs, betaPT), 1e-2, -5e-3);
    expect(pre.converged).toBe(true);
    expect(maxInvariantChange(cLambdaInit(d, 1e-2, -5e-3), pre.net)).toBeLessThan(1e-8);
  });

  it('one GD step multiplies c_i and λ^±_i by exactly (1 − lr² g_i²); the drift is O(lr²) per step and reported', () => {
    const d = 30;
    const n = 20;
    const { betaPT, betaFT } = fourGroupTeachers(d, 3, 1, 5);
    const x = gaussianInputs(n, d, 5);
    const y = labels(x, betaFT);
    const start = reinitialise(endOfPretraining(betaPT, C_PT, 0), 0.5);
    const lr = 0.3;
    const one = trainDiagonalGD(start, x, y, { lr, maxIterations: 1, mseTol: 0 });
    expect(one.iterations).toBe(1);
    // g = (2/n) Xᵀ(Xβ₀ − y) with β₀ = 0.
    const r = labels(x, new Float64Array(d)).map((v, i) => v - y[i]);
    const i0 = invariants(start);
    const i1 = invariants(one.net);
    for (let i = 0; i < d; i++) {
      let g = 0;
      for (let mu = 0; mu < n; mu++) g += x.data[mu * d + i] * r[mu];
      g *= 2 / n;
      const factor = 1 - lr * lr * g * g;
      expect(i1.c[i] / i0.c[i]).toBeCloseTo(factor, 12);
      expect(i1.lambdaP[i] / i0.lambdaP[i]).toBeCloseTo(factor, 12);
      expect(i1.lambdaM[i] / i0.lambdaM[i]).toBeCloseTo(factor, 12);
    }
    // Over a fixed time horizon T the drift is O(lr) (O(lr²) per step × T/lr steps): halving lr halves it.
    const T = 200;
    const drift = [0.2, 0.1, 0.05].map((step) => trainDiagonalGD(start, x, y, { lr: step, maxIterations: Math.round(T / step), mseTol: 0 }).invariantDrift.relative);
    expect(drift[0]).toBeGreaterThan(0);
    expect(drift[0] / drift[1]).toBeGreaterThan(1.8);
    expect(drift[0] / drift[1]).toBeLessThan(2.2);
    expect(drift[1] / drift[2]).toBeGreaterThan(1.8);
    expect(drift[1] / drift[2]).toBeLessThan(2.2);
    expect(drift[2]).toBeLessThan(1e-2);
  });

  describe.each(REGIMES)('regime $name: fine-tuning from reinitialise(endOfPretraining(β_PT, c, λ), γ)', ({ lambda, gamma, omega, lr }) => {
    it('GD with a small step and gradient flow reach the same interpolating β', () => {
      const d = 60;
      const n = 40;
      const { betaPT, betaFT } = fourGroupTeachers(d, 3, omega, 1);
      const x = gaussianInputs(n, d, 1);
      const y = labels(x, betaFT);
      const mseTol = 1e-9 * meanSquare(y);
      const start = reinitialise(endOfPretraining(betaPT, C_PT, lambda), gamma);
      // "Small": lr · (2/n) λ_max(XᵀX) · max_i S_i stays well below the stability limit 2 at the interpolator,
      // where S_i = √(k_i + 4β_i²) = 2√(c_i² + β_i²) for these symmetric starts.
      const c = invariants(start).c;
      let sMax = 0;
      for (let i = 0; i < d; i++) sMax = Math.max(sMax, 2 * Math.hypot(c[i], betaFT[i]));
      expect(lr * (2 / n) * (1 + Math.sqrt(n / d)) ** 2 * sMax).toBeLessThan(0.5);
      const flow = trainDiagonalFlow(start, x, y, { mseTol });
      const gd = trainDiagonalGD(start, x, y, { lr, mseTol });
      expect(flow.stop).toBe('residual');
      expect(gd.stop).toBe('residual');
      expect(flow.converged && gd.converged).toBe(true);
      expect(flow.trainMse).toBeLessThan(mseTol);
      expect(gd.trainMse).toBeLessThan(mseTol);
      expect(relErr(gd.beta, flow.beta)).toBeLessThan(1e-4);
      expect(Number.isFinite(gd.invariantDrift.absolute)).toBe(true);
      expect(gd.stepsPerSecond).toBeGreaterThan(0);
    });
  });

  it('interpolation: converged with train MSE below the tolerance; a tiny budget reports max-iterations', () => {
    const d = 60;
    const n = 40;
    const { betaPT, betaFT } = fourGroupTeachers(d, 3, 1, 2);
    const x = gaussianInputs(n, d, 2);
    const y = labels(x, betaFT);
    const start = reinitialise(endOfPretraining(betaPT, C_PT, 0), 0);
    const gd = trainDiagonalGD(start, x, y); // the authors' recipe: lr 0.5, MSE < 1e-4
    expect(gd).toMatchObject({ stop: 'residual', converged: true });
    expect(gd.trainMse).toBeLessThan(1e-4);
    expect(gd.iterations).toBeGreaterThan(10);
    const short = trainDiagonalGD(start, x, y, { maxIterations: 10 });
    expect(short).toMatchObject({ stop: 'max-iterations', converged: false, iterations: 10 });
    expect(short.trainMse).toBeGreaterThan(1e-4);
    const flowShort = trainDiagonalFlow(start, x, y, { maxIterations: 5 });
    expect(flowShort).toMatchObject({ stop: 'max-iterations', converged: false });
    expect(flowShort.iterations).toBeLessThanOrEqual(5);
    const flowTime = trainDiagonalFlow(start, x, y, { tEnd: 1 });
    expect(flowTime).toMatchObject({ stop: 'time-limit', converged: false, time: 1 });
  });

  it('a genuine non-interpolating fixed point (noisy labels, n > d) stops as stationary despite the guard', () => {
    const d = 20;
    const n = 60;
    const rng = createRng(9, 'teacher', 0);
    const beta = Float64Array.from({ length: d }, () => rng.sign() * (1 + rng.uniform()));
    const x = gaussianInputs(n, d, 9);
    const y = labels(x, beta, 0.3, 9);
    const start = cLambdaInit(d, 0.1, 0);
    const gd = trainDiagonalGD(start, x, y, { mseTol: 0 });
    expect(gd).toMatchObject({ stop: 'stationary', converged: true });
    const flow = trainDiagonalFlow(start, x, y, { mseTol: 0 });
    expect(flow).toMatchObject({ stop: 'stationary', converged: true });
    // Both sit at the least-squares solution (the only stationary point with every coordinate alive).
    expect(relErr(gd.beta, flow.beta)).toBeLessThan(1e-5);
    expect(gd.trainMse).toBeGreaterThan(0.01);
  });

  it('a dead network (λ_PT = −c_PT, γ_FT = 0: every weight 0) stops at once as stuck, not converged', () => {
    const d = 30;
    const { betaPT, betaFT } = fourGroupTeachers(d, 3, 1, 3);
    const x = gaussianInputs(20, d, 3);
    const y = labels(x, betaFT);
    const start = reinitialise(endOfPretraining(betaPT, C_PT, -C_PT), 0);
    for (const run of [trainDiagonalGD(start, x, y), trainDiagonalFlow(start, x, y)]) {
      expect(run).toMatchObject({ stop: 'stuck', converged: false, iterations: 0 });
      expect(run.beta.every((b) => b === 0)).toBe(true);
      expect(run.trainMse).toBeCloseTo(meanSquare(y), 12);
    }
  });

  it('an unstable step is reported as diverged, with a finite train MSE', () => {
    const d = 60;
    const n = 40;
    const { betaPT, betaFT } = fourGroupTeachers(d, 3, 0, 1);
    const x = gaussianInputs(n, d, 1);
    const start = reinitialise(endOfPretraining(betaPT, C_PT, 0), 10); // regime III: S ≈ 100
    const run = trainDiagonalGD(start, x, labels(x, betaFT), { lr: 0.5 });
    expect(run).toMatchObject({ stop: 'diverged', converged: false });
    expect(Number.isFinite(run.trainMse)).toBe(true);
  });

  it('the TypeScript and WebAssembly kernels give the same run', () => {
    if (!wasmKernelModule()) return; // kernels not built: nothing to compare
    const d = 31;
    const n = 17;
    const { betaPT, betaFT } = fourGroupTeachers(d, 2, 1, 4);
    const x = gaussianInputs(n, d, 4);
    const y = labels(x, betaFT);
    const start = reinitialise(endOfPretraining(betaPT, C_PT, -0.5 * C_PT), 0);
    const a = trainDiagonalGD(start, x, y, { kernel: 'js', maxIterations: 2000, mseTol: 0 });
    const b = trainDiagonalGD(start, x, y, { kernel: 'wasm', maxIterations: 2000, mseTol: 0 });
    expect(a.kernel).toBe('js');
    expect(b.kernel).toBe('wasm');
    expect(relErr(a.beta, b.beta)).toBeLessThan(1e-10);
  });
});

describe('real pretraining', () => {
  const d = 40;
  const n = 80; // n_PT > d, noiseless: the interpolator is β_PT itself
  const betaPT = new Float64Array(d);
  for (const [i, v] of [[3, 1], [7, 1], [11, -1], [20, 1]] as const) betaPT[i] = v;
  const x = gaussianInputs(n, d, 5);
  const y = labels(x, betaPT);

  it.each([0, -0.5 * C_PT, 0.99 * C_PT])('flow from the (c, λ = %s) init approaches endOfPretraining(β_PT, c, λ) as it converges', (lambda) => {
    const oracle = endOfPretraining(betaPT, C_PT, lambda);
    const errors = [1e-8, 1e-12, 1e-16].map((mseTol) => {
      const run = pretrainDiagonal(x, y, C_PT, lambda, { mseTol });
      expect(run).toMatchObject({ stop: 'residual', converged: true });
      return {
        beta: relErr(run.beta, betaPT),
        w: Math.max(relErr(run.net.wp, oracle.wp), relErr(run.net.wm, oracle.wm)),
        v: Math.max(relErr(run.net.vp, oracle.vp), relErr(run.net.vm, oracle.vm)),
      };
    });
    for (let k = 1; k < errors.length; k++) {
      expect(errors[k].beta).toBeLessThan(errors[k - 1].beta / 10);
      expect(errors[k].w).toBeLessThan(errors[k - 1].w / 10);
      expect(errors[k].v).toBeLessThan(errors[k - 1].v / 10);
    }
    expect(errors[2].w).toBeLessThan(1e-5);
    expect(errors[2].v).toBeLessThan(1e-5);
  });

  it('GD pretraining reaches β_PT, and the first layer up to its invariant drift', () => {
    const oracle = endOfPretraining(betaPT, 0.1, -0.05);
    const run = pretrainDiagonal(x, y, 0.1, -0.05, { method: 'gd', mseTol: 1e-14 });
    expect(run).toMatchObject({ stop: 'residual', converged: true });
    expect(relErr(run.beta, betaPT)).toBeLessThan(1e-6);
    const w = Math.max(relErr(run.net.wp, oracle.wp), relErr(run.net.wm, oracle.wm));
    expect(w).toBeLessThan(1e-2);
    expect(w).toBeGreaterThan(1e-6); // GD does not conserve the invariants exactly
    expect(run.invariantDrift.relative).toBeGreaterThan(1e-6);
  });
});

describe('the plateau guard of the fixed-point test', () => {
  it('tiny init (c = 1e-6): the naive test stops on a plateau far from the floor, the guarded one reaches the interpolator', () => {
    const d = 20;
    const n = 40;
    const rng = createRng(3, 'teacher', 0);
    const beta = Float64Array.from({ length: d }, () => rng.sign() * (1 + rng.uniform()));
    beta[1] = 1e-3; // one small coordinate: learned last, after a long plateau
    const x = gaussianInputs(n, d, 7);
    const y = labels(x, beta);
    const start = cLambdaInit(d, 1e-6, 0);
    const mseTol = 1e-14;
    const naive = trainDiagonalGD(start, x, y, { mseTol, plateauGuard: false });
    expect(naive.stop).toBe('stationary');
    expect(naive.trainMse).toBeGreaterThan(1e4 * mseTol);
    expect(Math.abs(naive.beta[1] - 1e-3)).toBeGreaterThan(5e-4);
    const guarded = trainDiagonalGD(start, x, y, { mseTol });
    expect(guarded).toMatchObject({ stop: 'residual', converged: true });
    expect(guarded.iterations).toBeGreaterThan(naive.iterations);
    expect(Math.abs(guarded.beta[1] - 1e-3)).toBeLessThan(1e-6);
    expect(relErr(guarded.beta, beta)).toBeLessThan(1e-6);
    const flow = trainDiagonalFlow(start, x, y, { mseTol });
    expect(flow.stop).toBe('residual');
    expect(relErr(flow.beta, guarded.beta)).toBeLessThan(1e-6);
  });

  it('tinier init (c = 1e-12): on the plateau the loss is flat too, so only the mirror-coordinate guard stops the naive test', () => {
    // Orthogonal design X = I₃, β* = (1, 1e-4, 0): coordinate 2 grows like e^{|g₂| t} from ~1e-12 for ~10⁵ steps.
    const d = 3;
    const x = { rows: d, cols: d, data: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) };
    const y = Float64Array.from([1, 1e-4, 0]);
    const start = cLambdaInit(d, 1e-12, 0);
    const seen: DiagonalProgress[] = [];
    const naive = trainDiagonalGD(start, x, y, { mseTol: 1e-14, plateauGuard: false, onEvaluate: (p) => seen.push(p) });
    expect(naive.stop).toBe('stationary');
    expect(naive.beta[1]).toBeLessThan(1e-9);
    const last = seen[seen.length - 1];
    expect(last.betaChange).toBeLessThan(1e-6);
    expect(last.lossDecrease).toBeLessThan(1e-6); // a loss-only guard would have let it stop as well
    expect(last.mirrorMove).toBeGreaterThan(1e-2); // … but the mirror coordinate of β₂ is still moving
    const guarded = trainDiagonalGD(start, x, y, { mseTol: 1e-14 });
    expect(guarded).toMatchObject({ stop: 'residual', converged: true });
    expect(guarded.beta[1]).toBeCloseTo(1e-4, 6);
    const flow = trainDiagonalFlow(start, x, y, { mseTol: 1e-14 });
    expect(flow.stop).toBe('residual');
    expect(flow.beta[1]).toBeCloseTo(1e-4, 6);
  });
});

describe('option validation', () => {
  const d = 5;
  const x = gaussianInputs(4, d, 1);
  const y = labels(x, Float64Array.from([1, 0, 0, 0, 0]));
  const net = cLambdaInit(d, 1e-2, 0);
  const cases: [string, () => unknown, RegExp][] = [
    ['lr < 0', () => trainDiagonalGD(net, x, y, { lr: -1 }), /^lr: expected a finite number > 0 \(got -1\)/],
    ['lr NaN', () => trainDiagonalGD(net, x, y, { lr: NaN }), /^lr: /],
    ['mseTol < 0', () => trainDiagonalGD(net, x, y, { mseTol: -1 }), /^mseTol: /],
    ['maxIterations fractional', () => trainDiagonalGD(net, x, y, { maxIterations: 1.5 }), /^maxIterations: expected an integer ≥ 0/],
    ['fixedPointEvery 0', () => trainDiagonalGD(net, x, y, { fixedPointEvery: 0 }), /^fixedPointEvery: /],
    ['fixedPointTol < 0', () => trainDiagonalGD(net, x, y, { fixedPointTol: -1e-6 }), /^fixedPointTol: /],
    ['fixedPointPatience 0', () => trainDiagonalGD(net, x, y, { fixedPointPatience: 0 }), /^fixedPointPatience: /],
    ['mirrorTol 0', () => trainDiagonalGD(net, x, y, { mirrorTol: 0 }), /^mirrorTol: /],
    ['kernel', () => trainDiagonalGD(net, x, y, { kernel: 'gpu' as 'js' }), /^kernel: /],
    ['y length', () => trainDiagonalGD(net, x, y.subarray(1)), /^y: expected length n = 4/],
    ['net.d', () => trainDiagonalGD(cLambdaInit(d + 1, 1e-2, 0), x, y), /^net.d: /],
    ['non-finite weight', () => trainDiagonalGD({ ...net, wp: Float64Array.from([NaN, 0, 0, 0, 0]) }, x, y), /^net.wp\[0\]: /],
    ['rtol 0', () => trainDiagonalFlow(net, x, y, { rtol: 0 }), /^rtol: expected a number in \[1e-14, 1e-3\]/],
    ['rtol 1', () => trainDiagonalFlow(net, x, y, { rtol: 1 }), /^rtol: /],
    ['atol 0', () => trainDiagonalFlow(net, x, y, { atol: 0 }), /^atol: /],
    ['stationaryTol < 100 rtol', () => trainDiagonalFlow(net, x, y, { rtol: 1e-8, stationaryTol: 1e-8 }), /^stationaryTol: /],
    ['tEnd', () => trainDiagonalFlow(net, x, y, { tEnd: -1 }), /^tEnd: /],
    ['flow mseTol', () => trainDiagonalFlow(net, x, y, { mseTol: NaN }), /^mseTol: /],
    ['flow maxIterations', () => trainDiagonalFlow(net, x, y, { maxIterations: -1 }), /^maxIterations: /],
    ['pretrain method', () => pretrainDiagonal(x, y, 1e-2, 0, { method: 'sgd' as 'gd' }), /^method: /],
    ['pretrain λ', () => pretrainDiagonal(x, y, 1e-2, 0.5), /^lambda: /],
    ['pretrain c', () => pretrainDiagonal(x, y, -1, 0), /^c: /],
  ];
  it.each(cases)('%s throws a RangeError naming the field', (_name, call, message) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  });
});
