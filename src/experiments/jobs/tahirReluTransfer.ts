/**
 * Job "tahir-relu-transfer": one seed of the nonlinear transferability experiment of Tahir, Ganguli &
 * Rotskoff (ICML 2025) §4 / Appendix E (digest §6).
 *
 * Teacher f_t(x) = Σ_{k=1}^{m*} a_k relu(v_kᵀx), unit-norm v_k (uniform on the sphere), a_k ~ N(0, 1)
 * rescaled so that ‖f_t‖² = E f_t(x)² = 1 exactly (x ~ N(0, I_d)). The source teacher f_s keeps the same
 * neurons except a fraction μ of them, dropped in a fixed random order (so the source spans are nested in μ).
 * Student: mean-field two-layer ReLU network f(x) = (1/m) Σ_i c_i relu(w_iᵀx), small initialisation
 * (scale `initScale`, the rich regime). Target data: n samples x ~ N(0, I_d), y = f_t(x) (+ optional noise),
 * nested in n (the first n rows of one draw), identical for the scratch and transfer runs of a seed.
 *
 * For each μ in `mus` the job pretrains the student on the exact population loss E(f − f_s)² (GD to
 * convergence, training/meanFieldRelu.ts), then for each n in `ns` does linear transfer: the first layer
 * is frozen and the output layer refit by ridge regression on the n target samples, solved exactly
 * (λ = ridge · tr K, K the Gram matrix of the pretrained features in L²). With `scratch: true` it trains
 * the student from its initialisation on each target set (GD to convergence). Every risk is the exact
 * population risk E(f̂ − f_t)², through the arc-cosine kernel. Also reported per μ: the out-of-span norm
 * ‖P⊥f_t‖² over the span of the kept source neurons (the theory, digest eqs. 166–173), the same over the
 * pretrained student's features (at the transfer's ridge: the n → ∞ limit of the linear-transfer risk),
 * the zero-shot risk of the pretrained network on the target, and the fraction of the pretrained feature
 * kernel carried by neurons aligned with a kept source neuron (cosine > 0.95).
 *
 * Metrics: `pre.k.*` for the k-th μ, `lt.k.j.risk` for (μ_k, n_j), `sc.j.*` for the scratch run at n_j.
 */
import { z } from 'zod';
import { intIn, numAbove, numIn } from '../../validation.js';
import { createRng } from '../../numeric/rng.js';
import type { Mat } from '../../numeric/matrix.js';
import {
  type MeanFieldRelu,
  type NeuronSum,
  asNeuronSum,
  crossVector,
  initMeanFieldRelu,
  meanFieldForward,
  neuronSumNorm2,
  outOfSpanNorm,
  populationRisk,
  refitOutputLayer,
  reluKernelMatrix,
  riskOnFeatures,
} from '../../models/meanFieldRelu.js';
import { STOP_CODES, empiricalObjective, populationObjective, trainMeanField, type MeanFieldTrainOptions } from '../../training/meanFieldRelu.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, type MemoryTerm } from '../memory.js';

