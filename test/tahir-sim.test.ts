/**
 * Simulations of the deep-linear transfer experiment (Tahir et al. 2025) against their theory:
 * pretraining gives a rank-one feature along β_s; linear transfer is the scalar regression on z = Xβ_s;
 * gradient-flow scratch and fine-tuning runs end where the implicit-bias limits say; the spectral
 * least-squares factorisation agrees with the direct solvers; and seeded Monte-Carlo means of the
 * `tahir-transfer` job match the exact finite-size and proportional-limit formulas within 4 standard errors.
 */
import { describe, expect, it } from 'vitest';
import { SpectralLeastSquares } from '../src/numeric/leastSquares.js';
import { minNormSolve } from '../src/numeric/linalg.js';
import { type Mat, dot, matTVec, matVec, zeros } from '../src/numeric/matrix.js';
import { createRng } from '../src/numeric/rng.js';
import { summarize } from '../src/numeric/stats.js';
import { drawAngleTeachers, drawDesign, isotropicRisk, labels, targetTeacher } from '../src/tasks/angleTeachers.js';
import { endToEnd, featureSpan, fineTuneLimit, linearTransfer, pretrainPopulation, pretrainSamples, scratchLimit, trainFineTune, trainScratch, type TrainingChoice } from '../src/training/transfer.js';
import { runTahirTransfer, tahirTransferParams } from '../src/experiments/jobs/tahirTransfer.js';
import { makeJob } from '../src/experiments/job.js';
import { fineTuningRisk, linearTransferRisk, scratchRiskFinite } from '../src/theory/tahir/transfer.js';

const FLOW: TrainingChoice = { method: 'flow', tol: 1e-10, maxIterations: 2_000_000, lrFactor: 1 };

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function randomMat(rows: number, cols: number, seed: number): Mat {
  const m = zeros(rows, cols);
  createRng(seed, 'data', 99).fillNormal(m.data);
  return m;
}

describe('pretraining and linear transfer', () => {
  const d = 30;
  const spec = { d, depth: 2, width: d, initScale: 1e-5 };
  const teachers = drawAngleTeachers(d, 3);
  const pre = pretrainPopulation(spec, teachers.betaS, 3, FLOW);

  it('population pretraining converges to β_s with a rank-one feature aligned with β_s', () => {
    expect(pre.converged).toBe(true);
    expect(isotropicRisk(endToEnd(pre.net), teachers.betaS)).toBeLessThan(1e-12);
    const span = featureSpan(pre.net, 1e-3, 3);
    expect(span.sigma.length).toBe(1);
    // Balanced layers: the single singular value is ‖β_s‖^{1/2} = 1; the rest are remnants O(α) of the init.
    expect(span.sigma[0]).toBeCloseTo(1, 6);
    expect(span.nextRelative).toBeLessThan(1e-3);
    expect(Math.abs(dot(span.u[0], teachers.betaS))).toBeGreaterThan(1 - 1e-9);
  });

  it('finite-source pretraining aligns the feature with the min-norm source estimate X_s⁺y_s', () => {
    const design = drawDesign(15, d, 3, 'source');
    const y = labels(design, teachers.betaS, 0.2);
    const run = pretrainSamples(spec, design.x, y, 3, FLOW);
    expect(run.converged).toBe(true);
    const target = minNormSolve(design.x, y);
    expect(relDiff(endToEnd(run.net), target)).toBeLessThan(1e-5);
    const span = featureSpan(run.net, 1e-3, 3);
    expect(span.sigma.length).toBe(1);
    expect(Math.abs(dot(span.u[0], target)) / Math.sqrt(dot(target, target))).toBeGreaterThan(1 - 1e-9);
  });

  it('linear transfer equals the scalar regression of y on z = Xβ_s (with and without ridge)', () => {
    const span = featureSpan(pre.net, 1e-3, 3);
    const design = drawDesign(20, d, 5, 'target');
    const betaT = targetTeacher(teachers, 0.7);
    const y = labels(design, betaT, 0.3);
    const z = matVec(design.x, teachers.betaS);
    for (const lambda of [0, 0.1, 0.5]) {
      const b = dot(z, y) / (dot(z, z) + y.length * lambda);
      const expected = Float64Array.from(teachers.betaS, (v) => b * v);
      expect(relDiff(linearTransfer(span, design.x, y, lambda), expected)).toBeLessThan(1e-8);
    }
  });
});

