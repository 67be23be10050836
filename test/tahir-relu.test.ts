/**
 * Mean-field ReLU networks and the nonlinear transfer experiment of Tahir, Ganguli & Rotskoff (digest §6):
 * the arc-cosine kernel and the exact population risk against seeded Monte Carlo, backprop and the
 * population gradient against finite differences, the out-of-span norm, pretraining, linear transfer as an
 * exact least-squares refit, and parameter validation of the job.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { summarize } from '../src/numeric/stats.js';
import { minNormSolve } from '../src/numeric/linalg.js';
import type { Mat } from '../src/numeric/matrix.js';
import {
  type MeanFieldRelu,
  type NeuronSum,
  asNeuronSum,
  crossVector,
  empiricalLossAndGrad,
  empiricalWorkspace,
  initMeanFieldRelu,
  meanFieldForward,
  neuronSumNorm2,
  outOfSpanNorm,
  populationLossAndGrad,
  populationRisk,
  populationWorkspace,
  refitOutputLayer,
  reluKernel,
  reluKernelMatrix,
  riskOnFeatures,
} from '../src/models/meanFieldRelu.js';
import { empiricalObjective, populationObjective, trainMeanField } from '../src/training/meanFieldRelu.js';
import { reluTeacher, sourceTeacher } from '../src/experiments/jobs/tahirReluTransfer.js';
import { fitPowerLaw } from '../src/experiments/presets/tahirRelu.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';

const relu = (v: number) => (v > 0 ? v : 0);

function gaussian(rows: number, cols: number, seed: number, purpose = 'evaluation'): Mat {
  return { rows, cols, data: createRng(seed, purpose).fillNormal(new Float64Array(rows * cols)) };
}

function randomNet(d: number, m: number, seed: number): MeanFieldRelu {
  const net = initMeanFieldRelu(d, m, 1, createRng(seed, 'init'));
  return net;
}

/** f(x) = Σ a_j relu(w_jᵀx) evaluated on the rows of X. */
function evalSum(f: NeuronSum, x: Mat): Float64Array {
  const net: MeanFieldRelu = { m: f.k, d: f.d, w: f.w, c: f.a.map((a) => a * f.k) };
  return meanFieldForward(net, x);
}

describe('arc-cosine kernel and exact population risk', () => {
  it('E[relu(wᵀx) relu(vᵀx)] matches seeded Monte Carlo within 4 s.e. (any norms, any angle)', () => {
    const d = 6;
    const N = 200_000;
    const x = gaussian(N, d, 1);
    const rng = createRng(2, 'teacher');
    const base = rng.fillNormal(new Float64Array(d));
    const other = rng.fillNormal(new Float64Array(d));
    const pairs: [Float64Array, Float64Array][] = [
      [base, other.map((v) => 2.5 * v)], // generic angle, unequal norms
      [base, base.map((v, j) => 0.7 * v + 0.01 * other[j])], // nearly parallel
      [base, base.map((v, j) => -0.3 * v + 0.02 * other[j])], // nearly antiparallel
      [base, Float64Array.from(base)], // identical: ‖w‖²/2
    ];
    for (const [w, v] of pairs) {
      const prod = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let a = 0;
        let b = 0;
        for (let j = 0; j < d; j++) {
          a += w[j] * x.data[i * d + j];
          b += v[j] * x.data[i * d + j];
        }
        prod[i] = relu(a) * relu(b);
      }
      const s = summarize(prod);
      expect(Math.abs(reluKernel(w, v) - s.mean)).toBeLessThan(4 * s.stderr + 1e-12);
    }
    // identical vectors: exactly ‖w‖²/2
    let ww = 0;
    for (const v of base) ww += v * v;
    expect(reluKernel(base, base)).toBeCloseTo(ww / 2, 12);
  });

  it('the exact risk E(f − g)² of a small random net against a teacher matches Monte Carlo within 4 s.e.', () => {
    const d = 5;
    const net = randomNet(d, 7, 3);
    const rng = createRng(4, 'teacher');
    const g: NeuronSum = { k: 3, d, w: rng.fillNormal(new Float64Array(3 * d)), a: rng.fillNormal(new Float64Array(3)) };
    const f = asNeuronSum(net);
    const x = gaussian(200_000, d, 5);
    const fx = evalSum(f, x);
    const gx = evalSum(g, x);
    const sq = fx.map((v, i) => (v - gx[i]) ** 2);
    const s = summarize(sq);
    const exact = populationRisk(f, g);
    expect(Math.abs(exact - s.mean)).toBeLessThan(4 * s.stderr);
    // and ‖g‖² two ways
    expect(neuronSumNorm2(g)).toBeCloseTo(populationRisk({ k: 0, d, w: new Float64Array(0), a: new Float64Array(0) }, g), 12);
  });
});