export const tahirReluParams = z
  .object({
    /** Input dimension d. */
    d: intIn(2, 1000).default(100),
    /** Student width m. */
    width: intIn(2, 4000).default(1000),
    /** Teacher width m*. */
    teacherWidth: intIn(1, 2000).default(100),
    /** Fractions μ of teacher neurons the source drops; one pretraining (and transfer at every n) each. */
    mus: z.array(numIn(0, 1)).max(32).default([]),
    /** Target sample sizes n. */
    ns: z.array(intIn(2, 20000)).min(1).max(32),
    /** Also train from scratch at every n. */
    scratch: z.boolean().default(false),
    /** Label noise standard deviation on the target samples. */
    noise: numIn(0, 10).default(0),
    /** Linear-transfer ridge relative to the feature scale: λ = ridge · tr K. */
    ridge: numIn(0, 10).default(1e-3),
    /** Initialisation scale α: w_i ~ N(0, α²I/d), c_i ~ N(0, α²). */
    initScale: numAbove(0, 10).default(1e-3),
    /** Initial mean-field step η (parameter step η·m·∇, adapted by backtracking). */
    lr: numAbove(0, 100).default(0.5),
    /** Pretraining stops when the population source risk is ≤ pretrainTol · ‖f_s‖². */
    pretrainTol: numAbove(0, 1).default(5e-3),
    /** Scratch training stops when the training MSE is ≤ scratchTol · mean(y²) (or at a stationary point). */
    scratchTol: numAbove(0, 1).default(1e-4),
    /** Budget of GD evaluations per training run. */
    maxIterations: intIn(1, 10_000_000).default(20000),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.mus.forEach((mu, k) => {
      if (Math.round(mu * p.teacherWidth) >= p.teacherWidth) {
        ctx.addIssue({ code: 'custom', path: ['mus', k], message: `expected a fraction that keeps at least one of the ${p.teacherWidth} teacher neurons (round(μ·teacherWidth) < teacherWidth)` });
      }
    });
    if (p.mus.length === 0 && !p.scratch) {
      ctx.addIssue({ code: 'custom', path: ['mus'], message: 'expected at least one μ, or scratch: true (the job would do nothing)' });
    }
  });

export type TahirReluParams = z.output<typeof tahirReluParams>;

export interface ReluTeacherPair {
  /** The target teacher f_t, normalised to ‖f_t‖² = 1. */
  target: NeuronSum;
  /** Teacher neurons in the order the sources drop them. */
  dropOrder: Int32Array;
}

/** The target teacher of a seed: m* unit neurons, N(0, 1) output weights rescaled to ‖f_t‖² = 1. */
export function reluTeacher(d: number, teacherWidth: number, seed: number): ReluTeacherPair {
  const rng = createRng(seed, 'teacher', 0);
  const w = new Float64Array(teacherWidth * d);
  for (let k = 0; k < teacherWidth; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      w[k * d + j] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) w[k * d + j] *= inv;
  }
  const a = rng.fillNormal(new Float64Array(teacherWidth));
  const norm = Math.sqrt(neuronSumNorm2({ k: teacherWidth, d, w, a }));
  for (let k = 0; k < teacherWidth; k++) a[k] /= norm;
  return { target: { k: teacherWidth, d, w, a }, dropOrder: createRng(seed, 'teacher', 1).permutation(teacherWidth) };
}

/** The source teacher at drop fraction μ: the target's neurons minus the first round(μ m*) of the drop order. */
export function sourceTeacher(pair: ReluTeacherPair, mu: number): NeuronSum {
  const { target, dropOrder } = pair;
  const dropped = Math.round(mu * target.k);
  const kept = Array.from(dropOrder.subarray(dropped)).sort((x, y) => x - y);
  const d = target.d;
  const w = new Float64Array(kept.length * d);
  const a = new Float64Array(kept.length);
  kept.forEach((src, k) => {
    w.set(target.w.subarray(src * d, (src + 1) * d), k * d);
    a[k] = target.a[src];
  });
  return { k: kept.length, d, w, a };
}

/** The first n rows of X as a matrix view (no copy). */
function firstRows(x: Mat, n: number): Mat {
  return { rows: n, cols: x.cols, data: x.data.subarray(0, n * x.cols) };
}

/**
 * Kernel-weighted fraction of the pretrained features aligned with a source neuron:
 * Σ_i ‖w_i‖² 1[max_k cos(w_i, v_k) > 0.95] / Σ_i ‖w_i‖² (the trace of the feature kernel is Σ‖w_i‖²/2).
 */
