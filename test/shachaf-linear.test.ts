/**
 * Theory vs simulation for linear fine-tuning (Shachaf et al. digest §3, quick checks §7.1–7.3).
 * Monte-Carlo means are judged against 3 standard errors of the mean.
 */
import { describe, expect, it } from 'vitest';
import { linearInstance, linearProblemSchema, sampleLinearData, type LinearProblemInput } from '../src/tasks/linearTeachers.js';
import { gradientDescentLeastSquares } from '../src/training/gd.js';
import { fineTune, scratch } from '../src/training/linear.js';
import {
  deterministicEquivalentRisk,
  expectedRiskIsotropic,
  expectedRiskLowRank,
  exactRisk,
  fineTunedSolution,
  sampleComplexityLowRank,
  scratchSolution,
  similarityHeadTail,
  zeroShotRisk,
} from '../src/theory/shachaf/linear.js';
import { predictLinearRisk } from '../src/theory/shachaf/predict.js';
import { relativeMaxDiff, sub, dot, matVec } from '../src/numeric/matrix.js';
import { summarize } from '../src/numeric/stats.js';
import { spectrumValues, toEigenbasis } from '../src/numeric/covariance.js';

function instance(p: LinearProblemInput) {
  const problem = linearProblemSchema.parse(p);
  return { problem, inst: linearInstance(problem) };
}

/** Monte-Carlo mean ± s.e. of the closed-form fine-tuned (or scratch) risk over seeds 0..reps-1. */
function monteCarloRisk(p: LinearProblemInput, reps: number, start: 'source' | 'zero') {
  const { problem, inst } = instance(p);
  const risks: number[] = [];
  for (let s = 0; s < reps; s++) {
    const data = sampleLinearData(inst, problem.n, problem.noise, s);
    const w = start === 'source' ? fineTunedSolution(data.x, data.y, inst.thetaS) : scratchSolution(data.x, data.y);
    risks.push(exactRisk(inst.cov, w, inst.thetaT));
  }
  return summarize(risks);
}

const base: LinearProblemInput = {
  d: 60,
  n: 20,
  covariance: { spectrum: { kind: 'powerLaw', exponent: 1 }, basis: 'random' },
  teachers: { kind: 'scaled', alpha: 0.8, eps: 0.5 },
  noise: 0.1,
  instanceSeed: 3,
};

describe('gradient descent reaches the closed-form limits', () => {
  it('GD from θ_S equals θ_S + X⁺(y − Xθ_S) to 1e-8 relative (noisy labels, anisotropic Σ)', () => {
    const { problem, inst } = instance(base);
    const data = sampleLinearData(inst, problem.n, problem.noise, 0);
    const res = fineTune(data.x, data.y, inst.thetaS, { solver: 'gd', tol: 1e-12, maxIterations: 5_000_000 });
    expect(res.converged).toBe(true);
    expect(relativeMaxDiff(res.w, fineTunedSolution(data.x, data.y, inst.thetaS))).toBeLessThan(1e-8);
  });

  it('GD from 0 equals the minimum-norm interpolant X⁺y to 1e-8 relative', () => {
    const { problem, inst } = instance(base);
    const data = sampleLinearData(inst, problem.n, problem.noise, 1);
    const res = scratch(data.x, data.y, { solver: 'gd', tol: 1e-12, maxIterations: 5_000_000 });
    expect(res.converged).toBe(true);
    expect(res.stop).toBe('residual');
    expect(relativeMaxDiff(res.w, scratchSolution(data.x, data.y))).toBeLessThan(1e-8);
  });

  it('stops at a stationary point when n > rank(Σ) and the noisy labels cannot be interpolated', () => {
    const p: LinearProblemInput = { ...base, n: 30, covariance: { spectrum: { kind: 'lowRank', rank: 10, scale: 1 }, basis: 'identity' }, noise: 0.5 };
    const { problem, inst } = instance(p);
    const data = sampleLinearData(inst, problem.n, problem.noise, 2);
    const res = fineTune(data.x, data.y, inst.thetaS, { solver: 'gd', tol: 1e-11, maxIterations: 5_000_000 });
    expect(res.converged).toBe(true);
    expect(res.residual).toBeGreaterThan(0.1);
    expect(relativeMaxDiff(res.w, fineTunedSolution(data.x, data.y, inst.thetaS))).toBeLessThan(1e-8);
  });

  it('reports non-convergence honestly (iteration cap, divergent step)', () => {
    const { problem, inst } = instance(base);
    const data = sampleLinearData(inst, problem.n, problem.noise, 0);
    const capped = gradientDescentLeastSquares(data.x, data.y, inst.thetaS, { maxIterations: 3 });
    expect(capped.converged).toBe(false);
    expect(capped.stop).toBe('max-iterations');
    const diverged = gradientDescentLeastSquares(data.x, data.y, inst.thetaS, { lr: 1e3 });
    expect(diverged.converged).toBe(false);
    expect(diverged.stop).toBe('diverged');
  });

  it('fine-tuning moves only inside the row space: (I − P)(w − θ_S) = 0', () => {
    const { problem, inst } = instance(base);
    const data = sampleLinearData(inst, problem.n, 0, 4);
    const w = fineTunedSolution(data.x, data.y, inst.thetaS);
    const step = sub(w, inst.thetaS);
    const back = fineTunedSolution(data.x, matVec(data.x, step), new Float64Array(problem.d)); // X⁺X step = P step
    expect(relativeMaxDiff(back, step)).toBeLessThan(1e-9);
  });
});

