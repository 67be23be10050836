/**
 * Job "deep-linear-finetune": one Monte-Carlo replicate of fine-tuning a depth-L linear network from a
 * pretrained network (Shachaf et al. digest §4). The pretrained network is either the exactly balanced
 * rank-one network with end-to-end vector c_S θ_S, or a network really pretrained by gradient flow on the
 * population source loss from a small random initialisation. It is fine-tuned on n target samples
 * (labels from c_T θ_T), all layers or some frozen, by the solver `training.method`:
 *
 *  - 'flow' (default): gradient flow (adaptive Dormand–Prince) to convergence;
 *  - 'gd': full-batch GD to convergence (its end point is O(step) from the flow's, digest §4.2);
 *  - 'closed-form': no training; the end-to-end vector is the gradient-flow limit the theory gives
 *    (digest §4.2 and §4.5): all layers trained, w_L = X⁺y + κ_L (I − P)θ_S; only W_1 trained, the linear
 *    solution θ_S + X⁺(y − Xθ_S); W_1 frozen, the least-squares multiple c*θ_S — except when c* ≤ 0 and two
 *    or more layers are trained: the trained layers keep one common scale σ (balance between them is
 *    conserved), c ∝ σ^K cannot change sign, and exact gradient flow runs into the saddle w = 0, reaching it
 *    only as t → ∞. The job then returns w = 0 with `converged` 0. A flow run usually stalls there too (not
 *    converged), but round-off can unbalance the layers enough for one of them to pass through zero, after
 *    which the run reaches c*θ_S; the closed form cannot say which, hence "not converged".
 *
 * The closed form is the limit only where its assumptions hold, and other combinations are rejected at
 * validation, naming the field: `init` must be 'balanced' (from a small random initialisation the
 * pretrained network is balanced only up to its initial scale, and κ_L is then an approximation whose error
 * the tests measure), `depth` must be finite (L = ∞ is theory only: every method reports just its theory.*
 * metrics), and `training.frozen` must be empty, contain 1, or be {2, …, L} (no closed form is known for
 * other freeze patterns). `training.lrFactor`, `tol` and `maxIterations` do not affect the closed form.
 *
 * Metrics: `risk` (exact population risk of the fine-tuned end-to-end vector), `theory.risk` (the
 * implicit-bias closed form on the same data: κ_L solution; with W_1 frozen the least-squares multiple
 * of θ_S; with only W_1 trained the linear solution), their normalised versions (÷ ‖c_T θ_T‖²), the
 * freezing floor, `trainRmse`, `iterations` and `converged`; trained runs also report the distance between
 * simulated and predicted end-to-end vectors (`distanceToTheory`) and the initial balance (`initBalance`),
 * and the 'pretrained' init its pretraining run (`pretrain.*`). The closed-form solver omits those three
 * (there is no trained network to measure), sets `iterations` 0 and `converged` 1 (0 at the saddle above,
 * or if κ_L's scalar equation did not converge). Depth "Infinity" is theory only.
 *
 * Identity: the solver is `training.method` (named before the closed form was offered), so the stored
 * parameters of flow and GD jobs parse to the same values and hash as before; their results are unchanged,
 * so the job version stays 1, and a closed-form job hashes differently by its method alone.
 */
import { z } from 'zod';
import { intIn, numIn, numAbove } from '../../validation.js';
import { linearInstance, linearProblemSchema, linearProblemTerms, sampleLinearData } from '../../tasks/linearTeachers.js';
import { balancedRankOne, balanceResidual, randomInit, shapeParameterCount, type DeepLinearNet } from '../../models/deepLinear.js';
import { minInitScale, trainDeepLinear } from '../../training/deepLinear.js';
import { deepFineTunedSolution, frozenFirstLayerSolution, frozenRiskFloor } from '../../theory/shachaf/deep.js';
import { exactRisk, fineTunedSolution } from '../../theory/shachaf/linear.js';
import { createRng } from '../../numeric/rng.js';
import { dot, matVec, relativeMaxDiff } from '../../numeric/matrix.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, trainingCopies, type MemoryTerm } from '../memory.js';

/** How the fine-tuned network's end point is reached (the `--solver` of the shachaf-* deep figures). */
export const DEEP_SOLVERS = ['flow', 'gd', 'closed-form'] as const;
export type DeepSolver = (typeof DEEP_SOLVERS)[number];

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
        /** Solver: gradient flow, GD, or the closed-form limit without training (see the module comment). */
        method: z.enum(DEEP_SOLVERS).default('flow'),
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
    if (p.init.kind === 'pretrained' && L !== Infinity && L >= 2 && p.init.scale < minInitScale(L)) {
      ctx.addIssue({ code: 'custom', path: ['init', 'scale'], message: `expected a number in [${minInitScale(L)}, 1] at depth ${L} (below it the initial gradient underflows and training cannot move)` });
    }
    if (L === Infinity && p.training.frozen.length > 0) ctx.addIssue({ code: 'custom', path: ['training', 'frozen'], message: 'the L = ∞ limit is theory only (no frozen layers)' });
    if (p.training.method === 'closed-form') {
      const use = 'with training.method "closed-form"';
      if (L === Infinity) {
        ctx.addIssue({ code: 'custom', path: ['depth'], message: `expected an integer depth ${use}: L = ∞ is theory only (no network is fine-tuned; use training.method "flow", which reports the theory.* metrics alone)` });
      }
      if (p.init.kind !== 'balanced') {
        ctx.addIssue({
          code: 'custom',
          path: ['init', 'kind'],
          message: `expected "balanced" ${use}: a network pretrained from a small random initialisation is balanced only up to its initial scale, so the κ_L solution is an approximation there; use training.method "flow" or "gd"`,
        });
      }
      if (L !== Infinity && freezeRegime(L, p.training.frozen) === 'other') {
        ctx.addIssue({
          code: 'custom',
          path: ['training', 'frozen'],
          message: `expected [] (all layers trained), a list containing 1 (W₁ frozen) or [2, …, ${L}] (only W₁ trained) ${use}: no closed form is known for [${p.training.frozen.join(', ')}]; use training.method "flow" or "gd"`,
        });
      }
    }
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

