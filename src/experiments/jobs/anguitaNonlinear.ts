/**
 * Job "anguita-nonlinear": one seed of the nonlinear check of Anguita et al. (2026), digest
 * `anguita-pretraining-inductive-bias.md` §9 — do the diagonal theory's initialisation knobs (c_PT, λ_PT,
 * γ_FT) shape fine-tuning the same way in a real image network? The paper uses CIFAR-100 ResNets following
 * Lippl & Lindsey (2024); ftlab uses the same protocol on Fashion-MNIST (tasks/fashionMnist.ts) with a ReLU
 * MLP (models/mlp.ts; why an MLP: its first comment), at a scale two CPU cores run.
 *
 * stage 'fine-tune':
 *  1. Data split (per seed): each class's 6000 training images are permuted by the seed; the first
 *     `pretrain.perClass` images of every class not in `heldOut` form the pretraining set, the rest of each
 *     class (all of a held-out class) the fine-tuning pool, so fine-tuning samples are always fresh images.
 *  2. Pretraining: the MLP [d, hidden × depth, K] (K = 10 − |heldOut| classes) from the knob initialisation —
 *     c_PT × every weight of the default He/LeCun init, κ × the early half and 1/κ × the late half of the
 *     weight matrices (function-preserving: κ only moves scale between early and late layers, the λ_PT
 *     analogue; κ < 1 = small earlier layers) — trained with softmax cross-entropy by mini-batch SGD with
 *     momentum for a fixed number of epochs (training/mlp.ts). Cached per worker process, keyed by everything
 *     that determines it (c_PT, κ, seed, architecture, pretraining settings, held-out classes, data folder), so
 *     the jobs of one (c_PT, κ, seed) at different n, γ_FT and tasks pretrain once per worker.
 *  3. Re-initialisation: the K-class readout is replaced by one logit with weights N(0, γ_FT²/fan_in) (γ_FT = 1
 *     is the default LeCun readout), bias 0; every other layer is kept.
 *  4. Fine-tuning: all layers, on n balanced samples (n/2 from the pooled images of the `positive` classes,
 *     n/2 from the `negative` ones; drawn from the seed, task and n alone — common random numbers, so every
 *     knob setting and the scratch baseline of a seed see the same images), logistic loss, full-batch GD with
 *     backtracking until the training loss is below `fineTune.tol` (the template's 1e-2) or the step budget.
 *  5. Test: the first `testPerClass` t10k images of each task class (balanced), accuracy of sign(f).
 * stage 'scratch': the baseline — the same architecture with one logit, initialised by the knobs (c, κ; the
 * default 1, 1 is the issue's baseline) and no pretraining, trained and tested exactly as in 4–5.
 *
 * Metrics (all finite): `testAccuracy`, `testLoss`, `trainLoss`, `trainAccuracy`, `converged` (1 if the
 * training loss reached the tolerance), `iterations` (loss-and-gradient evaluations), `stop` (0 tolerance,
 * 2 budget, 3 diverged, 4 step collapse), `lr` (final step), `change.early` / `change.late` (relative change
 * ‖W − W₀‖/‖W₀‖ of the early / late hidden weight matrices during fine-tuning: small = lazy),
 * `readoutNorm` (final), `testSize`; stage 'fine-tune' adds `pre.testAccuracy` (K-way accuracy on the t10k
 * images of the pretraining classes), `pre.trainAccuracy`, `pre.trainLoss` (exact, on the pretraining set),
 * `pre.epochs`, `pre.clipped`.
 *
 * Purity: the output depends only on the parameters, the seed and the dataset files (the standard
 * Fashion-MNIST release; `dataDir`, else $FTLAB_FASHION_MNIST_DIR, else the Debian package's folder).
 */
