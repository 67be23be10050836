/**
 * The nonlinear check of Anguita et al. (digest §9): the Fashion-MNIST IDX loader (on the committed mini
 * fixture, and its errors for corrupted and missing files), the hand-written MLP (backprop against finite
 * differences, training that fits), the initialisation knobs applied exactly (c_PT, κ, 1/κ, γ_FT), the
 * `anguita-nonlinear` job (validation naming the field, determinism, an end-to-end run on the fixture), the
 * figure preset's statistics, and — when the Debian package is installed — a quick check on the real data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { createRng } from '../src/numeric/rng.js';
import { summarize } from '../src/numeric/stats.js';
import type { Mat } from '../src/numeric/matrix.js';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_ENV,
  fashionMnistAvailable,
  fashionMnistFingerprint,
  imageRows,
  indicesByClass,
  loadFashionMnist,
  parseIdxImages,
  resolveFashionMnistDir,
} from '../src/tasks/fashionMnist.js';
import {
  type Mlp,
  type MlpLoss,
  balanceFactor,
  createMlp,
  defaultInitStd,
  evaluateMlp,
  forward,
  initMlp,
  lossAndGradient,
  mlpWorkspace,
  outputsOf,
  replaceReadout,
} from '../src/models/mlp.js';
import { trainFullBatch, trainSgd } from '../src/training/mlp.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';
import { anguitaNonlinearParams, drawFineTuneSamples, runAnguitaNonlinear, splitTrainingImages, TASK_B } from '../src/experiments/jobs/anguitaNonlinear.js';
import { anguitaNonlinear, pairedDifference, settings, TASKS, verdict } from '../src/experiments/presets/anguitaNonlinear.js';
import type { StoredRun } from '../src/store/store.js';
import { resolvePresetParams } from '../src/experiments/presets/types.js';

const FIXTURE = resolve(__dirname, 'fixtures/fashion-mnist-mini');
const REAL = '/usr/share/datasets/fashion-mnist';
const savedEnv = process.env[FASHION_MNIST_ENV];
afterEach(() => {
  if (savedEnv === undefined) delete process.env[FASHION_MNIST_ENV];
  else process.env[FASHION_MNIST_ENV] = savedEnv;
});

function tempCopyOfFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftlab-fmnist-'));
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(FIXTURE, f), join(dir, f));
  return dir;
}

describe('Fashion-MNIST IDX loader', () => {
  it('reads the mini fixture: shapes, labels, class balance, pixel range and pooling', () => {
    const train = loadFashionMnist('train', FIXTURE);
    const test = loadFashionMnist('test', FIXTURE);
    expect([train.count, train.rows, train.cols, train.pixels.length]).toEqual([60, 28, 28, 60 * 784]);
    expect([test.count, test.pixels.length, test.labels.length]).toEqual([30, 30 * 784, 30]);
    expect(indicesByClass(train.labels).map((c) => c.length)).toEqual(new Array(10).fill(6));
    expect(indicesByClass(test.labels).map((c) => c.length)).toEqual(new Array(10).fill(3));
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
    const x = imageRows(train, [0, 1, 2]);
    expect([x.rows, x.cols]).toEqual([3, 784]);
    expect(Math.min(...x.data)).toBe(0);
    expect(Math.max(...x.data)).toBeLessThanOrEqual(1);
    expect(Math.max(...x.data)).toBeGreaterThan(0.9);
    for (let j = 0; j < 784; j++) expect(x.data[j]).toBeCloseTo(train.pixels[j] / 255, 15);
    // 2 × 2 average pooling keeps the mean brightness.
    const pooled = imageRows(train, [0], { pool: 2 });
    expect(pooled.cols).toBe(196);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(pooled.data)).toBeCloseTo(mean(x.data.subarray(0, 784)), 12);
    const std = imageRows(train, [0], { scaling: 'standard' });
    expect(std.data[0]).toBeCloseTo((train.pixels[0] / 255 - 0.286) / 0.353, 12);
    expect(() => imageRows(train, [60])).toThrow(/indices\[0\]: expected an image index in \[0, 59\]/);
    expect(() => imageRows(train, [0], { pool: 3 })).toThrow(/pool: expected 1, 2 or 4/);
  });

  it('resolves the folder from the argument, then FTLAB_FASHION_MNIST_DIR, then the Debian default', () => {
    delete process.env[FASHION_MNIST_ENV];
    expect(resolveFashionMnistDir()).toBe(REAL);
    process.env[FASHION_MNIST_ENV] = FIXTURE;
    expect(resolveFashionMnistDir()).toBe(FIXTURE);
    expect(loadFashionMnist('test').count).toBe(30);
    expect(resolveFashionMnistDir('/somewhere/else')).toBe('/somewhere/else');
    expect(fashionMnistAvailable(FIXTURE)).toBe(true);
  });

  it('names the Debian package and the folder when files are missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ftlab-fmnist-empty-'));
    expect(fashionMnistAvailable(empty)).toBe(false);
    let message = '';
    try {
      loadFashionMnist('train', empty);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('apt-get install dataset-fashion-mnist');
    expect(message).toContain(empty);
    expect(message).toContain('FTLAB_FASHION_MNIST_DIR');
  });

  it('rejects corrupted files naming the file and the field', () => {
    const dir = tempCopyOfFixture();
    const images = join(dir, 't10k-images-idx3-ubyte.gz');
    const raw = gunzipSync(readFileSync(images));
    // Wrong magic number.
    const badMagic = Buffer.from(raw);
    badMagic[3] = 0x01;
    writeFileSync(images, gzipSync(badMagic));
    expect(() => loadFashionMnist('test', dir)).toThrow(/t10k-images-idx3-ubyte\.gz: magic number: expected 0x00000803/);
    // Truncated payload.
    writeFileSync(images, gzipSync(raw.subarray(0, raw.length - 5)));
    expect(() => loadFashionMnist('test', dir)).toThrow(/length: expected 23536 bytes for 30 images of 28 × 28, got 23531/);
    // Not gzip at all.
    writeFileSync(images, Buffer.from('not a gzip file'));
    expect(() => loadFashionMnist('test', dir)).toThrow(/t10k-images-idx3-ubyte\.gz is not a valid gzip file/);
    // Wrong image size in the header.
    const badSize = Buffer.from(raw);
    badSize.writeUInt32BE(32, 8);
    expect(() => parseIdxImages(new Uint8Array(badSize), 'x.idx')).toThrow(/x\.idx: dimensions: expected 28 × 28 images, got 32 × 28/);
    // Label count that disagrees with the images, and a label outside 0…9.
    writeFileSync(images, gzipSync(raw));
    const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
    const lraw = gunzipSync(readFileSync(labels));
    const fewer = Buffer.from(lraw.subarray(0, lraw.length - 1));
    fewer.writeUInt32BE(29, 4);
    writeFileSync(labels, gzipSync(fewer));
    expect(() => loadFashionMnist('test', dir)).toThrow(/t10k-labels-idx1-ubyte\.gz: count: expected 30 labels/);
    const badLabel = Buffer.from(lraw);
    badLabel[8] = 12;
    writeFileSync(labels, gzipSync(badLabel));
    expect(() => loadFashionMnist('test', dir)).toThrow(/label 0: expected a class in 0…9, got 12/);
  });
});

/** A random input matrix with some exact zeros (the zero-skipping paths). */
function randomInputs(rows: number, cols: number, seed: number): Mat {
  const rng = createRng(seed, 'evaluation');
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform() < 0.3 ? 0 : rng.normal();
  return { rows, cols, data };
}