describe('gradient flow ends at the implicit-bias limits', () => {
  const d = 14;
  const spec = { d, depth: 2, width: d, initScale: 1e-5 };
  const teachers = drawAngleTeachers(d, 7);
  const pre = pretrainPopulation(spec, teachers.betaS, 7, FLOW);
  const w0 = endToEnd(pre.net);
  for (const n of [7, 11, 21]) {
    it(`scratch and fine-tuning at n = ${n}, d = ${d}`, () => {
      const design = drawDesign(n, d, 11, 'target');
      const betaT = targetTeacher(teachers, Math.PI / 3);
      const y = labels(design, betaT, 0.2);
      const ls = new SpectralLeastSquares(design.x);
      const sc = trainScratch(spec, design.x, y, 7, 0, FLOW);
      expect(sc.converged).toBe(true);
      expect(relDiff(sc.w, scratchLimit(ls, y, 2, 0).w)).toBeLessThan(1e-4);
      const ft = trainFineTune(pre.net, design.x, y, FLOW);
      expect(ft.converged).toBe(true);
      const lim = fineTuneLimit(ls, y, w0, 2);
      expect(relDiff(ft.w, lim.w)).toBeLessThan(1e-4);
      // The κ correction matters: κ ≠ 1 changes the limit by more than the tolerance when n < d.
      if (n < d) expect(Math.abs(lim.kappa - 1)).toBeGreaterThan(1e-3);
    });
  }

  it('scratch with weight decay (L = 2) ends at the ‖w‖-penalised least squares', () => {
    const design = drawDesign(9, d, 13, 'target');
    const y = labels(design, targetTeacher(teachers, 0.4), 0.2);
    const ls = new SpectralLeastSquares(design.x);
    for (const tau of [0.01, 0.1]) {
      const run = trainScratch(spec, design.x, y, 7, 0, { ...FLOW, tol: 1e-9 }, tau);
      expect(run.converged).toBe(true);
      const lim = scratchLimit(ls, y, 2, tau);
      expect(lim.converged).toBe(true);
      expect(relDiff(run.w, lim.w)).toBeLessThan(1e-4);
    }
  });
});

describe('SpectralLeastSquares', () => {
  for (const [n, d] of [
    [7, 12],
    [12, 7],
    [9, 9],
  ]) {
    it(`matches the direct min-norm and ridge solutions (n = ${n}, d = ${d})`, () => {
      const x = randomMat(n, d, n * 100 + d);
      const y = createRng(n, 'noise', d).fillNormal(new Float64Array(n));
      const ls = new SpectralLeastSquares(x);
      expect(relDiff(ls.minNorm(y), minNormSolve(x, y))).toBeLessThan(1e-10);
      // Ridge: (XᵀX/n + μI) β = Xᵀy/n holds.
      const mu = 0.3;
      const beta = ls.ridge(y, mu);
      const lhs = matTVec(x, matVec(x, beta)).map((v, i) => v / n + mu * beta[i]);
      const rhs = matTVec(x, y).map((v) => v / n);
      expect(relDiff(lhs, rhs)).toBeLessThan(1e-10);
      // ‖w‖-penalised: the subgradient condition Xᵀ(Xβ − y)/n + τ β/‖β‖ = 0.
      const tau = 0.2 * Math.sqrt(dot(rhs, rhs));
      const g = ls.groupPenaltySolution(y, tau).value;
      const norm = Math.sqrt(dot(g, g));
      const grad = matTVec(x, matVec(x, g).map((v, i) => v - y[i])).map((v, i) => v / n + (tau * g[i]) / norm);
      expect(Math.sqrt(dot(grad, grad))).toBeLessThan(1e-9 * Math.sqrt(dot(rhs, rhs)));
      // Above the threshold ‖Xᵀy/n‖ the solution is 0.
      expect(Math.sqrt(dot(ls.groupPenaltySolution(y, 1.01 * Math.sqrt(dot(rhs, rhs))).value.map((v) => v * v), new Float64Array(d).fill(1)))).toBe(0);
    });
  }
});