import { z } from 'zod';
import { intIn, numAbove, numIn } from '../../validation.js';
import { createRng } from '../../numeric/rng.js';
import type { Mat } from '../../numeric/matrix.js';
import { type FashionMnistData, fashionMnistFingerprint, imageRows, indicesByClass, loadFashionMnist, pooledDimension, resolveFashionMnistDir } from '../../tasks/fashionMnist.js';

/** Throws unless the files in `dir` are the ones the job's `dataFingerprint` names (when it names any). */
function checkFingerprint(p: { dataFingerprint?: string }, dir: string): void {
  if (p.dataFingerprint === undefined) return;
  const actual = fashionMnistFingerprint(dir);
  if (actual !== p.dataFingerprint) {
    throw new RangeError(`dataFingerprint: the Fashion-MNIST files in ${dir} have fingerprint ${actual}, not ${p.dataFingerprint} (the job was made for other files)`);
  }
}
import { type Mlp, evaluateMlp, initMlp, layerRole, outputsOf, replaceReadout, weightNorm } from '../../models/mlp.js';
import { FULL_BATCH_STOP_CODES, trainFullBatch, trainSgd } from '../../training/mlp.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, type MemoryTerm } from '../memory.js';

/** Task A of the figure: Ankle boot (positive) vs Sandal, both held out of pretraining. */
export const TASK_A = { positive: [9], negative: [5] } as const;
/** Task B: tops {T-shirt/top, Pullover, Coat, Shirt} vs {Trouser, Dress, Sneaker, Bag}, all pretrained. */
export const TASK_B = { positive: [0, 2, 4, 6], negative: [1, 3, 7, 8] } as const;
export const DEFAULT_HELD_OUT = [5, 9] as const;

const classList = () => z.array(intIn(0, 9)).min(1).max(9);

