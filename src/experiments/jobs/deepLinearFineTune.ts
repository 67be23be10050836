/**
 * Job "deep-linear-finetune": one Monte-Carlo replicate of fine-tuning a depth-L linear network from a
 * pretrained network (Shachaf et al. digest §4). The pretrained network is either the exactly balanced
 * rank-one network with end-to-end vector c_S θ_S, or a network really pretrained by gradient flow on the
 * population source loss from a small random initialisation. It is fine-tuned on n target samples
 * (labels from c_T θ_T) with gradient flow or GD, all layers or some frozen, to convergence.
 *
 * Metrics: `risk` (exact population risk of the trained network), `theory.risk` (the implicit-bias
 * closed form on the same data: κ_L solution; with W_1 frozen the least-squares multiple of θ_S; with
 * only W_1 trained the linear solution), their normalised versions (÷ ‖c_T θ_T‖²), the distance between
 * simulated and predicted end-to-end vectors, the freezing floor, iterations and convergence.
 * Depth "Infinity" is theory only.
 */
import { z } from 'zod';
import { intIn, numIn, numAbove } from '../../validation.js';
import { linearInstance, linearProblemSchema, sampleLinearData } from '../../tasks/linearTeachers.js';
import { balancedRankOne, balanceResidual, randomInit, type DeepLinearNet } from '../../models/deepLinear.js';
import { trainDeepLinear } from '../../training/deepLinear.js';
import { deepFineTunedSolution, frozenFirstLayerSolution, frozenRiskFloor } from '../../theory/shachaf/deep.js';
import { exactRisk, fineTunedSolution } from '../../theory/shachaf/linear.js';
import { createRng } from '../../numeric/rng.js';
import { dot, relativeMaxDiff } from '../../numeric/matrix.js';
import type { JobOutput, JobType } from '../jobTypes.js';

export const deepLinearFineTuneParams = z
  .object({
    problem: linearProblemSchema,
    /** Depth L (an integer ≥ 1), or "Infinity" for the theory-only L → ∞ limit. */
    depth: z.union([intIn(1, 1000), z.literal('Infinity')]),
    /** Width of every hidden layer, unless `hiddenWidths` lists them one by one (length depth − 1). */
    hiddenWidth: intIn(1, 4096).default(4),
    hiddenWidths: z.array(intIn(1, 4096)).optional(),
    /** End-to-end scale c_S of the source network and c_T of the target teacher. */
    sourceScale: numAbove(0, 1e6).default(1),
    targetScale: numAbove(0, 1e6).default(1),
    init: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('balanced') }).strict(),
        z.object({ kind: z.literal('pretrained'), scale: numAbove(0, 1), tol: numAbove(0, 1e-2).default(1e-8) }).strict(),
      ])
      .default({ kind: 'balanced' }),
    training: z
      .object({
        method: z.enum(['flow', 'gd']).default('flow'),
        lrFactor: numAbove(0, 2).default(0.5),
        tol: numAbove(0, 1e-2).optional(),
        maxIterations: intIn(1, 1e9).default(2_000_000),
        /** 1-based indices of frozen layers. */
        frozen: z.array(intIn(1, 1000)).default([]),
      })
      .strict()
      .default({ method: 'flow', lrFactor: 0.5, maxIterations: 2_000_000, frozen: [] }),
  })
  .strict()
  .superRefine((p, ctx) => {
    const L = p.depth === 'Infinity' ? Infinity : p.depth;
    for (const f of p.training.frozen) {
      if (f > L) ctx.addIssue({ code: 'custom', path: ['training', 'frozen'], message: `expected layer indices in [1, depth = ${L}]` });
    }
    if (p.training.frozen.length >= L) ctx.addIssue({ code: 'custom', path: ['training', 'frozen'], message: 'at least one layer must stay trainable' });
    if (p.hiddenWidths && L !== Infinity && p.hiddenWidths.length !== L - 1)
      ctx.addIssue({ code: 'custom', path: ['hiddenWidths'], message: `expected depth − 1 = ${L - 1} widths` });
    if (L === Infinity && p.training.frozen.length > 0) ctx.addIssue({ code: 'custom', path: ['training', 'frozen'], message: 'the L = ∞ limit is theory only (no frozen layers)' });
  });

export type DeepLinearFineTuneParams = z.output<typeof deepLinearFineTuneParams>;