function alignedFraction(net: MeanFieldRelu, source: NeuronSum): number {
  const { m, d, w } = net;
  let num = 0;
  let den = 0;
  for (let i = 0; i < m; i++) {
    let ww = 0;
    for (let t = 0; t < d; t++) ww += w[i * d + t] ** 2;
    den += ww;
    if (ww === 0) continue;
    let best = -1;
    for (let k = 0; k < source.k; k++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += w[i * d + t] * source.w[k * d + t];
      best = Math.max(best, s / Math.sqrt(ww)); // source neurons have unit norm
    }
    if (best > 0.95) num += ww;
  }
  return den > 0 ? num / den : 0;
}

export function runTahirRelu(p: TahirReluParams, seed: number): JobOutput {
  const { d, width: m } = p;
  const pair = reluTeacher(d, p.teacherWidth, seed);
  const target = pair.target;
  const tt = neuronSumNorm2(target);
  const nMax = Math.max(...p.ns);
  const xAll: Mat = { rows: nMax, cols: d, data: createRng(seed, 'data', 0).fillNormal(new Float64Array(nMax * d)) };
  const y = new Float64Array(nMax);
  {
    // y = f_t(X) + noise: f_t as a width-m* network with c_k = m*·a_k.
    const asNet: MeanFieldRelu = { m: target.k, d, w: target.w, c: target.a.map((v) => v * target.k) };
    meanFieldForward(asNet, xAll, y);
    if (p.noise > 0) {
      const rng = createRng(seed, 'noise', 0);
      for (let j = 0; j < nMax; j++) y[j] += p.noise * rng.normal();
    }
  }
  const init = initMeanFieldRelu(d, m, p.initScale, createRng(seed, 'init', 0));
  const train = (tol: number): MeanFieldTrainOptions => ({ lr: p.lr, tol, maxIterations: p.maxIterations });

  const metrics: Record<string, number> = { 'teacher.norm2': tt };
  let converged = true;
  let iterations = 0;
  let residual = 0;

  p.mus.forEach((mu, k) => {
    const source = sourceTeacher(pair, mu);
    const ss = neuronSumNorm2(source);
    // μ = 0 keeps every neuron: f_t lies in the span exactly (the Gram solve would leave ~1e-16 of round-off).
    const oosTeacher = source.k === target.k ? 0 : outOfSpanNorm(source.w, source.k, target, { targetNorm2: tt }).value;
    const pre = trainMeanField(init, populationObjective(source, ss, m), train(p.pretrainTol));
    const w = pre.net.w;
    const gram = reluKernelMatrix(w, m, w, m, d);
    const cross = crossVector(w, m, target);
    let trace = 0;
    for (let i = 0; i < m; i++) trace += gram.data[i * m + i];
    const lambda = p.ridge * trace;
    const oosStudent = outOfSpanNorm(w, m, target, { ridge: lambda, gram, cross, targetNorm2: tt }).value;
    const pre0 = `pre.${k}`;
    metrics[`${pre0}.mu`] = mu;
    metrics[`${pre0}.kept`] = source.k;
    metrics[`${pre0}.sourceNorm2`] = ss;
    metrics[`${pre0}.oosTeacher`] = oosTeacher;
    metrics[`${pre0}.oosStudent`] = oosStudent;
    metrics[`${pre0}.sourceRisk`] = pre.loss;
    metrics[`${pre0}.relativeSourceRisk`] = pre.relativeLoss;
    metrics[`${pre0}.zeroShotRisk`] = populationRisk(asNeuronSum(pre.net), target);
    metrics[`${pre0}.aligned`] = alignedFraction(pre.net, source);
    metrics[`${pre0}.converged`] = pre.converged ? 1 : 0;
    metrics[`${pre0}.iterations`] = pre.iterations;
    metrics[`${pre0}.stop`] = STOP_CODES[pre.stop];
    converged &&= pre.converged;
    iterations = Math.max(iterations, pre.iterations);
    residual = Math.max(residual, Math.sqrt(pre.relativeLoss));
    p.ns.forEach((n, j) => {
      const u = refitOutputLayer(w, m, d, firstRows(xAll, n), y.subarray(0, n), lambda);
      metrics[`lt.${k}.${j}.n`] = n;
      metrics[`lt.${k}.${j}.risk`] = riskOnFeatures(gram, cross, tt, u);
    });
  });

  if (p.scratch) {
    p.ns.forEach((n, j) => {
      const sc = trainMeanField(init, empiricalObjective(firstRows(xAll, n), y.subarray(0, n), m), train(p.scratchTol));
      metrics[`sc.${j}.n`] = n;
      metrics[`sc.${j}.risk`] = populationRisk(asNeuronSum(sc.net), target);
      metrics[`sc.${j}.relativeTrainMse`] = sc.relativeLoss;
      metrics[`sc.${j}.converged`] = sc.converged ? 1 : 0;
      metrics[`sc.${j}.iterations`] = sc.iterations;
      metrics[`sc.${j}.stop`] = STOP_CODES[sc.stop];
      converged &&= sc.converged;
      iterations = Math.max(iterations, sc.iterations);
      residual = Math.max(residual, Math.sqrt(sc.relativeLoss));
    });
  }
  return { metrics, status: { converged, iterations, residual } };
}