function lossAt(net: Mlp, x: Mat, targets: ArrayLike<number>, kind: MlpLoss, offset?: Float64Array): number {
  const ws = mlpWorkspace(net.sizes, x.rows);
  return lossAndGradient(net, x.data, x.rows, targets, kind, new Float64Array(net.params.length), ws, offset);
}

describe('MLP backpropagation and training', () => {
  it('matches central finite differences on every parameter (float64, relative error < 1e-6)', () => {
    const cases: { sizes: number[]; kind: MlpLoss; targets: number[]; offset?: boolean }[] = [
      { sizes: [6, 7, 5, 3], kind: 'softmax', targets: [0, 2, 1, 2, 0, 1, 1, 0] },
      { sizes: [6, 5, 5, 4, 1], kind: 'logistic', targets: [1, 0, 0, 1, 1, 0, 1, 0] },
      { sizes: [6, 5, 1], kind: 'logistic', targets: [1, 0, 0, 1, 1, 0, 1, 0], offset: true },
    ];
    for (const c of cases) {
      const net = initMlp(c.sizes, createRng(3, 'init'), { scale: 1.3, kappa: 0.7 });
      // Non-zero biases, so their gradients are exercised away from the initial zeros.
      net.biases.forEach((b, l) => createRng(4, 'init', l).fillNormal(b, 0.3));
      const x = randomInputs(c.targets.length, c.sizes[0], 5);
      const offset = c.offset ? createRng(6, 'evaluation').fillNormal(new Float64Array(c.targets.length)) : undefined;
      const ws = mlpWorkspace(net.sizes, x.rows);
      const grad = new Float64Array(net.params.length);
      lossAndGradient(net, x.data, x.rows, c.targets, c.kind, grad, ws, offset);
      const h = 1e-6;
      let worst = 0;
      for (let i = 0; i < net.params.length; i++) {
        const keep = net.params[i];
        net.params[i] = keep + h;
        const up = lossAt(net, x, c.targets, c.kind, offset);
        net.params[i] = keep - h;
        const down = lossAt(net, x, c.targets, c.kind, offset);
        net.params[i] = keep;
        const fd = (up - down) / (2 * h);
        const err = Math.abs(fd - grad[i]) / Math.max(Math.abs(fd) + Math.abs(grad[i]), 1e-4);
        worst = Math.max(worst, err);
      }
      expect(worst, `${c.kind} ${JSON.stringify(c.sizes)}`).toBeLessThan(1e-6);
    }
  });

  it('a batch larger than the workspace and a logistic loss on several outputs are rejected', () => {
    const net = initMlp([4, 3, 1], createRng(0, 'init'));
    const ws = mlpWorkspace(net.sizes, 2);
    expect(() => forward(net, new Float64Array(12), 3, ws)).toThrow(/rows: expected at most the workspace capacity 2/);
    const multi = initMlp([4, 3, 2], createRng(0, 'init'));
    expect(() => trainFullBatch(multi, randomInputs(4, 4, 1), [0, 1, 0, 1], 'logistic')).toThrow(/logistic loss: expected a network with one output/);
    expect(() => trainSgd(net, randomInputs(4, 4, 1), [0, 1, 2, 1], 'logistic', { lr: 0.1, momentum: 0.9, batchSize: 2, epochs: 1 }, createRng(0, 'data'))).toThrow(/targets\[2\]: expected an integer in \[0, 1\]/);
  });

  it('SGD with momentum lowers the softmax loss; backtracking GD fits a small binary set to the tolerance', () => {
    const x = randomInputs(60, 10, 7);
    // Labels from a random teacher MLP, so the data are learnable.
    const teacher = initMlp([10, 16, 3], createRng(8, 'teacher'));
    const ws = mlpWorkspace(teacher.sizes, 60);
    const logits = forward(teacher, x.data, 60, ws);
    const y = Int32Array.from({ length: 60 }, (_, i) => [0, 1, 2].reduce((b, j) => (logits[i * 3 + j] > logits[i * 3 + b] ? j : b), 0));
    const net = initMlp([10, 32, 32, 3], createRng(9, 'init'));
    const before = evaluateMlp(net, x, y, 'softmax').loss;
    const run = trainSgd(net, x, y, 'softmax', { lr: 0.05, momentum: 0.9, batchSize: 16, epochs: 40 }, createRng(9, 'data'));
    const after = evaluateMlp(net, x, y, 'softmax');
    expect(run.diverged).toBe(false);
    expect(run.epochs).toBe(40);
    expect(after.loss).toBeLessThan(0.5 * before);
    expect(after.accuracy).toBeGreaterThan(0.9);

    const yb = Uint8Array.from(y, (v) => (v === 0 ? 1 : 0));
    const start = initMlp([10, 32, 32, 1], createRng(10, 'init'));
    const copy = Float64Array.from(start.params);
    const fit = trainFullBatch(start, x, yb, 'logistic', { tol: 1e-2, maxSteps: 5000 });
    expect(fit.converged).toBe(true);
    expect(fit.stop).toBe('tolerance');
    expect(fit.loss).toBeLessThan(1e-2);
    expect(evaluateMlp(fit.net, x, yb, 'logistic').accuracy).toBe(1);
    expect(start.params).toEqual(copy); // the start is not modified
    // Centred: the model f − f_start starts at the zero function (loss log 2) and still fits.
    const offset = outputsOf(start, x);
    expect(evaluateMlp(start, x, yb, 'logistic', 512, offset).loss).toBeCloseTo(Math.log(2), 12);
    const centred = trainFullBatch(start, x, yb, 'logistic', { tol: 1e-2, maxSteps: 5000, offset });
    expect(centred.converged).toBe(true);
  });
});

