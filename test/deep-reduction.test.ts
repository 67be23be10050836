/**
 * The exact reductions of deep linear training (src/training/deepLinearReduction.ts) against the full simulation:
 * fixed-step GD step by step, converged GD and gradient flow limits, frozen layers, and the cases that must not be
 * reduced.
 */
import { describe, expect, it } from 'vitest';
import { balancedRankOne, endToEnd, randomInit, type DeepLinearNet } from '../src/models/deepLinear.js';
import { trainDeepLinear, type DeepTrainOptions } from '../src/training/deepLinear.js';
import { reduceDeepLinear } from '../src/training/deepLinearReduction.js';
import { relativeMaxDiff } from '../src/numeric/matrix.js';
import { createRng } from '../src/numeric/rng.js';

function data(n: number, d: number, seed: number) {
  const rng = createRng(seed, 'data');
  const x = { rows: n, cols: d, data: rng.fillNormal(new Float64Array(n * d)) };
  const y = rng.fillNormal(new Float64Array(n));
  return { x, y, loss: { kind: 'data' as const, x, y } };
}

/** A depth-2 network pretrained-like: a strong rank-one part plus small dense noise (Tahir et al.'s start). */
function pretrainedLike(d: number, k: number, seed: number): DeepLinearNet {
  const rng = createRng(seed, 'init');
  const theta = rng.fillNormal(new Float64Array(d), 1 / Math.sqrt(d));
  const net = balancedRankOne(theta, [k], rng);
  for (const m of net.layers) for (let i = 0; i < m.data.length; i++) m.data[i] += 1e-3 * rng.normal();
  return net;
}

function expectSameRun(full: ReturnType<typeof trainDeepLinear>, reduced: ReturnType<typeof trainDeepLinear>, tol: number) {
  expect(reduced.stop).toBe(full.stop);
  expect(reduced.converged).toBe(full.converged);
  reduced.net.layers.forEach((m, j) => expect(relativeMaxDiff(m.data, full.net.layers[j].data)).toBeLessThan(tol));
  expect(relativeMaxDiff(reduced.w, full.w)).toBeLessThan(tol);
}