/**
 * The target inputs X (max(n)×d), the features and pre-activations on them (linear transfer's H, scratch
 * training's workspace), the refit's Gram matrix, the m×m kernel matrices of the population objective and the
 * out-of-span norms, the student's weights with its training state, and the teachers' kernel.
 */
function tahirReluTerms(p: TahirReluParams): MemoryTerm[] {
  const nMax = Math.max(...p.ns);
  const m = p.width;
  const small = Math.min(nMax, m);
  return [
    float64Term('X', 'max(ns)·d', nMax * p.d, { 'max(ns)': nMax, d: p.d }),
    float64Term('the features and pre-activations', '2·width·max(ns)', 2 * m * nMax, { width: m, 'max(ns)': nMax }),
    float64Term("the refit's Gram matrix", '3·min(width, max(ns))²', 3 * small * small, { width: m, 'max(ns)': nMax }),
    float64Term('the kernel matrices', '4·width²', 4 * m * m, { width: m }),
    float64Term('the weights and their training state', '8·width·d', 8 * m * p.d, { width: m, d: p.d }),
    float64Term("the teachers' kernel", '3·teacherWidth² + width·teacherWidth', 3 * p.teacherWidth ** 2 + m * p.teacherWidth, { teacherWidth: p.teacherWidth, width: m }),
  ];
}

export const tahirReluTransferJob: JobType<typeof tahirReluParams> = {
  name: 'tahir-relu-transfer',
  version: 1,
  description:
    'Mean-field two-layer ReLU student, teacher of m* unit neurons, source = teacher minus a fraction μ of its neurons: pretrain on the source (population loss), linear transfer (ridge refit of the output layer) and training from scratch on n target samples; exact population risks and out-of-span norms via the arc-cosine kernel.',
  schema: tahirReluParams,
  estimateBytes: tahirReluTerms,
  run: runTahirRelu,
  metricNames(p: TahirReluParams): string[] {
    const perMu = ['mu', 'kept', 'sourceNorm2', 'oosTeacher', 'oosStudent', 'sourceRisk', 'relativeSourceRisk', 'zeroShotRisk', 'aligned', 'converged', 'iterations', 'stop'];
    const perScratch = ['n', 'risk', 'relativeTrainMse', 'converged', 'iterations', 'stop'];
    return [
      'teacher.norm2',
      ...p.mus.flatMap((_, k) => [...perMu.map((m) => `pre.${k}.${m}`), ...p.ns.flatMap((_, j) => [`lt.${k}.${j}.n`, `lt.${k}.${j}.risk`])]),
      ...(p.scratch ? p.ns.flatMap((_, j) => perScratch.map((m) => `sc.${j}.${m}`)) : []),
    ];
  },
};