describe('initialisation knobs', () => {
  const sizes = [30, 20, 20, 20, 5];

  it('c_PT scales every weight, κ the early half and 1/κ the late half, exactly; the initial function does not depend on κ', () => {
    const base = initMlp(sizes, createRng(1, 'init'));
    const c = 0.25;
    const kappa = 4;
    const knob = initMlp(sizes, createRng(1, 'init'), { scale: c, kappa });
    expect([0, 1, 2, 3].map((l) => balanceFactor(l, 4, kappa))).toEqual([4, 4, 0.25, 0.25]);
    expect([0, 1, 2].map((l) => balanceFactor(l, 3, kappa))).toEqual([4, 1, 0.25]);
    for (let l = 0; l < 4; l++) {
      const factor = l < 2 ? c * kappa : c / kappa;
      knob.weights[l].forEach((w, i) => expect(w).toBeCloseTo(factor * base.weights[l][i], 14));
      expect(knob.biases[l].every((b) => b === 0)).toBe(true);
    }
    // Default stds: He before a ReLU, LeCun for the readout.
    expect(defaultInitStd(sizes, 0)).toBeCloseTo(Math.sqrt(2 / 30), 15);
    expect(defaultInitStd(sizes, 3)).toBeCloseTo(Math.sqrt(1 / 20), 15);
    // κ moves scale between layers only: with zero biases the network computes the same function.
    const x = randomInputs(7, 30, 2);
    const f1 = outputsOf(initMlp(sizes, createRng(1, 'init')), x);
    const f4 = outputsOf(initMlp(sizes, createRng(1, 'init'), { kappa: 4 }), x);
    const f025 = outputsOf(initMlp(sizes, createRng(1, 'init'), { kappa: 0.25 }), x);
    f1.forEach((v, i) => {
      expect(f4[i]).toBeCloseTo(v, 12);
      expect(f025[i]).toBeCloseTo(v, 12);
    });
    // c multiplies the output by c^L (positive homogeneity).
    const fc = outputsOf(initMlp(sizes, createRng(1, 'init'), { scale: 2 }), x);
    f1.forEach((v, i) => expect(fc[i]).toBeCloseTo(16 * v, 10));
    expect(() => initMlp(sizes, createRng(1, 'init'), { kappa: 0 })).toThrow(/kappa: expected a finite number > 0/);
    expect(() => initMlp(sizes, createRng(1, 'init'), { scale: -1 })).toThrow(/scale: expected a finite number > 0/);
  });

  it('the re-initialised readout has std γ_FT/√fan_in (within 4 s.e.) and keeps every hidden layer', () => {
    const pre = initMlp([10, 16, 400, 8], createRng(2, 'init'));
    for (const gamma of [0.01, 1, 10]) {
      // 400 × 200 readout weights: the sample std has s.e. ≈ σ/√(2N).
      const net = replaceReadout(pre, 200, gamma, createRng(3, 'init', 1));
      expect(net.sizes).toEqual([10, 16, 400, 200]);
      const w = net.weights[2];
      const s = summarize(w);
      const sigma = gamma / Math.sqrt(400);
      expect(Math.abs(s.sd - sigma)).toBeLessThan((4 * sigma) / Math.sqrt(2 * w.length));
      expect(Math.abs(s.mean)).toBeLessThan((4 * sigma) / Math.sqrt(w.length));
      expect(net.biases[2].every((b) => b === 0)).toBe(true);
      expect(net.weights[0]).toEqual(pre.weights[0]);
      expect(net.weights[1]).toEqual(pre.weights[1]);
      expect(net.biases[1]).toEqual(pre.biases[1]);
    }
    // Same stream: the readouts at different γ are one direction scaled.
    const a = replaceReadout(pre, 1, 0.01, createRng(3, 'init', 1)).weights[2];
    const b = replaceReadout(pre, 1, 10, createRng(3, 'init', 1)).weights[2];
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(1000 * v, 12));
    expect(() => replaceReadout(pre, 1, -1, createRng(0, 'init'))).toThrow(/gammaFT: expected a finite number ≥ 0/);
    expect(() => createMlp([3, 2], new Float64Array(5))).toThrow(/params: expected 8 entries/);
  });
});

