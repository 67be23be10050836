/**
 * Job "anguita-diagonal": one seed of the diagonal-linear-network experiments of Anguita et al. (2026), digest
 * `anguita-pretraining-inductive-bias.md` §1–§4 and §8.
 *
 * stage 'fine-tune' (pretraining → re-initialisation → fine-tuning, §2):
 *  - teachers: four groups from (ρ_PT, ρ_FT, ω), exact counts (tasks/sparseTeachers.ts);
 *  - pretraining: 'oracle' builds the end-of-pretraining state for β_PT in closed form (§2.1, the authors'
 *    infinite-pretraining oracle); 'samples' really trains from the (c_PT, λ_PT) init on n_PT noiseless
 *    samples of β_PT (GD or flow, `pretrainMethod`);
 *  - re-initialisation (★) with γ_FT (§2.2), then fine-tuning on n = round(αd) samples of β*_FT by `solver`:
 *    'gd' (the authors' recipe: lr 0.5, stop at train MSE < 1e-4 or a fixed point), 'flow' (adaptive
 *    gradient flow) or 'implicit-bias' (Theorem 4.1: the minimiser of Σ q_{k_i}(β_i) over {Xβ = y}, scales from
 *    the re-initialised network's conserved c_i, solved in the dual). With `compareImplicitBias` a trained run
 *    also solves the implicit-bias problem and reports the relative gap.
 * stage 'single-task' (§1.5): a Bernoulli–Gaussian teacher learned from the (c, λ) init directly.
 *
 * Metrics: `mse` = (1/d)‖β̂ − β*‖² (the noiseless test MSE), `trainMse`, `converged`, `iterations`, `stop`
 * (0 criterion met, 1 fixed point, 2 budget, 3 diverged, 4 stuck: a start no weight of which can move), invariant drift of the trained run, and with
 * `recordBeta` the coordinates `beta.i` (and `ib.i` for the implicit-bias solution) for scatter plots.
 */
import { z } from 'zod';
import { intIn, numAbove, numIn } from '../../validation.js';
import { MIN_INIT_SCALE, cLambdaInit, endOfPretraining, invariants, reinitialise, type DiagonalNet } from '../../models/diagonal.js';
import { drawBernoulliGaussianTeacher, drawFourGroupTeachers, drawScaledGaussianInputs, noisyLabels, parameterMse, checkFourGroupTask } from '../../tasks/sparseTeachers.js';
import { solveImplicitBias } from '../../theory/anguita/implicitBias.js';
import { pretrainDiagonal, trainDiagonalFlow, trainDiagonalGD } from '../../training/diagonal.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, type MemoryTerm } from '../memory.js';

export const DIAGONAL_SOLVERS = ['implicit-bias', 'gd', 'flow'] as const;
export type DiagonalSolver = (typeof DIAGONAL_SOLVERS)[number];

/** The absolute scale c_PT of the (c, λ) init. */
/** c_PT's range: below MIN_INIT_SCALE the (c, λ) init rounds to zero weights, from which no solver can move. */
const cPTSchema = numIn(MIN_INIT_SCALE, 1e6);

