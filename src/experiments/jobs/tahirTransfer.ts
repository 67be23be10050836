/**
 * Job "tahir-transfer": one target instance of the deep-linear transfer experiment of Tahir, Ganguli &
 * Rotskoff (ICML 2025), digest §1.2 and §2, at one target size n and every angle θ of a list.
 *
 * Shared across the instances of a grid (the paper's practice, digest §5): the teachers β_s, ν, the
 * network initialisation and the pretrained network, all keyed by `teacherSeed`. Per instance (the job's
 * seed): the target inputs X (n×d) and noise ξ. With `commonRandomNumbers` every θ of the job sees the
 * same X and ξ (digest §8: the authors' θ runs reuse one seed); without, θ_k gets its own stream k.
 *
 * Pretraining (always a real run, `method`): a depth-L network of width k from the small 'rand' init,
 * trained on the population source loss, or on n_s noisy source samples (App. C), until converged.
 * Then for every θ:
 *  - linear transfer: last layer refit on the frozen features, ridge λ for each of `lambdas` (paper
 *    convention (1/n)‖y − Fc‖² + λ‖c‖²), solved exactly (training/transfer.ts);
 *  - fine-tuning (all layers from the pretrained weights) and scratch (fresh small init; weight decay wd for
 *    each of `weightDecays`, paper convention — torch SGD weight_decay on (1/n)‖·‖², i.e. τ = wd/2 on our
 *    (1/2n)‖·‖²): by `solver` 'flow' (adaptive gradient flow, the theory's dynamics) or 'gd' (full-batch
 *    GD, step 1/curvature bound) run until converged, or 'implicit-bias' — the exact limit of the flow as
 *    α → 0 (X⁺y for scratch, X⁺y + κ_L(I − P)w₀ for fine-tuning, the ‖w‖-penalised least squares for
 *    scratch with weight decay at L = 2), from one spectral factorisation of X shared by all θ.
 *
 * Risks are the noise-free excess risk ‖β̂ − β_t‖² (x ~ N(0, I)). Metrics: `pre.*` (with the pretrained
 * end-to-end w₀ through ‖w₀‖², ⟨w₀, β_s⟩, ⟨w₀, ν⟩); for θ index k:
 * `lt.k.l.risk` (λ index l), `ft.k.{risk,converged,iterations,kappa}`, `sc.k.w.{risk,converged,iterations}`
 * (wd index w), and `theta.k`.
 */
import { z } from 'zod';
import { intIn, numAbove, numIn } from '../../validation.js';
import { SpectralLeastSquares } from '../../numeric/leastSquares.js';
import { dot } from '../../numeric/matrix.js';
import { drawAngleTeachers, drawDesign, isotropicRisk, labels, targetTeacher, type AngleTeachers } from '../../tasks/angleTeachers.js';
import {
  type DeepLinearSpec,
  type FeatureSpan,
  type TrainingChoice,
  endToEnd,
  featureSpan,
  fineTuneLimit,
  linearTransfer,
  pretrainPopulation,
  pretrainSamples,
  scratchLimit,
  trainFineTune,
  trainScratch,
} from '../../training/transfer.js';
import { shapeParameterCount, type DeepLinearNet } from '../../models/deepLinear.js';
import { minInitScale } from '../../training/deepLinear.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, trainingCopies, type MemoryTerm } from '../memory.js';

export const SOLVERS = ['implicit-bias', 'flow', 'gd'] as const;
export type TransferSolver = (typeof SOLVERS)[number];