/** A job small enough for the fixture: 3 pretraining images per class, a tiny network. */
const tiny = { n: 4, hidden: 8, depth: 2, pool: 4, testPerClass: 3, pretrain: { perClass: 3, epochs: 3, batchSize: 8 }, fineTune: { maxSteps: 300 }, dataDir: FIXTURE };

describe('anguita-nonlinear job', () => {
  const job = (params: Record<string, unknown>, seed = 0) => makeJob({ type: 'anguita-nonlinear', params, seed });

  it('rejects invalid parameters naming the field and the allowed range', () => {
    expect(() => job({ ...tiny, n: 5 })).toThrow(/n: expected an even number/);
    expect(() => job({ ...tiny, n: 0 })).toThrow(/n: expected an integer in \[2, 20000\]/);
    expect(() => job({ ...tiny, cPT: 0 })).toThrow(/cPT: expected a number in \(0, 100\]/);
    expect(() => job({ ...tiny, kappa: -1 })).toThrow(/kappa: expected a number in \(0, 100\]/);
    expect(() => job({ ...tiny, gammaFT: -0.5 })).toThrow(/gammaFT: expected a number in \[0, 1000\]/);
    expect(() => job({ ...tiny, pool: 3 })).toThrow(/pool: expected 1, 2 or 4/);
    expect(() => job({ ...tiny, positive: [5], negative: [5, 9] })).toThrow(/negative: expected no class on both sides/);
    expect(() => job({ ...tiny, positive: [12] })).toThrow(/positive\.0: expected an integer in \[0, 9\]/);
    expect(() => job({ ...tiny, pretrain: { perClass: 0 } })).toThrow(/pretrain\.perClass: expected an integer in \[1, 6000\]/);
    expect(() => job({ ...tiny, fineTune: { lr: 2, lrMax: 1 } })).toThrow(/fineTune\.lrMax: expected a number ≥ fineTune\.lr/);
    expect(() => job({ ...tiny, stage: 'scratch', gammaFT: 10 })).toThrow(/gammaFT: expected 1 \(unused\) with stage "scratch"/);
    expect(() => job({ ...tiny, widht: 3 })).toThrow(/unknown field\(s\) "widht"/);
    // Too many samples for the fixture's fine-tuning pool: a RangeError naming n at run time.
    const big = anguitaNonlinearParams.parse({ ...tiny, n: 14 });
    expect(() => runAnguitaNonlinear(big, 0)).toThrow(/n: expected n\/2 ≤ 6/);
  });

  it('runs end to end on the fixture: finite metrics, deterministic per seed, scratch baseline, missing data named', () => {
    const spec = job({ ...tiny, gammaFT: 0.5 }, 1);
    const a = executeJob(spec);
    const b = executeJob(spec);
    if (!a.ok || !b.ok) throw new Error(a.ok ? (b as { error: string }).error : a.error);
    expect(a.output.metrics).toEqual(b.output.metrics);
    const m = a.output.metrics;
    for (const key of ['testAccuracy', 'trainLoss', 'converged', 'iterations', 'pre.testAccuracy', 'pre.trainLoss', 'change.early', 'change.late']) expect(Number.isFinite(m[key]), key).toBe(true);
    expect(m.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(m.testAccuracy).toBeLessThanOrEqual(1);
    expect(m.testSize).toBe(6);
    expect(m['pre.epochs']).toBe(3);
    expect([0, 1]).toContain(m.converged);
    // Another seed draws other images and weights.
    const other = executeJob(job({ ...tiny, gammaFT: 0.5 }, 2));
    if (!other.ok) throw new Error(other.error);
    expect(other.output.metrics).not.toEqual(m);
    // Task B (pretrained classes), centred, and the scratch baseline.
    const taskB = executeJob(job({ ...tiny, n: 8, positive: [...TASK_B.positive], negative: [...TASK_B.negative], centered: true }, 1));
    if (!taskB.ok) throw new Error(taskB.error);
    expect(taskB.output.metrics.testSize).toBe(24);
    const scratch = executeJob(job({ ...tiny, stage: 'scratch' }, 1));
    if (!scratch.ok) throw new Error(scratch.error);
    expect(scratch.output.metrics['pre.testAccuracy']).toBeUndefined();
    expect(Number.isFinite(scratch.output.metrics.testAccuracy)).toBe(true);
    // The files' fingerprint is part of the job's identity and is checked against the files read.
    const fp = fashionMnistFingerprint(FIXTURE);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    const pinned = executeJob(job({ ...tiny, gammaFT: 0.5, dataFingerprint: fp }, 1));
    if (!pinned.ok) throw new Error(pinned.error);
    expect(pinned.output.metrics).toEqual(m);
    expect(makeJob(job({ ...tiny, dataFingerprint: fp })).hash).not.toBe(makeJob(job({ ...tiny, dataFingerprint: '0123456789abcdef' })).hash);
    const altered = tempCopyOfFixture();
    const labels = gunzipSync(readFileSync(join(altered, 't10k-labels-idx1-ubyte.gz')));
    labels[labels.length - 1] = (labels[labels.length - 1] + 1) % 10;
    writeFileSync(join(altered, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
    const stale = executeJob(job({ ...tiny, dataDir: altered, dataFingerprint: fp }, 1));
    expect(stale.ok).toBe(false);
    expect(!stale.ok && stale.error).toMatch(/dataFingerprint: the Fashion-MNIST files in .* have fingerprint [0-9a-f]{16}, not [0-9a-f]{16}/);
    const missing = executeJob(job({ ...tiny, dataDir: '/nonexistent/fmnist' }));
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error).toContain('apt-get install dataset-fashion-mnist');
    expect(!missing.ok && missing.error).toContain('looked in /nonexistent/fmnist');
  });

  it('the same fine-tuning images for every knob setting and the baseline of a seed (common random numbers)', () => {
    const train = loadFashionMnist('train', FIXTURE);
    const p = (s: Record<string, unknown>) => anguitaNonlinearParams.parse({ ...tiny, ...s });
    const draw = (s: Record<string, unknown>, seed: number) => drawFineTuneSamples(p(s), splitTrainingImages(train, p(s), seed), seed);
    const ref = draw({}, 3);
    for (const s of [{ kappa: 0.5 }, { cPT: 2 }, { gammaFT: 3 }, { centered: true }, { stage: 'scratch' }]) expect(draw(s, 3)).toEqual(ref);
    expect(draw({}, 4)).not.toEqual(ref);
    // Balanced, and never an image the pretraining of that seed used.
    expect(Array.from(ref.labels).sort()).toEqual([0, 0, 1, 1]);
    const split = splitTrainingImages(train, p({}), 3);
    const pretrained = new Set(split.pretrain.flatMap((a) => Array.from(a)));
    expect(split.pretrain[5]).toHaveLength(0);
    expect(split.pretrain[0]).toHaveLength(3);
    const b = draw({ n: 8, positive: [...TASK_B.positive], negative: [...TASK_B.negative] }, 3);
    for (const i of b.indices) expect(pretrained.has(i)).toBe(false);
    for (const i of b.indices) expect(TASK_B.positive.includes(train.labels[i] as 0) || TASK_B.negative.includes(train.labels[i] as 1)).toBe(true);
  });
});

describe('anguita-nonlinear figure', () => {
  it('every job of the quick and full grids validates; settings move one knob at a time plus two extras', () => {
    process.env[FASHION_MNIST_ENV] = FIXTURE; // the figure's jobs carry the files' fingerprint
    const quick = anguitaNonlinear.jobs({ seeds: 2, quick: true });
    const full = anguitaNonlinear.jobs({ seeds: 1, quick: false });
    const full500 = anguitaNonlinear.jobs({ seeds: 1, quick: false, params: resolvePresetParams(anguitaNonlinear, { nMax: 500 }) });
    // (9 fine-tuning settings + scratch) × 2 tasks × |n|; n ≤ 200 unless nMax = 500.
    expect(quick.length).toBe(2 * 10 * 2 * 3);
    expect(full.length).toBe(10 * 2 * 5);
    expect(full500.length).toBe(10 * 2 * 6);
    expect(() => resolvePresetParams(anguitaNonlinear, { nMax: 1000 })).toThrow(/--param nMax: expected an integer in \[50, 500\]/);
    const hashes = new Set(quick.map((s) => makeJob(s).hash));
    expect(hashes.size).toBe(quick.length);
    full.forEach((s) => makeJob(s));
    const s = settings();
    expect(s).toHaveLength(9);
    const moved = s.slice(1, 7).map((x) => [x.cPT, x.kappa, x.gammaFT].filter((v) => v !== 1).length);
    expect(moved).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('paired differences and the 2-s.e. verdict rule', () => {
    expect(verdict({ mean: 0.05, stderr: 0.01, seeds: 5 }, 1)).toBe('held');
    expect(verdict({ mean: 0.05, stderr: 0.01, seeds: 5 }, -1)).toBe('did not hold');
    expect(verdict({ mean: 0.015, stderr: 0.01, seeds: 5 }, 1)).toBe('inconclusive');
    expect(verdict({ mean: 0.05, stderr: 0, seeds: 1 }, 1)).toBe('inconclusive');
    // A fake store: accuracy = 0.8 + 0.01·seed for "a", 0.78 + 0.01·seed + 0.002·n/10 for "b".
    const task = TASKS[1];
    const spec = (tag: string) => (_t: unknown, n: number, seed: number) => ({ type: 'anguita-nonlinear', params: { tag, n }, seed });
    const lookup = (sp: { params: unknown; seed: number }): StoredRun => {
      const { tag, n } = sp.params as { tag: string; n: number };
      const v = tag === 'a' ? 0.8 + 0.01 * sp.seed : 0.78 + 0.01 * sp.seed + (0.002 * n) / 10;
      return { status: 'done', metrics: { testAccuracy: v } } as unknown as StoredRun;
    };
    const d = pairedDifference(lookup, task, [10, 50], [0, 1, 2], spec('a'), spec('b'));
    expect(d.seeds).toBe(3);
    expect(d.mean).toBeCloseTo(0.02 - 0.002 * 3, 12);
    expect(d.stderr).toBeCloseTo(0, 12);
  });

  it('builds panels per knob × task and the P1–P3 table from stored runs', () => {
    process.env[FASHION_MNIST_ENV] = FIXTURE;
    const o = { seeds: 2, quick: true };
    const jobs = anguitaNonlinear.jobs(o);
    const stored = new Map(jobs.map((s) => [makeJob(s).hash, s]));
    const lookup = (s: { type: string; params: unknown; seed: number }): StoredRun | undefined => {
      const hash = makeJob(s).hash;
      const spec = stored.get(hash);
      if (!spec) return undefined;
      const p = spec.params as { gammaFT?: number; n: number; stage?: string };
      const acc = 0.8 + 0.02 * Math.log10(p.n) + (p.stage === 'scratch' ? -0.03 : 0) + (p.gammaFT === 10 ? -0.02 : 0) + 0.001 * spec.seed;
      return { status: 'done', metrics: { testAccuracy: acc, converged: 1, iterations: 10, 'change.early': p.gammaFT === 10 ? 0.01 : 0.05 } } as unknown as StoredRun;
    };
    const fig = anguitaNonlinear.build(lookup, o);
    const panels = new Set(fig.series.map((s) => s.panel));
    expect(panels.size).toBe(6);
    expect(fig.plot.xScale).toBe('log');
    for (const s of fig.series) {
      expect(s.y.values.every(Number.isFinite)).toBe(true);
      expect(s.seeds).toEqual([2, 2, 2]);
    }
    const table = fig.tables![0];
    const p2 = table.rows.find((r) => String(r[3]).startsWith('acc(γ_FT = 10) − acc(γ_FT = 1)'))!;
    expect(p2[5]).toBeCloseTo(-0.02, 10);
    // Zero spread across seeds: the rule needs a positive s.e. margin, |mean| > 0 = 2 s.e. → held.
    expect(p2[8]).toBe('held');
    const p1 = table.rows.find((r) => String(r[3]).startsWith('acc(κ = 0.25) − acc(κ = 1)'))!;
    expect(p1[8]).toBe('inconclusive');
    expect(fig.tables![1].rows).toHaveLength(2 * 10);
  });
});

const real = fashionMnistAvailable(REAL);
describe.skipIf(!real)('real Fashion-MNIST (Debian package dataset-fashion-mnist)', () => {
  it('has 60 000 + 10 000 images, 6000 and 1000 per class, and a small network learns it', () => {
    const train = loadFashionMnist('train', REAL);
    const test = loadFashionMnist('test', REAL);
    expect([train.count, test.count]).toEqual([60000, 10000]);
    expect(indicesByClass(train.labels).map((c) => c.length)).toEqual(new Array(10).fill(6000));
    expect(indicesByClass(test.labels).map((c) => c.length)).toEqual(new Array(10).fill(1000));
    // A quick job: pretraining on 8 classes, 100 images each, 14 × 14 pixels; task B with 20 samples.
    const p = anguitaNonlinearParams.parse({ n: 20, hidden: 32, depth: 2, pool: 2, testPerClass: 200, pretrain: { perClass: 100, epochs: 5 }, positive: [...TASK_B.positive], negative: [...TASK_B.negative] });
    const out = runAnguitaNonlinear(p, 0);
    expect(out.metrics['pre.testAccuracy']).toBeGreaterThan(0.6);
    expect(out.metrics.testAccuracy).toBeGreaterThan(0.75);
    expect(out.metrics.converged).toBe(1);
  });
});
if (!real) {
  describe('real Fashion-MNIST', () => {
    it.skip(`skipped: ${REAL} not found (apt-get install dataset-fashion-mnist)`, () => {});
  });
}