export const anguitaDiagonalParams = z
  .object({
    stage: z.enum(['fine-tune', 'single-task']).default('fine-tune'),
    d: intIn(2, 50_000),
    /** Fine-tuning (or single-task) samples n. */
    n: intIn(1, 50_000),
    /** Pretraining density ρ_PT, fine-tuning density ρ_FT, overlap ω (fine-tune stage); single-task density = rhoFT. */
    rhoPT: numIn(0, 1).default(0.1),
    rhoFT: numIn(0, 1).default(0.1),
    omega: numIn(0, 1).default(0.5),
    aPT: numIn(0, 100).default(1),
    /** Absolute scale c_PT ≥ 1e-307 (models/diagonal.ts MIN_INIT_SCALE) and relative scale λ_PT ∈ [−c_PT, c_PT] of the (c, λ) init. */
    cPT: cPTSchema,
    lambdaPT: numIn(-1e6, 1e6).default(0),
    /** Readout re-initialisation scale γ_FT ≥ 0. */
    gammaFT: numIn(0, 1e6).default(0),
    /** Label noise standard deviation (fine-tuning labels). */
    noise: numIn(0, 100).default(0),
    pretraining: z
      .discriminatedUnion('kind', [z.object({ kind: z.literal('oracle') }).strict(), z.object({ kind: z.literal('samples'), n: intIn(1, 200_000), method: z.enum(['gd', 'flow']).default('flow') }).strict()])
      .default({ kind: 'oracle' }),
    solver: z.enum(DIAGONAL_SOLVERS).default('implicit-bias'),
    /** GD: constant step (digest §8: 0.5). */
    lr: numAbove(0, 100).default(0.5),
    /** Stop at train MSE < mseTol (default: 1e-4 for GD, the authors' rule; 1e-10·mean(y²) for flow). */
    mseTol: numAbove(0, 1).optional(),
    maxIterations: intIn(1, 100_000_000).default(5_000_000),
    /** Implicit-bias solver tolerance on ‖Xβ − y‖/‖y‖. */
    solverTol: numAbove(0, 1).default(1e-10),
    compareImplicitBias: z.boolean().default(false),
    recordBeta: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    // the checks against c_PT only when c_PT itself is valid (else its own error is the one to report)
    const cValid = cPTSchema.safeParse(p.cPT).success;
    if (cValid && !(Math.abs(p.lambdaPT) <= p.cPT)) ctx.addIssue({ code: 'custom', path: ['lambdaPT'], message: `expected a number in [−cPT, cPT] = [${-p.cPT}, ${p.cPT}]` });
    if (p.stage === 'fine-tune') {
      try {
        checkFourGroupTask({ rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, aPT: p.aPT });
      } catch (e) {
        const msg = (e as Error).message;
        const field = msg.split(':')[0];
        ctx.addIssue({ code: 'custom', path: [field], message: msg.slice(field.length + 2) });
      }
      if (cValid && p.lambdaPT === -p.cPT && p.gammaFT === 0) {
        ctx.addIssue({ code: 'custom', path: ['gammaFT'], message: 'expected γ_FT > 0 when λ_PT = −c_PT: the summed first layer is exactly 0 and fine-tuning cannot leave β = 0 (digest §2.2)' });
      }
    } else if (!(p.rhoFT > 0)) ctx.addIssue({ code: 'custom', path: ['rhoFT'], message: 'expected a density in (0, 1]' });
    if (p.recordBeta && p.d > 2000) ctx.addIssue({ code: 'custom', path: ['recordBeta'], message: `expected d ≤ 2000 when recording every coordinate (got d = ${p.d})` });
    if (p.solver === 'implicit-bias' && p.noise > 0) ctx.addIssue({ code: 'custom', path: ['solver'], message: 'expected "gd" or "flow" with label noise > 0 (the implicit bias assumes interpolation of the labels)' });
  });

export type AnguitaDiagonalParams = z.output<typeof anguitaDiagonalParams>;

const STOP_CODE: Record<string, number> = { residual: 0, stationary: 1, 'max-iterations': 2, 'time-limit': 2, diverged: 3, stuck: 4 };