/** Which implicit-bias solution a freeze pattern leads to (balanced start). */
export function freezeRegime(L: number, frozen: readonly number[]): 'all' | 'first-frozen' | 'only-first' | 'other' {
  if (frozen.length === 0) return 'all';
  if (frozen.includes(1)) return 'first-frozen';
  const set = new Set(frozen);
  let onlyFirst = L > 1;
  for (let j = 2; j <= L; j++) if (!set.has(j)) onlyFirst = false;
  return onlyFirst ? 'only-first' : 'other';
}

export const deepLinearFineTuneJob: JobType<typeof deepLinearFineTuneParams> = {
  name: 'deep-linear-finetune',
  version: 1,
  description: 'Fine-tuning a deep linear network from a pretrained (balanced or really pretrained) network; exact risk and the implicit-bias prediction.',
  schema: deepLinearFineTuneParams,
  run(params: DeepLinearFineTuneParams, seed: number): JobOutput {
    const { problem, training } = params;
    const inst = linearInstance(problem);
    const thetaS = inst.thetaS.map((v) => v * params.sourceScale);
    const thetaT = inst.thetaT.map((v) => v * params.targetScale);
    const scaled = { cov: inst.cov, thetaS, thetaT };
    const data = sampleLinearData(scaled, problem.n, problem.noise, seed);
    const norm2 = dot(thetaT, thetaT);
    const L = params.depth === 'Infinity' ? Infinity : params.depth;
    const regime = freezeRegime(L, training.frozen);
    const metrics: Record<string, number> = {};
    let predicted: Float64Array | undefined;
    let theoryConverged = true;
    if (regime === 'all') {
      const sol = deepFineTunedSolution(data.x, data.y, thetaS, L);
      predicted = sol.w;
      theoryConverged = sol.converged;
      metrics['theory.kappa'] = sol.kappa;
    } else if (regime === 'first-frozen') predicted = frozenFirstLayerSolution(data.x, data.y, thetaS);
    else if (regime === 'only-first') predicted = fineTunedSolution(data.x, data.y, thetaS);
    if (predicted) {
      metrics['theory.risk'] = exactRisk(inst.cov, predicted, thetaT);
      metrics['theory.normalizedRisk'] = metrics['theory.risk'] / norm2;
    }
    metrics['theory.converged'] = theoryConverged ? 1 : 0;
    metrics['frozenFloor'] = frozenRiskFloor(inst.cov, thetaS, thetaT);
    metrics['frozenFloorNormalized'] = metrics['frozenFloor'] / norm2;
    metrics['targetNorm2'] = norm2;
    if (L === Infinity) return { metrics, status: { converged: theoryConverged, iterations: 0, residual: 0 } };

    const widths = params.hiddenWidths ?? (Array(L - 1).fill(params.hiddenWidth) as number[]);
    let net: DeepLinearNet;
    if (params.init.kind === 'balanced') {
      net = balancedRankOne(thetaS, widths);
    } else {
      const start = randomInit(problem.d, widths, params.init.scale, createRng(seed, 'init'));
      const pre = trainDeepLinear(start, { kind: 'population', cov: inst.cov, theta: thetaS }, { method: 'flow', tol: params.init.tol });
      metrics['pretrain.converged'] = pre.converged ? 1 : 0;
      metrics['pretrain.iterations'] = pre.iterations;
      net = pre.net;
    }
    metrics['initBalance'] = balanceResidual(net);
    const res = trainDeepLinear(net, { kind: 'data', x: data.x, y: data.y }, {
      method: training.method,
      lrFactor: training.lrFactor,
      tol: training.tol,
      maxIterations: training.maxIterations,
      frozen: training.frozen,
    });
    metrics['risk'] = exactRisk(inst.cov, res.w, thetaT);
    metrics['normalizedRisk'] = metrics['risk'] / norm2;
    metrics['iterations'] = res.iterations;
    metrics['trainRmse'] = res.residual;
    metrics['converged'] = res.converged ? 1 : 0;
    if (predicted) metrics['distanceToTheory'] = relativeMaxDiff(res.w, predicted);
    const converged = res.converged && (params.init.kind === 'balanced' || metrics['pretrain.converged'] === 1);
    return { metrics, status: { converged, iterations: res.iterations, residual: res.residual } };
  },
};