export const tahirTransferParams = z
  .object({
    /** Input dimension d. */
    d: intIn(2, 2000),
    /** Network depth L. */
    depth: intIn(2, 6).default(2),
    /** Hidden width k (the paper: d); 0 means k = d. */
    width: intIn(0, 4000).default(0),
    /** Initial scale α of the 'rand' init, at least 10^(−150/(depth − 1)) (training/deepLinear.ts minInitScale). */
    initScale: numAbove(0, 1).default(1e-5),
    /** Target sample size n_t. */
    n: intIn(1, 20000),
    /** Target label noise σ. */
    sigma: numIn(0, 10),
    /** Angles θ ∈ [0, π] between β_s and β_t. */
    thetas: z.array(numIn(0, Math.PI)).min(1).max(1000),
    /** Linear-transfer ridge λ values (paper convention). */
    lambdas: z.array(numIn(0, 100)).min(1).max(64).default([0]),
    /** Scratch weight-decay values wd (paper convention); ignored unless `scratch`. */
    weightDecays: z.array(numIn(0, 10)).min(1).max(16).default([0]),
    scratch: z.boolean().default(true),
    fineTune: z.boolean().default(true),
    /** Pretraining data: the population source loss, or n_s noisy source samples. */
    source: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('population') }).strict(),
        z.object({ kind: z.literal('samples'), n: intIn(1, 20000), sigma: numIn(0, 10) }).strict(),
      ])
      .default({ kind: 'population' }),
    /** How scratch and fine-tuning reach their converged solution. */
    solver: z.enum(SOLVERS).default('implicit-bias'),
    /** Training method for pretraining (always run) and for scratch / fine-tuning under solver 'gd' | 'flow'. */
    tol: numAbove(0, 1).default(1e-9),
    maxIterations: intIn(1, 100_000_000).default(2_000_000),
    /** GD step as a fraction of the inverse curvature bound (solver 'gd'). */
    lrFactor: numAbove(0, 2).default(1),
    /** Linear transfer keeps feature directions with σ_i > featureTol · σ_1 (see training/transfer.ts). */
    featureTol: numAbove(0, 1).default(1e-3),
    /** Seed of the teachers, the initialisation and the pretrained network (shared by every instance). */
    teacherSeed: intIn(0, 2 ** 31).default(0),
    commonRandomNumbers: z.boolean().default(true),
  })
  .strict()
  .superRefine((p, ctx) => {
    const minScale = minInitScale(p.depth);
    if (p.initScale < minScale) ctx.addIssue({ code: 'custom', path: ['initScale'], message: `expected a number in [${minScale}, 1] at depth ${p.depth} (below it the initial gradient underflows and training cannot move)` });
    if (p.solver === 'implicit-bias' && p.scratch && p.depth !== 2 && p.weightDecays.some((w) => w > 0)) {
      ctx.addIssue({ code: 'custom', path: ['weightDecays'], message: 'expected only 0 with solver "implicit-bias" at depth ≠ 2 (its weight-decay limit is derived for L = 2); use solver "flow" or "gd"' });
    }
    if (p.solver === 'implicit-bias' && p.width !== 0 && p.width < p.d) {
      ctx.addIssue({ code: 'custom', path: ['width'], message: `expected width 0 or ≥ d = ${p.d} with solver "implicit-bias" (a bottleneck changes the limit)` });
    }
  });

export type TahirTransferParams = z.output<typeof tahirTransferParams>;

interface Pretrained {
  net: DeepLinearNet;
  w0: Float64Array;
  span: FeatureSpan;
  teachers: AngleTeachers;
  metrics: Record<string, number>;
  converged: boolean;
}

/** Pretrained networks of this process, keyed by what determines them (a sweep's jobs share one). */
const pretrainedCache = new Map<string, Pretrained>();

function choice(p: TahirTransferParams, method: 'gd' | 'flow'): TrainingChoice {
  return { method, tol: p.tol, maxIterations: p.maxIterations, lrFactor: p.lrFactor };
}

function specOf(p: TahirTransferParams): DeepLinearSpec {
  return { d: p.d, depth: p.depth, width: p.width === 0 ? p.d : p.width, initScale: p.initScale };
}

/** Pretraining method: the flow unless the job asks for GD throughout. */
const pretrainMethod = (p: TahirTransferParams): 'gd' | 'flow' => (p.solver === 'gd' ? 'gd' : 'flow');

