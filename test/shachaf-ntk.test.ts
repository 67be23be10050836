/**
 * Two-layer ReLU networks in the NTK regime (Shachaf et al. digest §5, quick check §7.9): the kernel
 * inequality H ⪰ XXᵀ/4, the empirical NTK's infinite-width limit, and fine-tuned networks against the
 * NTK kernel-regression prediction.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { gramRows, matVec, zeros } from '../src/numeric/matrix.js';
import { symEig } from '../src/numeric/linalg.js';
import { analyticNtk, empiricalNtk, initTwoLayerRelu, reluForward, sphereInputs } from '../src/models/twoLayerRelu.js';
import { kernelComplexity, projectedTaskDistance } from '../src/theory/shachaf/ntk.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';

describe('NTK of two-layer ReLU networks', () => {
  it('H ⪰ XXᵀ/4 for unit-norm inputs, so (XΔ)ᵀH⁻¹(XΔ) ≤ 4‖PΔ‖²', () => {
    const x = sphereInputs(15, 20, createRng(1, 'data'));
    const h = analyticNtk(x, x);
    const g = gramRows(x);
    const diff = zeros(15, 15);
    for (let i = 0; i < diff.data.length; i++) diff.data[i] = h.data[i] - g.data[i] / 4;
    expect(symEig(diff).values[14]).toBeGreaterThan(-1e-12);
    const rng = createRng(2, 'teacher');
    const thetaS = rng.fillNormal(new Float64Array(20));
    const thetaT = rng.fillNormal(new Float64Array(20));
    const r = matVec(x, thetaT.map((v, i) => v - thetaS[i]));
    expect(kernelComplexity(h, r)).toBeLessThanOrEqual(4 * projectedTaskDistance(x, thetaS, thetaT) ** 2 * (1 + 1e-12));
  });

  it('the antisymmetric initialisation outputs exactly 0, and its empirical NTK tends to H as the width grows', () => {
    const x = sphereInputs(6, 5, createRng(3, 'data'));
    const h = analyticNtk(x, x);
    const errors: number[] = [];
    for (const m of [200, 20000]) {
      const net = initTwoLayerRelu(5, m, createRng(4, 'init'));
      expect(Array.from(reluForward(net, x)).every((v) => v === 0)).toBe(true);
      const k = empiricalNtk(net, x, x);
      let num = 0;
      let den = 0;
      for (let i = 0; i < h.data.length; i++) {
        num += (k.data[i] - h.data[i]) ** 2;
        den += h.data[i] ** 2;
      }
      errors.push(Math.sqrt(num / den));
    }
    // Monte-Carlo error ∝ 1/√m: 100× the width, about 10× smaller (allow 4×)
    expect(errors[1]).toBeLessThan(errors[0] / 4);
    expect(errors[1]).toBeLessThan(0.03);
  });

  it('a fine-tuned wide network matches the NTK kernel-regression prediction on the residual', () => {
    const r = executeJob(makeJob({ type: 'relu-ntk-finetune', params: { d: 10, width: 300, nSource: 40, nTarget: 8, nTest: 500, deltas: [0.2, 1] }, seed: 1 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.output.metrics;
    expect(r.output.status.converged).toBe(true);
    for (const k of [0, 1]) {
      // lazy regime: weights move little, and the function is the kernel prediction to within a few per cent
      expect(m[`${k}.relativeWeightChange`]).toBeLessThan(0.05);
      expect(Math.abs(m[`${k}.risk`] - m[`${k}.kernelRisk`])).toBeLessThan(0.05 * m[`${k}.risk`]);
      expect(m[`${k}.rmse`]).toBeLessThan(m[`${k}.boundData`]);
    }
  });
});