export const anguitaNonlinearParams = z
  .object({
    stage: z.enum(['fine-tune', 'scratch']).default('fine-tune'),
    /** Fine-tuning training samples n (even: n/2 per side). */
    n: intIn(2, 20_000),
    /** Classes of the binary task: label 1 and label 0. */
    positive: classList().default([...TASK_A.positive]),
    negative: classList().default([...TASK_A.negative]),
    /** Classes left out of pretraining (their images are never pretrained on). */
    heldOut: z.array(intIn(0, 9)).min(0).max(8).default([...DEFAULT_HELD_OUT]),
    /** Hidden width and number of hidden layers. */
    hidden: intIn(2, 1024).default(128),
    depth: intIn(1, 6).default(3),
    /** Input average pooling: 1 (28 × 28), 2 (14 × 14) or 4 (7 × 7). */
    pool: intIn(1, 4).default(1),
    /** Absolute initialisation scale c_PT (every weight × c). */
    cPT: numAbove(0, 100).default(1),
    /** Layer balance κ: early weights × κ, late × 1/κ (κ < 1: small earlier layers, the λ_PT < 0 analogue). */
    kappa: numAbove(0, 100).default(1),
    /** Readout re-initialisation scale γ_FT: new readout N(0, γ²/fan_in). */
    gammaFT: numIn(0, 1000).default(1),
    /**
     * Centre the fine-tuned (or scratch) model: train and test f(x) − f_start(x), so it starts at the zero
     * function like the diagonal network after re-initialisation (β_FT(0) = 0, digest §2.2).
     */
    centered: z.boolean().default(false),
    pretrain: z
      .object({
        /** Pretraining images per pretrained class. */
        perClass: intIn(1, 6000).default(1000),
        epochs: intIn(1, 1000).default(10),
        batchSize: intIn(1, 4096).default(64),
        lr: numAbove(0, 10).default(0.02),
        momentum: numIn(0, 0.999).default(0.9),
        /** Global gradient-norm clipping (0: none). */
        clipNorm: numIn(0, 1e6).default(0),
      })
      .strict()
      .prefault({}),
    fineTune: z
      .object({
        /** Initial step of the backtracking full-batch GD. */
        lr: numAbove(0, 100).default(0.1),
        lrGrowth: numIn(1, 10).default(1.2),
        lrMax: numAbove(0, 1e6).default(100),
        /** Stop at training loss below tol. */
        tol: numAbove(0, 1).default(1e-2),
        /** Budget of loss-and-gradient evaluations. */
        maxSteps: intIn(1, 1_000_000).default(3000),
      })
      .strict()
      .prefault({}),
    /** Test images per task class (the first ones of t10k). */
    testPerClass: intIn(1, 10_000).default(1000),
    /** Folder of the Fashion-MNIST files (default: $FTLAB_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist). */
    dataDir: z.string().min(1).max(4096).optional(),
    /**
     * `fashionMnistFingerprint` of the files the job is meant for (the figure sets it): part of the job's identity, so
     * results from other files are never reused, and checked against the files actually read.
     */
    dataFingerprint: z.string().regex(/^[0-9a-f]{16}$/, { error: 'expected 16 hex digits (fashionMnistFingerprint)' }).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.n % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['n'], message: 'expected an even number (n/2 samples per side of the binary task)' });
    const dup = (xs: number[]) => xs.some((v, i) => xs.indexOf(v) !== i);
    if (dup(p.positive)) ctx.addIssue({ code: 'custom', path: ['positive'], message: 'expected distinct classes' });
    if (dup(p.negative)) ctx.addIssue({ code: 'custom', path: ['negative'], message: 'expected distinct classes' });
    if (dup(p.heldOut)) ctx.addIssue({ code: 'custom', path: ['heldOut'], message: 'expected distinct classes' });
    const both = p.positive.filter((c) => p.negative.includes(c));
    if (both.length > 0) ctx.addIssue({ code: 'custom', path: ['negative'], message: `expected no class on both sides of the task (${both.join(', ')} also in positive)` });
    if (![1, 2, 4].includes(p.pool)) ctx.addIssue({ code: 'custom', path: ['pool'], message: 'expected 1, 2 or 4 (a divisor of 28 in that list)' });
    if (p.fineTune.lrMax < p.fineTune.lr) ctx.addIssue({ code: 'custom', path: ['fineTune', 'lrMax'], message: `expected a number ≥ fineTune.lr = ${p.fineTune.lr}` });
    if (p.stage === 'scratch' && p.gammaFT !== 1) ctx.addIssue({ code: 'custom', path: ['gammaFT'], message: `expected 1 (unused) with stage "scratch": the baseline's readout is part of its (c, κ) initialisation` });
    if (p.stage === 'fine-tune' && 10 - p.heldOut.length < 2) ctx.addIssue({ code: 'custom', path: ['heldOut'], message: 'expected at least two pretraining classes' });
  });

export type AnguitaNonlinearParams = z.output<typeof anguitaNonlinearParams>;

/** The classes pretrained on: all but the held-out ones, in label order. */
export const pretrainClasses = (p: Pick<AnguitaNonlinearParams, 'heldOut'>): number[] => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => !p.heldOut.includes(c));

interface Split {
  /** Pretraining images per class (empty for held-out classes), and the fine-tuning pool per class. */
  pretrain: Int32Array[];
  pool: Int32Array[];
}

/** The per-seed split of each class's training images into pretraining images and the fine-tuning pool. */
export function splitTrainingImages(train: FashionMnistData, p: Pick<AnguitaNonlinearParams, 'heldOut' | 'pretrain'>, seed: number): Split {
  const byClass = indicesByClass(train.labels);
  const pretrain: Int32Array[] = [];
  const pool: Int32Array[] = [];
  byClass.forEach((indices, c) => {
    const perm = createRng(seed, 'fmnist/split', c).permutation(indices.length);
    const shuffled = Int32Array.from(perm, (i) => indices[i]);
    const take = p.heldOut.includes(c) ? 0 : Math.min(p.pretrain.perClass, shuffled.length);
    pretrain.push(shuffled.subarray(0, take));
    pool.push(shuffled.subarray(take));
  });
  return { pretrain, pool };
}

