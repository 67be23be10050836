/**
 * Deep linear fine-tuning (Shachaf et al. digest §4, quick checks §7.4–7.8): the trajectory invariant,
 * convergence of GD and gradient flow to the κ_L implicit-bias solution, the depth-1 and only-W₁ cases,
 * freezing, small-init pretraining, and the digest's reference values.
 */
import { describe, expect, it } from 'vitest';
import { linearInstance, linearProblemSchema, sampleLinearData, type LinearProblemInput } from '../src/tasks/linearTeachers.js';
import { balancedRankOne, balanceResidual, endToEnd, layerGradients, randomInit, zerosLike, type DeepLinearNet } from '../src/models/deepLinear.js';
import { trainDeepLinear } from '../src/training/deepLinear.js';
import { deepFineTunedSolution, effectiveSourceRisk, effectiveSourceScale, frozenFirstLayerSolution, frozenRiskFloor, invariantDefect, solveKappa } from '../src/theory/shachaf/deep.js';
import { exactRisk, fineTunedSolution } from '../src/theory/shachaf/linear.js';
import { dot, relativeMaxDiff, matVec } from '../src/numeric/matrix.js';
import { createRng } from '../src/numeric/rng.js';
import { summarize } from '../src/numeric/stats.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';

const problemInput: LinearProblemInput = {
  d: 60,
  n: 8,
  covariance: { spectrum: { kind: 'isotropic' } },
  teachers: { kind: 'scaled', alpha: 2, eps: 0.3 },
  instanceSeed: 4,
};

function setup(p: LinearProblemInput = problemInput, seed = 0) {
  const problem = linearProblemSchema.parse(p);
  const inst = linearInstance(problem);
  const data = sampleLinearData(inst, problem.n, problem.noise, seed);
  return { problem, inst, data, loss: { kind: 'data' as const, x: data.x, y: data.y } };
}

function widths(L: number): number[] {
  return Array(L - 1).fill(3);
}

describe('deep linear model', () => {
  it('the balanced rank-one network has end-to-end vector θ_S and is exactly balanced', () => {
    const { inst } = setup();
    for (const L of [1, 2, 5]) {
      const net = balancedRankOne(inst.thetaS, widths(L), createRng(1, 'init'));
      expect(relativeMaxDiff(endToEnd(net), inst.thetaS)).toBeLessThan(1e-13);
      expect(balanceResidual(net)).toBeLessThan(1e-13);
    }
  });

  it('layer gradients match finite differences of the loss', () => {
    const { data } = setup();
    const net = randomInit(60, [4, 3], 0.5, createRng(2, 'init'));
    const loss = (n: DeepLinearNet) => {
      const w = endToEnd(n);
      const r = matVec(data.x, w).map((v, i) => v - data.y[i]);
      return dot(r, r) / (2 * data.x.rows);
    };
    const w = endToEnd(net);
    const r = matVec(data.x, w).map((v, i) => v - data.y[i]);
    const g = new Float64Array(60);
    for (let i = 0; i < data.x.rows; i++) for (let j = 0; j < 60; j++) g[j] += (data.x.data[i * 60 + j] * r[i]) / data.x.rows;
    const grads = zerosLike(net);
    layerGradients(net, g, grads);
    const h = 1e-6;
    for (const [layer, idx] of [
      [0, 7],
      [1, 5],
      [2, 2],
    ]) {
      const m = net.layers[layer];
      const orig = m.data[idx];
      m.data[idx] = orig + h;
      const up = loss(net);
      m.data[idx] = orig - h;
      const down = loss(net);
      m.data[idx] = orig;
      expect(grads[layer].data[idx]).toBeCloseTo((up - down) / (2 * h), 7);
    }
  });
});

