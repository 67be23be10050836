// Starts at which a solver cannot move: refused by the job schemas where the bound is principled, and never
// reported as converged by the training loops (they stop as 'stuck', not converged).
import { describe, expect, it } from 'vitest';
import { parseParams } from '../src/validation.js';
import { anguitaDiagonalParams, runAnguitaDiagonal } from '../src/experiments/jobs/anguitaDiagonal.js';
import { runTahirTransfer, tahirTransferParams } from '../src/experiments/jobs/tahirTransfer.js';
import { deepLinearFineTuneParams } from '../src/experiments/jobs/deepLinearFineTune.js';
import { cLambdaInit, endOfPretraining } from '../src/models/diagonal.js';
import { trainDiagonalFlow, trainDiagonalGD } from '../src/training/diagonal.js';
import { pretrainPopulation } from '../src/training/transfer.js';
import { drawAngleTeachers } from '../src/tasks/angleTeachers.js';
import { drawBernoulliGaussianTeacher, drawScaledGaussianInputs, noisyLabels } from '../src/tasks/sparseTeachers.js';

describe('diagonal networks at a subnormal initialisation scale', () => {
  it('anguita-diagonal refuses c_PT below the smallest scale whose init weights are normal float64 numbers', () => {
    expect(() => parseParams(anguitaDiagonalParams, { stage: 'single-task', d: 20, n: 15, cPT: 5e-324, solver: 'gd' }, 'params')).toThrow(/cPT: expected a number in \[1e-307, 1000000\] \(got 5e-324\)/);
    const ok = parseParams(anguitaDiagonalParams, { stage: 'single-task', d: 20, n: 15, cPT: 1e-307, solver: 'gd' }, 'params');
    const out = runAnguitaDiagonal(ok, 1);
    expect(out.status.converged).toBe(true);
    expect(out.status.iterations).toBeGreaterThan(0);
    expect(out.metrics.mse).toBeLessThan(1e-2);
  });

  it('GD and gradient flow from an all-zero start stop as stuck, not converged', () => {
    const d = 20;
    const n = 15;
    const x = drawScaledGaussianInputs(n, d, 1, 0);
    const y = noisyLabels(x, drawBernoulliGaussianTeacher(d, 0.1, 1), 0, 1, 0);
    const start = cLambdaInit(d, 5e-324, 0); // (c ± λ)/2 rounds to 0: every weight is exactly 0
    for (const run of [trainDiagonalGD(start, x, y), trainDiagonalFlow(start, x, y)]) {
      expect(run).toMatchObject({ stop: 'stuck', converged: false, iterations: 0 });
      expect(run.trainMse).toBeGreaterThan(0.1);
    }
  });

  it('the end-of-pretraining oracle stays finite for a negative β at a tiny c (no c² underflow)', () => {
    const net = endOfPretraining([-1, 1, 0], 1e-200, 0);
    for (const key of ['wp', 'vp', 'wm', 'vm'] as const) expect(net[key].every(Number.isFinite)).toBe(true);
    const beta = Array.from(net.wp, (w, i) => w * net.vp[i] - net.wm[i] * net.vm[i]);
    expect(beta[0]).toBeCloseTo(-1, 12);
    expect(beta[1]).toBeCloseTo(1, 12);
  });
});

describe('deep linear networks at a tiny initialisation scale', () => {
  it('tahir-transfer refuses an initScale whose init gradient underflows, naming the depth-dependent bound', () => {
    const base = { d: 10, n: 8, sigma: 0.1, thetas: [0.5] };
    expect(() => parseParams(tahirTransferParams, { ...base, initScale: 1e-300 }, 'params')).toThrow(/initScale: expected a number in \[1e-150, 1\] at depth 2 \(below it the initial gradient underflows and training cannot move\) \(got 1e-300\)/);
    expect(() => parseParams(tahirTransferParams, { ...base, depth: 3, initScale: 1e-100 }, 'params')).toThrow(/initScale: expected a number in \[1e-75, 1\] at depth 3 .*\(got 1e-100\)/);
    expect(() => parseParams(tahirTransferParams, { ...base, initScale: 1e-150 }, 'params')).not.toThrow();
  });

  it('deep-linear-finetune refuses a pretraining init scale whose init gradient underflows', () => {
    const base = { problem: { d: 10, n: 5, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.1 } }, depth: 10, training: { method: 'gd' } };
    expect(() => parseParams(deepLinearFineTuneParams, { ...base, init: { kind: 'pretrained', scale: 1e-20 } }, 'params')).toThrow(/init\.scale: expected a number in \[2\.15e-17, 1\] at depth 10 .*\(got 1e-20\)/);
    expect(() => parseParams(deepLinearFineTuneParams, { ...base, init: { kind: 'pretrained', scale: 0.01 } }, 'params')).not.toThrow();
  });

  it('pretraining whose gradient underflows at the start is stuck, not converged after 0 iterations', () => {
    const teachers = drawAngleTeachers(10, 0);
    for (const method of ['gd', 'flow'] as const) {
      const run = pretrainPopulation({ d: 10, depth: 3, width: 10, initScale: 1e-100 }, teachers.betaS, 0, { method, tol: 1e-9, maxIterations: 10_000, lrFactor: 1 });
      expect(run).toMatchObject({ stop: 'stuck', converged: false });
    }
  });

  it('a pretraining that never leaves the saddle gives a job that is not converged instead of a crash', () => {
    // Depth 3 at α = 1e-75: gradient flow would need t ~ 1/α to escape, beyond its horizon, so the features stay ~α².
    const p = parseParams(tahirTransferParams, { d: 10, n: 8, sigma: 0.1, thetas: [0.5], depth: 3, initScale: 1e-75, maxIterations: 20_000 }, 'params');
    const out = runTahirTransfer(p, 1);
    expect(out.status.converged).toBe(false);
    expect(out.metrics['pre.converged']).toBe(0);
    for (const [name, value] of Object.entries(out.metrics)) expect(Number.isFinite(value), name).toBe(true);
  });
});