describe('expected risk: Monte Carlo vs theory (within 3 standard errors)', () => {
  const reps = 400;

  it('isotropic Σ: E R = (1 − n/d)‖Δ‖² + σ² n/(d − n − 1), fine-tuning and scratch', () => {
    const p: LinearProblemInput = { ...base, d: 100, n: 30, covariance: { spectrum: { kind: 'isotropic', scale: 1 }, basis: 'identity' }, noise: 0.3 };
    const { problem, inst } = instance(p);
    const delta = sub(inst.thetaT, inst.thetaS);
    for (const [start, target] of [
      ['source', delta],
      ['zero', inst.thetaT],
    ] as const) {
      const mc = monteCarloRisk(p, reps, start);
      const theory = expectedRiskIsotropic({ d: 100, n: 30, deltaNorm2: dot(target, target), scale: 1, noise: problem.noise });
      expect(Math.abs(mc.mean - theory)).toBeLessThanOrEqual(3 * mc.stderr);
      expect(predictLinearRisk(problem, start).risk).toBeCloseTo(theory, 12);
    }
  });

  it('low-rank Σ: E R = s²(1 − n/r)₊‖UᵀΔ‖² + noise term, below and above n = r', () => {
    for (const n of [8, 45]) {
      const p: LinearProblemInput = { ...base, d: 80, n, covariance: { spectrum: { kind: 'lowRank', rank: 25, scale: 2 }, basis: 'random' }, noise: 0.2 };
      const { problem, inst } = instance(p);
      const coords = toEigenbasis(inst.cov, sub(inst.thetaT, inst.thetaS));
      let inRange = 0;
      for (let i = 0; i < 25; i++) inRange += coords[i] ** 2;
      const mc = monteCarloRisk(p, reps, 'source');
      const theory = expectedRiskLowRank({ rank: 25, scale: 2, n, deltaInRange2: inRange, noise: 0.2 });
      expect(Math.abs(mc.mean - theory)).toBeLessThanOrEqual(3 * mc.stderr);
      expect(predictLinearRisk(problem, 'source').risk).toBeCloseTo(theory, 12);
    }
  });

  it('power-law Σ: the deterministic equivalent agrees with Monte Carlo (d = 100; its O(1/d) bias, measured ≈ 0.3 %, is below the MC resolution)', () => {
    for (const n of [10, 60]) {
      const p: LinearProblemInput = { ...base, d: 100, n, covariance: { spectrum: { kind: 'powerLaw', exponent: 1 }, basis: 'identity' }, noise: 0.1 };
      const { problem } = instance(p);
      const mc = monteCarloRisk(p, 300, 'source');
      const prediction = predictLinearRisk(problem, 'source');
      expect(prediction.method).toBe('deterministic-equivalent');
      expect(prediction.converged).toBe(true);
      expect(Math.abs(mc.mean - prediction.risk)).toBeLessThanOrEqual(3 * mc.stderr);
    }
  });

  it('low-rank noiseless risk is exactly 0 once n ≥ r, whatever θ_S is', () => {
    const p: LinearProblemInput = { ...base, d: 50, n: 20, covariance: { spectrum: { kind: 'lowRank', rank: 20, scale: 2 }, basis: 'random' }, noise: 0 };
    const mc = monteCarloRisk(p, 5, 'source');
    expect(mc.mean).toBeLessThan(1e-20);
  });
});