describe('the fused rank-one GD step', () => {
  /** Plain GD by definition: dense layer gradients of (1/2n)‖Xw − y‖², all layers updated, K steps. */
  function plainGd(net0: DeepLinearNet, x: { rows: number; cols: number; data: Float64Array }, y: Float64Array, lr: number, K: number, frozen: number[]): DeepLinearNet {
    const net: DeepLinearNet = { d: net0.d, layers: net0.layers.map((m) => ({ ...m, data: Float64Array.from(m.data) })) };
    const grads = zerosLike(net);
    for (let k = 0; k < K; k++) {
      const r = matVec(x, endToEnd(net));
      for (let i = 0; i < r.length; i++) r[i] -= y[i];
      const g = new Float64Array(net.d);
      for (let i = 0; i < x.rows; i++) for (let j = 0; j < net.d; j++) g[j] += (x.data[i * net.d + j] * r[i]) / x.rows;
      layerGradients(net, g, grads);
      net.layers.forEach((m, j) => {
        if (frozen.includes(j + 1)) return;
        for (let i = 0; i < m.data.length; i++) m.data[i] -= lr * grads[j].data[i];
      });
    }
    return net;
  }

  for (const [L, hidden, frozen] of [
    [1, [], []],
    [2, [7], []],
    [3, [5, 6], []],
    [3, [5, 6], [2]],
    [4, [3, 9, 2], [1]],
  ] as [number, number[], number[]][]) {
    it(`follows plain GD step by step on both kernels (L = ${L}, widths ${hidden.join('×') || '—'}, frozen ${frozen.join(',') || 'none'})`, () => {
      const { data } = setup({ ...problemInput, d: 23, n: 9 });
      const net0 = randomInit(23, hidden, 0.4, createRng(11, 'init'));
      const K = 40;
      const lr = 0.05;
      const want = plainGd(net0, data.x, data.y, lr, K, frozen);
      for (const kernel of ['js', 'wasm'] as const) {
        const run = trainDeepLinear(net0, { kind: 'data', x: data.x, y: data.y }, { method: 'gd', lr, tol: 0, maxIterations: K, frozen, kernel });
        expect(run.kernel).toBe(kernel);
        expect(run.iterations).toBe(K);
        run.net.layers.forEach((m, j) => expect(relativeMaxDiff(m.data, want.layers[j].data)).toBeLessThan(1e-12));
        expect(relativeMaxDiff(run.w, endToEnd(want))).toBeLessThan(1e-12);
      }
    });
  }
});