/**
 * Where exact gradient flow from the balanced network ends, given the implicit-bias prediction of the freeze
 * regime. With W_1 frozen, w = c θ_S and the K trained layers keep one common scale σ (balance between
 * trained layers is conserved), so c ∝ σ^K: for K ≥ 2 the flow cannot take c through 0, and when the
 * least-squares multiple c* is ≤ 0 it runs into the saddle w = 0 (`reached` false; see the module comment).
 * For K = 1 the loss is quadratic in c and c* is reached whatever its sign.
 */
function closedFormEndPoint(predicted: Float64Array, thetaS: Float64Array, L: number, frozen: readonly number[], regime: ReturnType<typeof freezeRegime>): { w: Float64Array; reached: boolean } {
  if (regime !== 'first-frozen') return { w: predicted, reached: true };
  const trained = L - new Set(frozen).size;
  const cStar = dot(predicted, thetaS) / dot(thetaS, thetaS);
  if (trained >= 2 && !(cStar > 0)) return { w: new Float64Array(predicted.length), reached: false };
  return { w: predicted, reached: true };
}

/** The replicate's data and, when a network is trained, its parameters with the training state. */
function deepLinearFineTuneTerms(params: DeepLinearFineTuneParams): MemoryTerm[] {
  const terms = linearProblemTerms(params.problem, 'problem');
  const method = params.training.method;
  if (params.depth === 'Infinity' || method === 'closed-form') return terms;
  const widths = params.hiddenWidths ?? (Array(params.depth - 1).fill(params.hiddenWidth) as number[]);
  const width: Record<string, number> = params.hiddenWidths ? { 'max(hiddenWidths)': Math.max(0, ...params.hiddenWidths) } : { hiddenWidth: params.hiddenWidth };
  const copies = trainingCopies(params.init.kind === 'pretrained' ? 'flow' : method);
  terms.push(float64Term('the network and its training state', `${copies}·(d·k₁ + Σ k_j k_{j+1} + k_{L−1})`, copies * shapeParameterCount(params.problem.d, widths), { 'problem.d': params.problem.d, depth: params.depth, ...width }));
  return terms;
}

export const deepLinearFineTuneJob: JobType<typeof deepLinearFineTuneParams> = {
  name: 'deep-linear-finetune',
  version: 1,
  description:
    'Fine-tuning a deep linear network from a pretrained (balanced or really pretrained) network by gradient flow, GD or the closed-form limit; exact risk and the implicit-bias prediction.',
  schema: deepLinearFineTuneParams,
  estimateBytes: deepLinearFineTuneTerms,
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
    if (training.method === 'closed-form') {
      // the schema admits closed-form only with a balanced init, finite L and a freeze pattern with a prediction
      if (!predicted) throw new Error(`deep-linear-finetune: no closed form for frozen layers [${training.frozen.join(', ')}]`);
      const end = closedFormEndPoint(predicted, thetaS, L, training.frozen, regime);
      const w = end.w;
      const fit = matVec(data.x, w);
      let rss = 0;
      for (let i = 0; i < fit.length; i++) rss += (fit[i] - data.y[i]) ** 2;
      const trainRmse = Math.sqrt(rss / data.x.rows);
      const converged = theoryConverged && end.reached;
      metrics['risk'] = exactRisk(inst.cov, w, thetaT);
      metrics['normalizedRisk'] = metrics['risk'] / norm2;
      metrics['iterations'] = 0;
      metrics['trainRmse'] = trainRmse;
      metrics['converged'] = converged ? 1 : 0;
      return { metrics, status: { converged, iterations: 0, residual: trainRmse } };
    }

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
  metricNames(params: DeepLinearFineTuneParams): string[] {
    const L = params.depth === 'Infinity' ? Infinity : params.depth;
    const regime = freezeRegime(L, params.training.frozen);
    const predicted = regime !== 'other';
    const names = [...(regime === 'all' ? ['theory.kappa'] : []), ...(predicted ? ['theory.risk', 'theory.normalizedRisk'] : []), 'theory.converged', 'frozenFloor', 'frozenFloorNormalized', 'targetNorm2'];
    if (L === Infinity) return names;
    const trained = ['risk', 'normalizedRisk', 'iterations', 'trainRmse', 'converged'];
    if (params.training.method === 'closed-form') return [...names, ...trained];
    return [...names, ...(params.init.kind === 'pretrained' ? ['pretrain.converged', 'pretrain.iterations'] : []), 'initBalance', ...trained, ...(predicted ? ['distanceToTheory'] : [])];
  },
};