export function pretrainFor(p: TahirTransferParams): Pretrained {
  const key = JSON.stringify({ d: p.d, depth: p.depth, width: p.width, a: p.initScale, s: p.source, seed: p.teacherSeed, m: pretrainMethod(p), tol: p.tol, it: p.maxIterations, lr: p.lrFactor, ft: p.featureTol });
  const hit = pretrainedCache.get(key);
  if (hit) return hit;
  const spec = specOf(p);
  const teachers = drawAngleTeachers(p.d, p.teacherSeed);
  const t = choice(p, pretrainMethod(p));
  const run =
    p.source.kind === 'population'
      ? pretrainPopulation(spec, teachers.betaS, p.teacherSeed, t)
      : (() => {
          const design = drawDesign(p.source.n, p.d, p.teacherSeed, 'source');
          return pretrainSamples(spec, design.x, labels(design, teachers.betaS, p.source.sigma), p.teacherSeed, t);
        })();
  const w0 = endToEnd(run.net);
  const span = featureSpan(run.net, p.featureTol, p.teacherSeed);
  const metrics: Record<string, number> = {
    'pre.converged': run.converged ? 1 : 0,
    'pre.iterations': run.iterations,
    'pre.sourceRisk': isotropicRisk(w0, teachers.betaS),
    'pre.featureRank': span.sigma.length,
    // A pretraining that never left the saddle of the init may leave no representable feature direction.
    'pre.alignment': span.u.length > 0 ? Math.abs(dot(span.u[0], teachers.betaS)) : 0,
    'pre.nextRelative': span.nextRelative,
    'pre.topSingular': span.sigma[0] ?? 0,
    // The realised source estimate w₀ in the teachers' plane: the conditional theory of a finite source.
    'pre.w0.norm2': dot(w0, w0),
    'pre.w0.betaS': dot(w0, teachers.betaS),
    'pre.w0.nu': dot(w0, teachers.nu),
  };
  const out: Pretrained = { net: run.net, w0, span, teachers, metrics, converged: run.converged };
  if (pretrainedCache.size >= 4) pretrainedCache.delete(pretrainedCache.keys().next().value as string);
  pretrainedCache.set(key, out);
  return out;
}

export function runTahirTransfer(p: TahirTransferParams, seed: number): JobOutput {
  const pre = pretrainFor(p);
  const metrics: Record<string, number> = { ...pre.metrics };
  let converged = pre.converged;
  let iterations = Number(pre.metrics['pre.iterations']);
  let worstResidual = 0;
  const spec = specOf(p);
  const shared = p.commonRandomNumbers ? drawDesign(p.n, p.d, seed, 'target') : undefined;
  let sharedLs: SpectralLeastSquares | undefined;
  p.thetas.forEach((theta, k) => {
    const design = shared ?? drawDesign(p.n, p.d, seed, 'target', k);
    const betaT = targetTeacher(pre.teachers, theta);
    const y = labels(design, betaT, p.sigma);
    metrics[`theta.${k}`] = theta;
    p.lambdas.forEach((lambda, l) => {
      metrics[`lt.${k}.${l}.risk`] = isotropicRisk(linearTransfer(pre.span, design.x, y, lambda), betaT);
    });
    if (!p.fineTune && !p.scratch) return;
    let ls: SpectralLeastSquares | undefined;
    if (p.solver === 'implicit-bias') {
      ls = shared ? (sharedLs ??= new SpectralLeastSquares(design.x)) : new SpectralLeastSquares(design.x);
    }
    if (p.fineTune) {
      if (ls) {
        const lim = fineTuneLimit(ls, y, pre.w0, p.depth);
        metrics[`ft.${k}.risk`] = isotropicRisk(lim.w, betaT);
        metrics[`ft.${k}.converged`] = lim.converged ? 1 : 0;
        metrics[`ft.${k}.iterations`] = 0;
        metrics[`ft.${k}.kappa`] = lim.kappa;
        converged &&= lim.converged;
      } else {
        const run = trainFineTune(pre.net, design.x, y, choice(p, p.solver as 'gd' | 'flow'));
        metrics[`ft.${k}.risk`] = isotropicRisk(run.w, betaT);
        metrics[`ft.${k}.converged`] = run.converged ? 1 : 0;
        metrics[`ft.${k}.iterations`] = run.iterations;
        converged &&= run.converged;
        iterations += run.iterations;
        worstResidual = Math.max(worstResidual, run.residual);
      }
    }
    if (p.scratch) {
      p.weightDecays.forEach((wd, w) => {
        const tau = wd / 2;
        if (ls) {
          const lim = scratchLimit(ls, y, p.depth, tau);
          metrics[`sc.${k}.${w}.risk`] = isotropicRisk(lim.w, betaT);
          metrics[`sc.${k}.${w}.converged`] = lim.converged ? 1 : 0;
          metrics[`sc.${k}.${w}.iterations`] = 0;
          converged &&= lim.converged;
        } else {
          const run = trainScratch(spec, design.x, y, p.teacherSeed, 0, choice(p, p.solver as 'gd' | 'flow'), tau);
          metrics[`sc.${k}.${w}.risk`] = isotropicRisk(run.w, betaT);
          metrics[`sc.${k}.${w}.converged`] = run.converged ? 1 : 0;
          metrics[`sc.${k}.${w}.iterations`] = run.iterations;
          converged &&= run.converged;
          iterations += run.iterations;
        }
      });
    }
  });
  return { metrics, status: { converged, iterations, residual: worstResidual } };
}