describe('Monte Carlo of the tahir-transfer job against the closed forms (seeded; |mean − theory| < 4 s.e.)', () => {
  const d = 60;
  const sigma = 0.3;
  const thetas = [Math.PI / 6, Math.PI / 3];
  const instances = 150;
  for (const n of [24, 120]) {
    it(`scratch, linear transfer and fine-tuning at n = ${n}, d = ${d}`, () => {
      const params = tahirTransferParams.parse({ d, n, sigma, thetas, lambdas: [0] });
      const runs = Array.from({ length: instances }, (_, s) => runTahirTransfer(params, s));
      expect(runs.every((r) => r.status.converged)).toBe(true);
      thetas.forEach((theta, k) => {
        const sc = summarize(runs.map((r) => r.metrics[`sc.${k}.0.risk`]));
        expect(Math.abs(sc.mean - scratchRiskFinite(n, d, sigma))).toBeLessThan(4 * sc.stderr);
        const lt = summarize(runs.map((r) => r.metrics[`lt.${k}.0.risk`]));
        expect(Math.abs(lt.mean - linearTransferRisk(theta, sigma, n))).toBeLessThan(4 * lt.stderr);
        if (n < d) {
          // Fine-tuning: exact in expectation for the null-space and noise parts given κ; κ fluctuates O(d^{-1/2})
          // per draw, a second-order effect, so the proportional-limit formula with κ is the reference.
          const ft = summarize(runs.map((r) => r.metrics[`ft.${k}.risk`]));
          const gamma = n / d;
          const noise = (sigma * sigma * n) / (d - n - 1);
          const theory = fineTuningRisk(theta, gamma, sigma, { kappa: true }) - (sigma * sigma * gamma) / (1 - gamma) + noise;
          expect(Math.abs(ft.mean - theory)).toBeLessThan(4 * ft.stderr);
        }
      });
    });
  }

  it('the job is deterministic, and common random numbers give every θ the same X and ξ', () => {
    const params = tahirTransferParams.parse({ d: 20, n: 10, sigma: 0.2, thetas: [0.3, 0.3], lambdas: [0] });
    const a = runTahirTransfer(params, 4);
    const b = runTahirTransfer(params, 4);
    expect(a.metrics).toEqual(b.metrics);
    expect(a.metrics['sc.0.0.risk']).toBe(a.metrics['sc.1.0.risk']);
    const indep = runTahirTransfer(tahirTransferParams.parse({ ...params, commonRandomNumbers: false }), 4);
    expect(indep.metrics['sc.0.0.risk']).not.toBe(indep.metrics['sc.1.0.risk']);
  });

  it('rejects bad parameters with the field and the allowed range', () => {
    expect(() => makeJob({ type: 'tahir-transfer', params: { d: 20, n: 10, sigma: -1, thetas: [0.3] }, seed: 0 })).toThrow(/sigma/);
    expect(() => makeJob({ type: 'tahir-transfer', params: { d: 20, n: 10, sigma: 0.2, thetas: [4] }, seed: 0 })).toThrow(/thetas/);
    expect(() => makeJob({ type: 'tahir-transfer', params: { d: 20, n: 10, sigma: 0.2, thetas: [0.3], depth: 3, weightDecays: [0.1] }, seed: 0 })).toThrow(/weightDecays/);
  });
});