describe('implicit bias of deep fine-tuning (digest §4.2)', () => {
  it('the invariant (I − P)w = (‖w‖/‖θ_S‖)^{(L−1)/L}(I − P)θ_S holds along GD to O(step size)', () => {
    const { inst, data, loss } = setup();
    const L = 4;
    const net = balancedRankOne(inst.thetaS, widths(L));
    const worst: number[] = [];
    for (const lrFactor of [0.2, 0.02]) {
      let max = 0;
      trainDeepLinear(net, loss, {
        method: 'gd',
        lrFactor,
        onStep: (it, n) => {
          if (it % 25 === 0) max = Math.max(max, invariantDefect(data.x, endToEnd(n), inst.thetaS, L));
        },
      });
      worst.push(max);
    }
    expect(worst[0]).toBeLessThan(1e-2);
    // ten times smaller step → about ten times smaller defect (linear in the step)
    expect(worst[0] / worst[1]).toBeGreaterThan(5);
    expect(worst[0] / worst[1]).toBeLessThan(20);
  });

  it('GD converges to the κ_L solution with an error linear in the step size; gradient flow reaches it to 1e-6', () => {
    const { inst, data, loss } = setup();
    for (const L of [2, 5]) {
      const net = balancedRankOne(inst.thetaS, widths(L));
      const theory = deepFineTunedSolution(data.x, data.y, inst.thetaS, L);
      expect(theory.converged).toBe(true);
      const coarse = trainDeepLinear(net, loss, { method: 'gd', lrFactor: 0.4 });
      const fine = trainDeepLinear(net, loss, { method: 'gd', lrFactor: 0.04 });
      expect(coarse.converged && fine.converged).toBe(true);
      const e1 = relativeMaxDiff(coarse.w, theory.w);
      const e2 = relativeMaxDiff(fine.w, theory.w);
      expect(e1 / e2).toBeGreaterThan(5);
      expect(e1 / e2).toBeLessThan(20);
      const flow = trainDeepLinear(net, loss, { method: 'flow' });
      expect(flow.converged).toBe(true);
      expect(relativeMaxDiff(flow.w, theory.w)).toBeLessThan(1e-6);
    }
  });

  it('L = 1 and "only W₁ trained" reproduce the linear closed form θ_S + X⁺(y − Xθ_S)', () => {
    const { inst, data, loss } = setup();
    const linear = fineTunedSolution(data.x, data.y, inst.thetaS);
    const one = trainDeepLinear(balancedRankOne(inst.thetaS, []), loss, { method: 'flow' });
    expect(relativeMaxDiff(one.w, linear)).toBeLessThan(1e-6);
    expect(relativeMaxDiff(deepFineTunedSolution(data.x, data.y, inst.thetaS, 1).w, linear)).toBeLessThan(1e-12);
    const onlyFirst = trainDeepLinear(balancedRankOne(inst.thetaS, widths(4)), loss, { method: 'flow', frozen: [2, 3, 4] });
    expect(onlyFirst.converged).toBe(true);
    expect(relativeMaxDiff(onlyFirst.w, linear)).toBeLessThan(1e-6);
  });

  it('with W₁ frozen, w stays parallel to θ_S and converges to the least-squares multiple, above the floor', () => {
    const { inst, data, loss } = setup();
    const L = 4;
    const unit = (v: Float64Array) => v.map((x) => x / Math.sqrt(dot(v, v)));
    const sHat = unit(inst.thetaS);
    let worstAngle = 0;
    const res = trainDeepLinear(balancedRankOne(inst.thetaS, widths(L)), loss, {
      method: 'flow',
      frozen: [1],
      onStep: (_it, n) => {
        worstAngle = Math.max(worstAngle, 1 - Math.abs(dot(unit(endToEnd(n)), sHat)));
      },
    });
    expect(res.converged).toBe(true);
    expect(res.stop).toBe('stationary'); // cannot interpolate
    expect(worstAngle).toBeLessThan(1e-12);
    expect(relativeMaxDiff(res.w, frozenFirstLayerSolution(data.x, data.y, inst.thetaS))).toBeLessThan(1e-6);
    expect(exactRisk(inst.cov, res.w, inst.thetaT)).toBeGreaterThanOrEqual(frozenRiskFloor(inst.cov, inst.thetaS, inst.thetaT) * (1 - 1e-12));
  });

  it('a network really pretrained from a small random init keeps the balance of its initialisation (a flow invariant) and fine-tunes to the κ_L solution as the init shrinks', () => {
    const { inst, data, loss } = setup();
    const L = 3;
    const errors: number[] = [];
    for (const scale of [0.03, 0.003]) {
      const start = randomInit(60, widths(L), scale, createRng(5, 'init'));
      const pre = trainDeepLinear(start, { kind: 'population', cov: inst.cov, theta: inst.thetaS }, { method: 'flow', tol: 1e-9 });
      expect(pre.converged).toBe(true);
      expect(relativeMaxDiff(pre.w, inst.thetaS)).toBeLessThan(1e-7);
      // gradient flow conserves W_{j+1}ᵀW_{j+1} − W_jW_jᵀ: the pretrained net is as balanced as its O(scale²) init
      expect(Math.abs(balanceResidual(pre.net) - balanceResidual(start))).toBeLessThan(1e-6 * balanceResidual(start));
      const ft = trainDeepLinear(pre.net, loss, { method: 'flow' });
      expect(ft.converged).toBe(true);
      errors.push(relativeMaxDiff(ft.w, deepFineTunedSolution(data.x, data.y, inst.thetaS, L).w));
    }
    expect(errors[1]).toBeLessThan(errors[0] / 10);
    expect(errors[1]).toBeLessThan(1e-3);
  });

  it('R_L equals the risk of linear fine-tuning from the effective source κ_L θ_S (noiseless, digest §4.3)', () => {
    const { inst, data } = setup();
    for (const L of [1, 3, 10, Infinity]) {
      const sol = deepFineTunedSolution(data.x, data.y, inst.thetaS, L);
      const risk = exactRisk(inst.cov, sol.w, inst.thetaT);
      expect(effectiveSourceRisk(inst.cov, data.x, inst.thetaS, inst.thetaT, sol.kappa)).toBeCloseTo(risk, 10);
    }
  });

  it('κ_L: 1 at L = 1, increasing towards κ_∞, and the infinite-depth solution is invariant to the scale of θ_S', () => {
    const { inst, data } = setup();
    const k = [1, 2, 7, 50, 1000].map((L) => deepFineTunedSolution(data.x, data.y, inst.thetaS, L).kappa);
    const kInf = deepFineTunedSolution(data.x, data.y, inst.thetaS, Infinity).kappa;
    expect(k[0]).toBe(1);
    for (let i = 1; i < k.length; i++) expect(Math.abs(k[i] - kInf)).toBeLessThan(Math.abs(k[i - 1] - kInf));
    // κ_L → κ_∞ at rate O(1/L): twenty times the depth, at least ten times closer
    expect(Math.abs(k[4] - kInf)).toBeLessThan(Math.abs(k[3] - kInf) / 10);
    const scaled = inst.thetaS.map((v) => 3 * v);
    expect(relativeMaxDiff(deepFineTunedSolution(data.x, data.y, scaled, Infinity).w, deepFineTunedSolution(data.x, data.y, inst.thetaS, Infinity).w)).toBeLessThan(1e-12);
    expect(effectiveSourceScale(4, 7)).toBeCloseTo(1.219, 3);
    const r = solveKappa({ a: 0.3, b: 2, s: 1.4, pNorm: 0.5 }, 5);
    expect(r.converged).toBe(true);
    expect(r.residual).toBeLessThan(1e-12);
  });
});