describe('gradients', () => {
  const fd = (loss: (p: Float64Array) => number, p: Float64Array, h = 1e-6): Float64Array => {
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i];
      p[i] = keep + h;
      const up = loss(p);
      p[i] = keep - h;
      const down = loss(p);
      p[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  };
  const relErr = (a: Float64Array, b: Float64Array) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    return Math.sqrt(num / den);
  };

  it('backprop of the empirical loss equals central finite differences', () => {
    const d = 4;
    const m = 6;
    const n = 9;
    const net = randomNet(d, m, 6);
    const x = gaussian(n, d, 7, 'data');
    const y = createRng(8, 'noise').fillNormal(new Float64Array(n));
    const ws = empiricalWorkspace(m, n);
    const gw = new Float64Array(m * d);
    const gc = new Float64Array(m);
    empiricalLossAndGrad(net, x, y, gw, gc, ws);
    const scratchW = new Float64Array(m * d);
    const scratchC = new Float64Array(m);
    const lossW = (w: Float64Array) => empiricalLossAndGrad({ ...net, w }, x, y, scratchW, scratchC, empiricalWorkspace(m, n));
    const lossC = (c: Float64Array) => empiricalLossAndGrad({ ...net, c }, x, y, scratchW, scratchC, empiricalWorkspace(m, n));
    expect(relErr(gw, fd(lossW, Float64Array.from(net.w)))).toBeLessThan(1e-6);
    expect(relErr(gc, fd(lossC, Float64Array.from(net.c)))).toBeLessThan(1e-6);
  });

  it('the exact population-loss gradient (arc-cosine kernel) equals central finite differences', () => {
    const d = 5;
    const m = 7;
    const net = randomNet(d, m, 9);
    const rng = createRng(10, 'teacher');
    const g: NeuronSum = { k: 4, d, w: rng.fillNormal(new Float64Array(4 * d)), a: rng.fillNormal(new Float64Array(4)) };
    const gg = neuronSumNorm2(g);
    const gw = new Float64Array(m * d);
    const gc = new Float64Array(m);
    const loss = populationLossAndGrad(net, g, gg, gw, gc, populationWorkspace(m, 4));
    expect(loss).toBeCloseTo(populationRisk(asNeuronSum(net), g), 12);
    const sw = new Float64Array(m * d);
    const sc = new Float64Array(m);
    const lossW = (w: Float64Array) => populationLossAndGrad({ ...net, w }, g, gg, sw, sc, populationWorkspace(m, 4));
    const lossC = (c: Float64Array) => populationLossAndGrad({ ...net, c }, g, gg, sw, sc, populationWorkspace(m, 4));
    expect(relErr(gw, fd(lossW, Float64Array.from(net.w)))).toBeLessThan(1e-6);
    expect(relErr(gc, fd(lossC, Float64Array.from(net.c)))).toBeLessThan(1e-6);
  });
});

describe('out-of-span norm, pretraining and linear transfer', () => {
  it('‖P⊥f_t‖² over the source neurons is 0 at μ = 0, grows with μ, and is at most ‖f_t − f_s‖²', () => {
    const pair = reluTeacher(20, 20, 1);
    const tt = neuronSumNorm2(pair.target);
    expect(tt).toBeCloseTo(1, 12);
    const values = [0, 0.2, 0.4, 0.6, 0.8].map((mu) => {
      const s = sourceTeacher(pair, mu);
      const oos = outOfSpanNorm(s.w, s.k, pair.target, { targetNorm2: tt }).value;
      // f_s itself lies in the span, so the projection is at least as close as f_s
      expect(oos).toBeLessThanOrEqual(populationRisk(s, pair.target) + 1e-12);
      return oos;
    });
    expect(values[0]).toBeLessThan(1e-10);
    for (let k = 1; k < values.length; k++) expect(values[k]).toBeGreaterThan(values[k - 1]);
    expect(values[4]).toBeLessThan(1);
  });

  it('pretraining on the population loss reduces the source risk by a large factor', () => {
    const pair = reluTeacher(10, 10, 2);
    const source = sourceTeacher(pair, 0.3);
    const ss = neuronSumNorm2(source);
    const init = initMeanFieldRelu(10, 60, 1e-3, createRng(2, 'init'));
    const before = populationRisk(asNeuronSum(init), source);
    const res = trainMeanField(init, populationObjective(source, ss, 60), { tol: 1e-3, maxIterations: 20000 });
    expect(res.converged).toBe(true);
    expect(res.stop).toBe('residual');
    const after = populationRisk(asNeuronSum(res.net), source);
    expect(after).toBeCloseTo(res.loss, 10);
    expect(before / after).toBeGreaterThan(500);
    // the student's own feature span then carries the source: its out-of-span norm of f_s is tiny
    expect(outOfSpanNorm(res.net.w, 60, source, { ridge: 1e-6 }).value).toBeLessThan(2e-3 * ss);
  });

  it('training from scratch interpolates the target samples', () => {
    const pair = reluTeacher(10, 10, 3);
    const x = gaussian(20, 10, 3, 'data');
    const y = evalSum(pair.target, x);
    const init = initMeanFieldRelu(10, 80, 1e-3, createRng(3, 'init'));
    const res = trainMeanField(init, empiricalObjective(x, y, 80), { tol: 1e-4, maxIterations: 20000 });
    expect(res.converged).toBe(true);
    expect(res.stop).toBe('residual');
    expect(res.relativeLoss).toBeLessThan(1e-4 + 1e-12);
  });

  it('linear transfer is the exact (ridge or minimum-norm) least-squares refit of the output layer', () => {
    const d = 6;
    const p = 15;
    const w = createRng(4, 'init').fillNormal(new Float64Array(p * d));
    const pair = reluTeacher(d, 5, 4);
    for (const n of [8, 40]) {
      // n < p (dual) and n > p (primal)
      const x = gaussian(n, d, 5 + n, 'data');
      const y = evalSum(pair.target, x);
      const h: Mat = { rows: n, cols: p, data: new Float64Array(n * p) };
      for (let j = 0; j < n; j++)
        for (let i = 0; i < p; i++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += x.data[j * d + t] * w[i * d + t];
          h.data[j * p + i] = relu(s);
        }
      const u0 = refitOutputLayer(w, p, d, x, y, 0);
      const ls = minNormSolve(h, y);
      for (let i = 0; i < p; i++) expect(u0[i]).toBeCloseTo(ls[i], 7);
      // ridge: min (1/n)‖Hu − y‖² + λ‖u‖² is least squares on [H; √(nλ) I] u ≈ [y; 0]
      const lambda = 0.05;
      const aug: Mat = { rows: n + p, cols: p, data: new Float64Array((n + p) * p) };
      aug.data.set(h.data);
      for (let i = 0; i < p; i++) aug.data[(n + i) * p + i] = Math.sqrt(n * lambda);
      const rhs = new Float64Array(n + p);
      rhs.set(y);
      const ref = minNormSolve(aug, rhs);
      const ur = refitOutputLayer(w, p, d, x, y, lambda);
      for (let i = 0; i < p; i++) expect(ur[i]).toBeCloseTo(ref[i], 8);
      // its risk through the feature Gram equals the risk of the refit network
      const gram = reluKernelMatrix(w, p, w, p, d);
      const cross = crossVector(w, p, pair.target);
      const viaGram = riskOnFeatures(gram, cross, neuronSumNorm2(pair.target), ur);
      expect(viaGram).toBeCloseTo(populationRisk({ k: p, d, w, a: ur }, pair.target), 10);
    }
  });
});