/**
 * The target inputs X (n×d) with the solvers' copy, the source samples when pretraining on samples, the Gram
 * matrix of the smaller side with its eigenvectors (linear transfer, the implicit-bias limits), and the network:
 * the pretrained one kept for the sweep plus the training state of the run under way.
 */
function tahirTransferTerms(p: TahirTransferParams): MemoryTerm[] {
  const spec = specOf(p);
  const width: Record<string, number> = p.width === 0 ? {} : { width: p.width };
  // pretraining always trains (flow unless the solver is GD); fine-tuning and scratch train with a 'gd' or 'flow' solver
  const copies = Math.max(trainingCopies(pretrainMethod(p)), p.solver === 'implicit-bias' ? 0 : trainingCopies(p.solver));
  const m = Math.min(p.n, p.d);
  const sourceN = p.source.kind === 'samples' ? p.source.n : 0;
  return [
    float64Term('X', 'd·n', p.d * p.n, { d: p.d, n: p.n }),
    float64Term("the solvers' copy of X", 'd·n', p.d * p.n, { d: p.d, n: p.n }),
    float64Term('the source samples with their copy', '2·d·source.n', 2 * p.d * sourceN, { d: p.d, 'source.n': sourceN }),
    float64Term('the Gram matrix and its eigenvectors', '3·min(d, n)²', 3 * m * m, { d: p.d, n: p.n }),
    float64Term('the networks and their training state', `${copies + 1}·(d·k + (L−2)·k² + k)`, (copies + 1) * shapeParameterCount(p.d, Array<number>(p.depth - 1).fill(spec.width)), { d: p.d, ...width, depth: p.depth }),
  ];
}

export const tahirTransferJob: JobType<typeof tahirTransferParams> = {
  name: 'tahir-transfer',
  version: 1,
  description:
    'Deep linear transfer (Tahir et al. 2025): pretrain on the source (population or n_s samples), then linear transfer, fine-tuning and scratch on one target instance of size n at every θ; excess risks ‖β̂ − β_t‖²',
  schema: tahirTransferParams,
  estimateBytes: tahirTransferTerms,
  run: runTahirTransfer,
  metricNames(p: TahirTransferParams): string[] {
    const pre = ['converged', 'iterations', 'sourceRisk', 'featureRank', 'alignment', 'nextRelative', 'topSingular', 'w0.norm2', 'w0.betaS', 'w0.nu'];
    const ft = ['risk', 'converged', 'iterations', ...(p.solver === 'implicit-bias' ? ['kappa'] : [])];
    return [
      ...pre.map((m) => `pre.${m}`),
      ...p.thetas.flatMap((_, k) => [
        `theta.${k}`,
        ...p.lambdas.map((_, l) => `lt.${k}.${l}.risk`),
        ...(p.fineTune ? ft.map((m) => `ft.${k}.${m}`) : []),
        ...(p.scratch ? p.weightDecays.flatMap((_, w) => ['risk', 'converged', 'iterations'].map((m) => `sc.${k}.${w}.${m}`)) : []),
      ]),
    ];
  },
};