describe('reference values (digest §6.4: Σ = I, d = 100, n = 10, 200 seeds, risk / ‖θ_T‖²)', () => {
  // Digest values from the closed form; our own Monte Carlo over 200 seeds, compared within
  // 3·√2 standard errors (two independent 200-seed estimates).
  const cases: [number, number, number | 'inf', number][] = [
    [0.1, 2, 1, 0.227],
    [0.1, 2, 7, 0.096],
    [0.1, 0.5, 50, 0.069],
    [0.5, 4, 10, 0.185],
    [0.1, 4, 'inf', 0.001],
  ];
  for (const [eps, alpha, L, ref] of cases) {
    it(`ε = ${eps}, α = ${alpha}, L = ${L}: ${ref}`, () => {
      const values: number[] = [];
      for (let s = 0; s < 200; s++) {
        const { inst, data } = setup({ d: 100, n: 10, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha, eps }, instanceSeed: s }, s);
        const w = deepFineTunedSolution(data.x, data.y, inst.thetaS, L === 'inf' ? Infinity : L).w;
        values.push(exactRisk(inst.cov, w, inst.thetaT) / dot(inst.thetaT, inst.thetaT));
      }
      const m = summarize(values);
      // the digest rounds to 3 decimals: allow half a unit in the last place on top
      expect(Math.abs(m.mean - ref)).toBeLessThanOrEqual(3 * Math.SQRT2 * m.stderr + 5e-4);
    });
  }
});

describe('deep-linear-finetune job', () => {
  it('simulation and theory agree per seed, and a frozen-layer spec is validated', () => {
    const problem = { d: 50, n: 8, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 0.5, eps: 0.2 } };
    for (const depth of [1, 3, 7]) {
      const r = executeJob(makeJob({ type: 'deep-linear-finetune', params: { problem, depth }, seed: 3 }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.output.status.converged).toBe(true);
      expect(r.output.metrics['distanceToTheory']).toBeLessThan(1e-6);
      expect(Math.abs(r.output.metrics['risk'] - r.output.metrics['theory.risk'])).toBeLessThan(1e-6 * r.output.metrics['theory.risk']);
    }
    expect(() => makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, training: { frozen: [5] } }, seed: 0 })).toThrow(/training\.frozen: expected layer indices in \[1, depth = 3\]/);
    expect(() => makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 0 }, seed: 0 })).toThrow(/depth/);
    expect(() => makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, hiddenWidths: [5] }, seed: 0 })).toThrow(/hiddenWidths: expected depth − 1 = 2 widths/);
    // the limit does not depend on the hidden widths (digest §4.2)
    const mixed = executeJob(makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, hiddenWidths: [7, 2] }, seed: 3 }));
    expect(mixed.ok && mixed.output.metrics['distanceToTheory']).toBeLessThan(1e-6);
  });
});