describe('closed-form pieces', () => {
  it('zero-shot and scratch risks are the n = 0 values of the expectations', () => {
    const { inst } = instance({ ...base, covariance: { spectrum: { kind: 'isotropic', scale: 1 }, basis: 'identity' } });
    const delta = sub(inst.thetaT, inst.thetaS);
    expect(zeroShotRisk(inst.cov, inst.thetaS, inst.thetaT)).toBeCloseTo(expectedRiskIsotropic({ d: 60, n: 0, deltaNorm2: dot(delta, delta), scale: 1, noise: 0 }), 12);
  });

  it('sample complexity: n(ε) = d(1 − ε/‖Δ‖²)₊ and the expected risk at n(ε) is ≤ ε', () => {
    const n = sampleComplexityLowRank({ rank: 100, scale: 1, deltaInRange2: 2, epsilon: 0.5 });
    expect(n).toBe(75);
    expect(expectedRiskIsotropic({ d: 100, n, deltaNorm2: 2, scale: 1, noise: 0 })).toBeLessThanOrEqual(0.5 + 1e-12);
    expect(expectedRiskIsotropic({ d: 100, n: n - 1, deltaNorm2: 2, scale: 1, noise: 0 })).toBeGreaterThan(0.5);
    expect(sampleComplexityLowRank({ rank: 100, scale: 1, deltaInRange2: 0.1, epsilon: 0.5 })).toBe(0);
  });

  it('deterministic equivalent reduces exactly to the isotropic and low-rank expectations', () => {
    const d = 120;
    const delta = Float64Array.from({ length: d }, (_, i) => Math.sin(i + 1) / 5);
    const norm2 = dot(delta, delta);
    for (const n of [10, 60, 100]) {
      const iso = deterministicEquivalentRisk(spectrumValues({ kind: 'isotropic', scale: 1 }, d), delta, n, 0);
      expect(iso.converged).toBe(true);
      expect(iso.value.bias).toBeCloseTo(expectedRiskIsotropic({ d, n, deltaNorm2: norm2, scale: 1, noise: 0 }), 10);
      const lr = deterministicEquivalentRisk(spectrumValues({ kind: 'lowRank', rank: 30, scale: 2 }, d), delta, Math.min(n, 29), 0);
      let inRange = 0;
      for (let i = 0; i < 30; i++) inRange += delta[i] ** 2;
      expect(lr.value.bias).toBeCloseTo(expectedRiskLowRank({ rank: 30, scale: 2, n: Math.min(n, 29), deltaInRange2: inRange, noise: 0 }), 10);
    }
  });

  it('S_k: k = 0 gives the zero-shot risk ΔᵀΣΔ; a Δ confined to the top-k head is scaled by (tail trace / n)²', () => {
    const { inst } = instance(base);
    const delta = sub(inst.thetaT, inst.thetaS);
    expect(similarityHeadTail(inst.cov, delta, 0, 10)).toBeCloseTo(zeroShotRisk(inst.cov, inst.thetaS, inst.thetaT), 12);
    expect(() => similarityHeadTail(inst.cov, delta, -1, 10)).toThrow(/k: expected an integer/);
  });
});

describe('dual (row-space) formulation of GD', () => {
  it('is an exact reduction: the same iterates as primal GD up to round-off, at the same iteration count', () => {
    const { problem, inst } = instance(base);
    const data = sampleLinearData(inst, problem.n, problem.noise, 5);
    for (const maxIterations of [7, 1_000_000]) {
      const primal = gradientDescentLeastSquares(data.x, data.y, inst.thetaS, { formulation: 'primal', maxIterations });
      const dual = gradientDescentLeastSquares(data.x, data.y, inst.thetaS, { formulation: 'dual', maxIterations });
      expect(dual.lr).toBe(primal.lr);
      expect(relativeMaxDiff(dual.value, primal.value)).toBeLessThan(1e-10);
      if (maxIterations > 7) {
        expect(dual.converged && primal.converged).toBe(true);
        expect(Math.abs(dual.iterations - primal.iterations)).toBeLessThanOrEqual(1);
        expect(relativeMaxDiff(dual.value, fineTunedSolution(data.x, data.y, inst.thetaS))).toBeLessThan(1e-8);
      }
    }
    // rank-deficient G (n > rank Σ, noisy labels): the stationarity test is confirmed on the true residual
    const lowRank = instance({ ...base, d: 100, n: 50, covariance: { spectrum: { kind: 'lowRank', rank: 40, scale: 2.5 }, basis: 'identity' }, noise: 0.1 });
    const lrData = sampleLinearData(lowRank.inst, 50, 0.1, 19);
    const stat = gradientDescentLeastSquares(lrData.x, lrData.y, lowRank.inst.thetaS, { formulation: 'dual', maxIterations: 100_000 });
    expect(stat.converged).toBe(true);
    expect(stat.stop).toBe('stationary');
    expect(relativeMaxDiff(stat.value, fineTunedSolution(lrData.x, lrData.y, lowRank.inst.thetaS))).toBeLessThan(1e-8);
    expect(() => gradientDescentLeastSquares(matrixTall(), new Float64Array(5), new Float64Array(2), { formulation: 'dual' })).toThrow(/dual formulation needs n ≤ d/);
  });
});

function matrixTall() {
  return { rows: 5, cols: 2, data: Float64Array.from({ length: 10 }, (_, i) => Math.sin(i + 1)) };
}