describe('exact reductions of deep linear training', () => {
  const cases: { name: string; net: () => DeepLinearNet; kind: string; n: number; d: number; widths: (n: number) => number[] }[] = [
    { name: 'balanced rank-one chain, L = 4, width 12', net: () => balancedRankOne(createRng(3, 'init').fillNormal(new Float64Array(60)), [12, 12, 12], createRng(4, 'init')), kind: 'rank-one-chain', n: 9, d: 60, widths: () => [1, 1, 1] },
    { name: 'depth two from a noisy rank-one start, width 50', net: () => pretrainedLike(60, 50, 5), kind: 'depth-two', n: 7, d: 60, widths: (n) => [n + 1] },
    { name: 'depth two from a random start, width 40', net: () => randomInit(60, [40], 0.2, createRng(6, 'init')), kind: 'depth-two', n: 6, d: 60, widths: (n) => [n + 1] },
  ];

  for (const c of cases) {
    it(`${c.name}: reduced sizes, and 300 fixed-step GD steps equal the full run`, () => {
      const { x, loss } = data(c.n, c.d, 1);
      const net = c.net();
      const red = reduceDeepLinear(net, x)!;
      expect(red).not.toBeNull();
      expect(red.kind).toBe(c.kind);
      expect(red.hiddenWidths).toEqual(c.widths(c.n));
      expect(red.inputDim).toBeLessThanOrEqual(c.kind === 'depth-two' ? 2 * c.n + 1 : c.n + 1);
      // The lift of the unchanged reduced network is the network itself.
      red.lift(red.net).layers.forEach((m, j) => expect(relativeMaxDiff(m.data, net.layers[j].data)).toBeLessThan(1e-14));
      const opts: DeepTrainOptions = { method: 'gd', lr: 0.02, tol: 0, maxIterations: 300 };
      const full = trainDeepLinear(net, loss, { ...opts, reduction: 'none' });
      const reduced = trainDeepLinear(net, loss, opts);
      expect(full.reduction).toBeNull();
      expect(reduced.reduction?.kind).toBe(c.kind);
      expect(reduced.iterations).toBe(300);
      // Both runs round differently (other bases); GD contracts, so differences stay at ~K ε.
      expectSameRun(full, reduced, 300 * 1e3 * Number.EPSILON);
    });

    it(`${c.name}: converged GD ('auto' step) and gradient flow reach the full runs' limits`, () => {
      const { loss } = data(c.n, c.d, 2);
      const net = c.net();
      for (const method of ['gd', 'flow'] as const) {
        const tol = method === 'gd' ? 1e-10 : 1e-8;
        const full = trainDeepLinear(net, loss, { method, tol, reduction: 'none' });
        const reduced = trainDeepLinear(net, loss, { method, tol });
        expect(reduced.reduction).not.toBeNull();
        expect(full.converged && reduced.converged).toBe(true);
        if (method === 'gd') expect(reduced.iterations).toBe(full.iterations); // the same steps, to rounding
        // Flow: the integrator's error control sees other coordinates, so the paths differ by O(rtol) per unit time;
        // both stop within tol of interpolation, so the limits agree to ~tol relative.
        expect(relativeMaxDiff(reduced.w, full.w)).toBeLessThan(method === 'gd' ? 1e-9 : 1e-5);
      }
    });
  }

  it('frozen layers stay exactly where they were, and the rest follows the full run', () => {
    const { loss } = data(8, 60, 3);
    const net = balancedRankOne(createRng(7, 'init').fillNormal(new Float64Array(60)), [10, 10], createRng(8, 'init'));
    for (const frozen of [[1], [2], [3], [1, 3]]) {
      const full = trainDeepLinear(net, loss, { method: 'gd', lr: 0.01, tol: 0, maxIterations: 200, frozen, reduction: 'none' });
      const reduced = trainDeepLinear(net, loss, { method: 'gd', lr: 0.01, tol: 0, maxIterations: 200, frozen });
      expect(reduced.reduction).not.toBeNull();
      for (const f of frozen) expect(Array.from(reduced.net.layers[f - 1].data)).toEqual(Array.from(net.layers[f - 1].data));
      expectSameRun(full, reduced, 200 * 1e3 * Number.EPSILON);
    }
  });

  it('is not used where it would not be exact or not pay', () => {
    const { x, loss } = data(8, 40, 4);
    const chain = balancedRankOne(createRng(9, 'init').fillNormal(new Float64Array(40)), [20, 20], createRng(9, 'init'));
    const base: DeepTrainOptions = { method: 'gd', lr: 0.01, tol: 0, maxIterations: 5 };
    expect(trainDeepLinear(chain, loss, { ...base, weightDecay: 1e-3 }).reduction).toBeNull();
    expect(trainDeepLinear(chain, loss, { ...base, lr: 'frobenius' }).reduction).toBeNull();
    expect(trainDeepLinear(chain, loss, { ...base, onStep: () => undefined }).reduction).toBeNull();
    expect(trainDeepLinear(chain, loss, base).reduction?.kind).toBe('rank-one-chain');
    // A generic depth-3 network has no fixed subspace; with n ≥ d nothing is saved.
    expect(reduceDeepLinear(randomInit(40, [20, 20], 0.3, createRng(10, 'init')), x)).toBeNull();
    expect(reduceDeepLinear(chain, data(40, 40, 5).x)).toBeNull();
    // Narrow depth-two network with n = 15 of d = 40: the reduced one (input up to 2n + 1 = 31) would not be twice cheaper.
    expect(reduceDeepLinear(randomInit(40, [3], 0.3, createRng(11, 'init')), data(15, 40, 6).x)).toBeNull();
    expect(() => trainDeepLinear(chain, loss, { ...base, reduction: 'always' as 'auto' })).toThrow(/reduction: expected 'auto' or 'none'/);
  });

  it('the lifted end-to-end vector is what the full network computes', () => {
    const { loss } = data(7, 60, 6);
    const run = trainDeepLinear(pretrainedLike(60, 50, 12), loss, { method: 'gd', tol: 1e-10 });
    expect(run.reduction?.kind).toBe('depth-two');
    expect(relativeMaxDiff(run.w, endToEnd(run.net))).toBeLessThan(1e-13);
  });
});