export interface Pretrained {
  net: Mlp;
  metrics: Record<string, number>;
}

const pretrainedCache = new Map<string, Pretrained>();
const testCache = new Map<string, { x: Mat; y: Uint8Array }>();

const sizesOf = (p: AnguitaNonlinearParams, outputs: number): number[] => [pooledDimension(p.pool), ...new Array<number>(p.depth).fill(p.hidden), outputs];

function remember<V>(cache: Map<string, V>, key: string, value: V, capacity: number): V {
  if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/** The pretrained network of (c_PT, κ, seed, architecture, pretraining settings, held-out classes, data), cached per process. */
export function pretrainFor(p: AnguitaNonlinearParams, seed: number): Pretrained {
  const dir = resolveFashionMnistDir(p.dataDir);
  const key = JSON.stringify({ dir, seed, c: p.cPT, k: p.kappa, h: p.hidden, L: p.depth, pool: p.pool, held: p.heldOut, pre: p.pretrain });
  const hit = pretrainedCache.get(key);
  if (hit) return hit;
  const train = loadFashionMnist('train', dir);
  const test = loadFashionMnist('test', dir);
  const classes = pretrainClasses(p);
  const split = splitTrainingImages(train, p, seed);
  const indices: number[] = [];
  const targets: number[] = [];
  classes.forEach((c, t) => {
    for (const i of split.pretrain[c]) {
      indices.push(i);
      targets.push(t);
    }
  });
  if (indices.length === 0) throw new RangeError(`pretrain.perClass: the data folder ${dir} has no training images of the pretraining classes`);
  const x = imageRows(train, indices, { pool: p.pool });
  const y = Int32Array.from(targets);
  const net = initMlp(sizesOf(p, classes.length), createRng(seed, 'init', 0), { scale: p.cPT, kappa: p.kappa });
  const run = trainSgd(net, x, y, 'softmax', p.pretrain, createRng(seed, 'fmnist/pretrain-shuffle'));
  if (run.diverged) {
    throw new Error(`pretraining diverged (non-finite loss after ${run.epochs} epochs) at cPT = ${p.cPT}, kappa = ${p.kappa}, pretrain.lr = ${p.pretrain.lr}: lower pretrain.lr or set pretrain.clipNorm`);
  }
  const onTrain = evaluateMlp(net, x, y, 'softmax');
  const testByClass = indicesByClass(test.labels);
  const tIdx: number[] = [];
  const tT: number[] = [];
  classes.forEach((c, t) => {
    for (const i of testByClass[c]) {
      tIdx.push(i);
      tT.push(t);
    }
  });
  const onTest = tIdx.length > 0 ? evaluateMlp(net, imageRows(test, tIdx, { pool: p.pool }), Int32Array.from(tT), 'softmax') : { loss: 0, accuracy: 0 };
  const metrics: Record<string, number> = {
    'pre.testAccuracy': onTest.accuracy,
    'pre.trainAccuracy': onTrain.accuracy,
    'pre.trainLoss': onTrain.loss,
    'pre.epochs': run.epochs,
    'pre.clipped': run.clipped,
  };
  return remember(pretrainedCache, key, { net, metrics }, 6);
}

/** The task's test images: the first testPerClass t10k images of each task class, labels 1 (positive) / 0. */
function taskTestSet(p: AnguitaNonlinearParams, dir: string): { x: Mat; y: Uint8Array } {
  const key = JSON.stringify({ dir, pos: p.positive, neg: p.negative, per: p.testPerClass, pool: p.pool });
  const hit = testCache.get(key);
  if (hit) return hit;
  const test = loadFashionMnist('test', dir);
  const byClass = indicesByClass(test.labels);
  const idx: number[] = [];
  const y: number[] = [];
  for (const [classes, label] of [[p.positive, 1], [p.negative, 0]] as const) {
    for (const c of classes) {
      const take = byClass[c].subarray(0, Math.min(p.testPerClass, byClass[c].length));
      if (take.length === 0) throw new RangeError(`positive/negative: class ${c} has no test images in ${dir}`);
      for (const i of take) {
        idx.push(i);
        y.push(label);
      }
    }
  }
  return remember(testCache, key, { x: imageRows(test, idx, { pool: p.pool }), y: Uint8Array.from(y) }, 2);
}

/** n/2 images from each side's pooled fine-tuning images, drawn by (seed, task, n) alone. */
export function drawFineTuneSamples(p: AnguitaNonlinearParams, split: Split, seed: number): { indices: Int32Array; labels: Uint8Array } {
  const half = p.n / 2;
  const indices = new Int32Array(p.n);
  const labels = new Uint8Array(p.n);
  let o = 0;
  for (const [classes, label, name] of [[p.positive, 1, 'positive'], [p.negative, 0, 'negative']] as const) {
    const pooled: number[] = [];
    for (const c of classes) for (const i of split.pool[c]) pooled.push(i);
    if (pooled.length < half) {
      throw new RangeError(`n: expected n/2 ≤ ${pooled.length}, the fine-tuning images of the ${name} classes [${classes.join(', ')}] left after pretraining (got n = ${p.n})`);
    }
    const rng = createRng(seed, `fmnist/fine-tune/${p.positive.join('.')}-${p.negative.join('.')}/${p.n}`, label);
    // Partial Fisher–Yates: the first `half` entries are a uniform sample without replacement.
    for (let i = 0; i < half; i++) {
      const j = i + rng.int(pooled.length - i);
      const t = pooled[i];
      pooled[i] = pooled[j];
      pooled[j] = t;
      indices[o] = pooled[i];
      labels[o] = label;
      o++;
    }
  }
  return { indices, labels };
}

/** ‖W − W₀‖/‖W₀‖ over the hidden weight matrices of one balance role (the readout excluded). */
function roleChange(after: Mlp, before: Mlp, role: 'early' | 'late'): number {
  const layers = after.sizes.length - 1;
  let num = 0;
  let den = 0;
  for (let l = 0; l + 1 < layers; l++) {
    if (layerRole(l, layers) !== role) continue;
    const a = after.weights[l];
    const b = before.weights[l];
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : 0;
}

export function runAnguitaNonlinear(p: AnguitaNonlinearParams, seed: number): JobOutput {
  const dir = resolveFashionMnistDir(p.dataDir);
  checkFingerprint(p, dir);
  const train = loadFashionMnist('train', dir);
  const metrics: Record<string, number> = {};
  let start: Mlp;
  if (p.stage === 'fine-tune') {
    const pre = pretrainFor(p, seed);
    Object.assign(metrics, pre.metrics);
    start = replaceReadout(pre.net, 1, p.gammaFT, createRng(seed, 'init', 1));
  } else {
    start = initMlp(sizesOf(p, 1), createRng(seed, 'init', 2), { scale: p.cPT, kappa: p.kappa });
  }
  const split = splitTrainingImages(train, p, seed);
  const sample = drawFineTuneSamples(p, split, seed);
  const x = imageRows(train, sample.indices, { pool: p.pool });
  const trainOffset = p.centered ? outputsOf(start, x) : undefined;
  const run = trainFullBatch(start, x, sample.labels, 'logistic', { ...p.fineTune, offset: trainOffset });
  if (!Number.isFinite(run.loss)) throw new Error(`fine-tuning diverged (non-finite training loss) at n = ${p.n}, gammaFT = ${p.gammaFT}`);
  const onTrain = evaluateMlp(run.net, x, sample.labels, 'logistic', 512, trainOffset);
  const testSet = taskTestSet(p, dir);
  const onTest = evaluateMlp(run.net, testSet.x, testSet.y, 'logistic', 512, p.centered ? outputsOf(start, testSet.x) : undefined);
  const layers = run.net.sizes.length - 1;
  Object.assign(metrics, {
    testAccuracy: onTest.accuracy,
    testLoss: onTest.loss,
    testSize: testSet.x.rows,
    trainLoss: run.loss,
    trainAccuracy: onTrain.accuracy,
    converged: run.converged ? 1 : 0,
    iterations: run.steps,
    stop: FULL_BATCH_STOP_CODES[run.stop],
    lr: run.lr,
    'change.early': roleChange(run.net, start, 'early'),
    'change.late': roleChange(run.net, start, 'late'),
    readoutNorm: weightNorm(run.net, layers - 1),
  });
  return { metrics, status: { converged: run.converged, iterations: run.steps, residual: run.loss } };
}

/** Fashion-MNIST's train and test images as bytes (60,000 + 10,000 of 28 × 28). */
const FASHION_MNIST_BYTES = 70_000 * 28 * 28;

/**
 * The data set in memory, the (pooled) pretraining images and their test images, the fine-tuning images with the
 * full-batch activations and deltas of every layer, the task's test images, and the network with its training state.
 */
function anguitaNonlinearTerms(p: AnguitaNonlinearParams): MemoryTerm[] {
  const pixels = pooledDimension(p.pool);
  const sizes = sizesOf(p, 10);
  let weights = 0;
  for (let l = 1; l < sizes.length; l++) weights += sizes[l - 1] * sizes[l] + sizes[l];
  const pretrainClasses = p.stage === 'fine-tune' ? 10 - p.heldOut.length : 0;
  const taskClasses = p.positive.length + p.negative.length;
  return [
    { name: 'the Fashion-MNIST images', shape: '70000·784 bytes', bytes: FASHION_MNIST_BYTES, fields: {} },
    float64Term('the pretraining images', 'pretrain.perClass·classes·pixels', p.pretrain.perClass * pretrainClasses * pixels, { 'pretrain.perClass': p.pretrain.perClass, pool: p.pool }),
    float64Term("the pretraining classes' test images", '1000·classes·pixels', 1000 * pretrainClasses * pixels, { pool: p.pool }),
    float64Term('the fine-tuning images', 'n·pixels', p.n * pixels, { n: p.n, pool: p.pool }),
    float64Term('the full-batch activations and deltas', '2·n·depth·hidden', 2 * p.n * p.depth * p.hidden, { n: p.n, depth: p.depth, hidden: p.hidden }),
    float64Term('the test images', 'testPerClass·classes·pixels', Math.min(p.testPerClass, 1000) * taskClasses * pixels, { testPerClass: p.testPerClass, pool: p.pool }),
    float64Term('the network and its training state', '4·(pixels·hidden + (depth−1)·hidden² + 10·hidden)', 4 * weights, { hidden: p.hidden, depth: p.depth, pool: p.pool }),
  ];
}

export const anguitaNonlinearJob: JobType<typeof anguitaNonlinearParams> = {
  name: 'anguita-nonlinear',
  version: 2,
  description:
    'Nonlinear check of Anguita et al. (2026) on Fashion-MNIST: a ReLU MLP pretrained (SGD, softmax) on the non-held-out classes from the (c_PT, κ) initialisation, readout re-initialised at γ_FT, fine-tuned (full-batch GD, logistic loss) on n balanced samples of a binary task; or the same network trained from scratch. Metric testAccuracy',
  schema: anguitaNonlinearParams,
  estimateBytes: anguitaNonlinearTerms,
  run: runAnguitaNonlinear,
  metricNames(p: AnguitaNonlinearParams): string[] {
    const pre = p.stage === 'fine-tune' ? ['pre.testAccuracy', 'pre.trainAccuracy', 'pre.trainLoss', 'pre.epochs', 'pre.clipped'] : [];
    return [...pre, 'testAccuracy', 'testLoss', 'testSize', 'trainLoss', 'trainAccuracy', 'converged', 'iterations', 'stop', 'lr', 'change.early', 'change.late', 'readoutNorm'];
  },
};