export function runAnguitaDiagonal(p: AnguitaDiagonalParams, seed: number): JobOutput {
  const metrics: Record<string, number> = {};
  let start: DiagonalNet;
  let target: Float64Array;
  if (p.stage === 'fine-tune') {
    const teachers = drawFourGroupTeachers(p.d, { rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, aPT: p.aPT }, seed);
    target = teachers.betaFT;
    let pretrained: DiagonalNet;
    if (p.pretraining.kind === 'oracle') pretrained = endOfPretraining(teachers.betaPT, p.cPT, p.lambdaPT);
    else {
      const xs = drawScaledGaussianInputs(p.pretraining.n, p.d, seed, 1);
      const ys = noisyLabels(xs, teachers.betaPT, 0, seed, 1);
      const run = pretrainDiagonal(xs, ys, p.cPT, p.lambdaPT, { method: p.pretraining.method });
      pretrained = run.net;
      metrics['pre.converged'] = run.converged ? 1 : 0;
      metrics['pre.iterations'] = run.iterations;
      metrics['pre.mse'] = parameterMse(run.beta, teachers.betaPT);
    }
    start = reinitialise(pretrained, p.gammaFT);
  } else {
    target = drawBernoulliGaussianTeacher(p.d, p.rhoFT, seed);
    start = cLambdaInit(p.d, p.cPT, p.lambdaPT);
  }
  const x = drawScaledGaussianInputs(p.n, p.d, seed, 0);
  const y = noisyLabels(x, target, p.noise, seed, 0);
  // The conserved per-coordinate scale of the start; with β(0) = 0 the implicit bias is Σ (c_i/2) h(β_i/c_i).
  const scales = invariants(start).c;
  let beta: Float64Array;
  let converged: boolean;
  let iterations = 0;
  let residual: number;
  let ib: Float64Array | undefined;
  if (p.solver === 'implicit-bias') {
    const sol = solveImplicitBias(x, y, scales, { tol: p.solverTol });
    beta = sol.value;
    ib = beta;
    converged = sol.converged;
    iterations = sol.iterations;
    residual = sol.residual;
    metrics.stop = sol.converged ? 0 : 2;
  } else {
    const run =
      p.solver === 'gd'
        ? trainDiagonalGD(start, x, y, { lr: p.lr, mseTol: p.mseTol ?? 1e-4, maxIterations: p.maxIterations })
        : trainDiagonalFlow(start, x, y, { mseTol: p.mseTol, maxIterations: Math.min(p.maxIterations, 10_000_000) });
    beta = run.beta;
    converged = run.converged;
    iterations = run.iterations;
    residual = Math.sqrt(run.trainMse);
    metrics.trainMse = run.trainMse;
    metrics.stop = STOP_CODE[run.stop] ?? 2;
    metrics['drift.relative'] = run.invariantDrift.relative;
    metrics['drift.absolute'] = run.invariantDrift.absolute;
    if (p.compareImplicitBias) {
      const sol = solveImplicitBias(x, y, scales, { tol: p.solverTol });
      ib = sol.value;
      metrics['ib.converged'] = sol.converged ? 1 : 0;
      metrics['ib.mse'] = parameterMse(sol.value, target);
      let num = 0;
      let den = 0;
      for (let i = 0; i < p.d; i++) {
        num += (beta[i] - sol.value[i]) ** 2;
        den += sol.value[i] ** 2;
      }
      metrics['ib.gap'] = den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
    }
  }
  metrics.mse = parameterMse(beta, target);
  metrics.converged = converged ? 1 : 0;
  metrics.iterations = iterations;
  if (p.recordBeta) {
    for (let i = 0; i < p.d; i++) {
      metrics[`beta.${i}`] = beta[i];
      metrics[`target.${i}`] = target[i];
      if (ib) metrics[`ib.${i}`] = ib[i];
    }
  }
  return { metrics, status: { converged, iterations, residual } };
}

/**
 * The fine-tuning inputs X (n×d) with the solver's copy (the kernels' workspace, or the implicit-bias solver's
 * scaled copy; one more when comparing with the implicit bias), and the pretraining samples with their copy.
 */
function anguitaDiagonalTerms(p: AnguitaDiagonalParams): MemoryTerm[] {
  const preN = p.stage === 'fine-tune' && p.pretraining.kind === 'samples' ? p.pretraining.n : 0;
  const copies = p.solver !== 'implicit-bias' && p.compareImplicitBias ? 2 : 1;
  return [
    float64Term('X', 'd·n', p.d * p.n, { d: p.d, n: p.n }),
    float64Term("the solver's copies of X", `${copies}·d·n`, copies * p.d * p.n, { d: p.d, n: p.n }),
    float64Term('the pretraining samples with their copy', '2·d·pretraining.n', 2 * p.d * preN, { d: p.d, 'pretraining.n': preN }),
  ];
}

export const anguitaDiagonalJob: JobType<typeof anguitaDiagonalParams> = {
  name: 'anguita-diagonal',
  version: 1,
  description:
    'Diagonal linear network (Anguita et al. 2026): pretraining (oracle or samples) → re-initialisation (★) → fine-tuning by GD, gradient flow or the implicit-bias solver; or single-task learning from the (c, λ) init. Metric mse = (1/d)‖β̂ − β*‖²',
  schema: anguitaDiagonalParams,
  estimateBytes: anguitaDiagonalTerms,
  run: runAnguitaDiagonal,
  metricNames(p: AnguitaDiagonalParams): string[] {
    const names = ['mse', 'converged', 'iterations', 'stop'];
    if (p.stage === 'fine-tune' && p.pretraining.kind === 'samples') names.push('pre.converged', 'pre.iterations', 'pre.mse');
    if (p.solver !== 'implicit-bias') {
      names.push('trainMse', 'drift.relative', 'drift.absolute');
      if (p.compareImplicitBias) names.push('ib.converged', 'ib.mse', 'ib.gap');
    }
    if (p.recordBeta) {
      const withIb = p.solver === 'implicit-bias' || p.compareImplicitBias;
      for (let i = 0; i < p.d; i++) names.push(`beta.${i}`, `target.${i}`, ...(withIb ? [`ib.${i}`] : []));
    }
    return names;
  },
};