describe('job tahir-relu-transfer', () => {
  const base = { d: 8, width: 40, teacherWidth: 8, ns: [10, 40] };

  it('rejects bad parameters with an error that names the field and the range', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...base, mus: [1] }, /mus\.0: expected a fraction that keeps at least one/],
      [{ ...base, mus: [1.5] }, /mus\.0: expected a number in \[0, 1\]/],
      [{ ...base, width: 1, scratch: true }, /width: expected an integer in \[2, 4000\]/],
      [{ ...base, ns: [], scratch: true }, /ns: /],
      [{ ...base }, /mus: expected at least one μ, or scratch: true/],
      [{ ...base, mus: [0.5], ridge: -1 }, /ridge: expected a number in \[0, 10\]/],
      [{ ...base, mus: [0.5], lr: 0 }, /lr: expected a number in \(0, 100\]/],
      [{ ...base, mus: [0.5], bogus: 1 }, /unknown field\(s\) "bogus"/],
    ];
    for (const [params, message] of bad) expect(() => makeJob({ type: 'tahir-relu-transfer', params, seed: 0 })).toThrow(message);
  });

  it('runs end to end: finite metrics, converged, zero out-of-span norm and small transfer risk at μ = 0', () => {
    const r = executeJob(makeJob({ type: 'tahir-relu-transfer', params: { ...base, mus: [0, 0.5], scratch: true }, seed: 1 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.output.metrics;
    expect(r.output.status.converged).toBe(true);
    expect(m['teacher.norm2']).toBeCloseTo(1, 12);
    expect(m['pre.0.oosTeacher']).toBe(0);
    expect(m['pre.1.oosTeacher']).toBeGreaterThan(0);
    expect(m['pre.0.relativeSourceRisk']).toBeLessThanOrEqual(5e-3);
    // μ = 0: the pretrained features carry f_t, so transfer beats scratch at the small n
    expect(m['lt.0.0.risk']).toBeLessThan(m['sc.0.risk']);
    // linear transfer cannot beat its n → ∞ floor by much, and approaches it as n grows
    expect(m['lt.1.1.risk']).toBeLessThan(m['lt.1.0.risk']);
    expect(m['lt.1.1.risk']).toBeGreaterThan(0.8 * m['pre.1.oosStudent']);
  });

  it('fitPowerLaw recovers an exact power law', () => {
    const n = [25, 50, 100, 200];
    const fit = fitPowerLaw(n, n.map((v) => 3 * v ** -0.7))!;
    expect(fit.a).toBeCloseTo(3, 10);
    expect(fit.b).toBeCloseTo(0.7, 10);
    expect(fit.bStderr).toBeLessThan(1e-10);
    expect(fit.r2).toBeCloseTo(1, 12);
  });
});
