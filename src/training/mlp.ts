/**
 * Training procedures for the ReLU MLPs of models/mlp.ts (the nonlinear check of Anguita et al. 2026,
 * digest `anguita-pretraining-inductive-bias.md` §9):
 *
 *  - `trainSgd`: mini-batch SGD with heavy-ball momentum (PyTorch convention v ← μv + g, θ ← θ − ηv), a
 *    fresh shuffle every epoch from the given stream, optional clipping of the global gradient norm, for a
 *    fixed number of epochs. Used for pretraining, the digest's Lippl & Lindsey template (SGD, momentum 0.9).
 *  - `trainFullBatch`: full-batch gradient descent with backtracking, run to a loss tolerance. A step that
 *    would raise the training loss is rejected and η halves; an accepted step lets η grow by `lrGrowth` (up
 *    to `lrMax`). Every accepted step decreases the loss, and the step stays near the largest stable one
 *    while the curvature changes by orders of magnitude across initialisation scales (γ_FT from 0.01 to 10
 *    changes it ~10⁶-fold): a discretisation of the gradient flow the theory analyses (digest §2.3) that
 *    needs no per-setting learning rate. Used for fine-tuning and for the from-scratch baseline.
 *    Stops: 'tolerance' (converged: training loss < tol, the template's 1e-2), 'max-steps' (the budget of
 *    loss-and-gradient evaluations, accepted plus rejected), 'diverged' (non-finite loss) and
 *    'step-collapse' (η < 1e-12 η₀); only the first counts as converged.
 *
 * Neither allocates in its step loop: every buffer (batch rows, targets, gradients, momentum, the trial
 * parameters of a backtracking step, the permutation) is allocated once per call.
 */
import type { Mat } from '../numeric/matrix.js';
import type { Rng } from '../numeric/rng.js';
import { type Mlp, type MlpLoss, createMlp, lossAndGradient, mlpWorkspace } from '../models/mlp.js';
import { backtrackingDescent } from './backtracking.js';

export interface SgdOptions {
  /** Learning rate η. */
  lr: number;
  /** Heavy-ball momentum μ ∈ [0, 1) (0: plain SGD). */
  momentum: number;
  batchSize: number;
  epochs: number;
  /** Clip the mini-batch gradient to this global L2 norm (0: no clipping). */
  clipNorm?: number;
}

export interface SgdResult {
  epochs: number;
  /** Mean mini-batch loss (before each step) over the last epoch. */
  lastEpochLoss: number;
  /** Mini-batch steps whose gradient was clipped. */
  clipped: number;
  diverged: boolean;
}

function checkData(net: Mlp, x: Mat, targets: ArrayLike<number>, kind: MlpLoss): void {
  if (x.cols !== net.sizes[0]) throw new RangeError(`x: expected ${net.sizes[0]} columns (the network's input width), got ${x.cols}`);
  if (targets.length !== x.rows) throw new RangeError(`targets: expected ${x.rows} entries (one per row of x), got ${targets.length}`);
  if (x.rows < 1) throw new RangeError('x: expected at least one row');
  const k = net.sizes[net.sizes.length - 1];
  const classes = kind === 'logistic' ? 2 : k;
  if (kind === 'logistic' && k !== 1) throw new RangeError(`logistic loss: expected a network with one output (got ${k})`);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`targets[${i}]: expected an integer in [0, ${classes - 1}] (got ${t})`);
  }
}

/** Mini-batch SGD with momentum on `net` in place, for `epochs` epochs; shuffles with `rng`. */
export function trainSgd(net: Mlp, x: Mat, targets: ArrayLike<number>, kind: MlpLoss, options: SgdOptions, rng: Rng): SgdResult {
  checkData(net, x, targets, kind);
  const { lr, momentum, batchSize, epochs } = options;
  const clip = options.clipNorm ?? 0;
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`lr: expected a finite number > 0 (got ${lr})`);
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum: expected a number in [0, 1) (got ${momentum})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize: expected an integer ≥ 1 (got ${batchSize})`);
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs: expected an integer ≥ 0 (got ${epochs})`);
  if (!(clip >= 0)) throw new RangeError(`clipNorm: expected a number ≥ 0 (got ${clip})`);
  const n = x.rows;
  const d = x.cols;
  const b = Math.min(batchSize, n);
  const ws = mlpWorkspace(net.sizes, b);
  const xb = new Float64Array(b * d);
  const tb = new Int32Array(b);
  const grad = new Float64Array(net.params.length);
  const velocity = new Float64Array(net.params.length);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const p = net.params;
  let lastEpochLoss = NaN;
  let clipped = 0;
  let epoch = 0;
  for (; epoch < epochs; epoch++) {
    // Fisher–Yates in place.
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    let sum = 0;
    for (let start = 0; start < n; start += b) {
      const rows = Math.min(b, n - start);
      for (let r = 0; r < rows; r++) {
        const src = perm[start + r];
        xb.set(x.data.subarray(src * d, (src + 1) * d), r * d);
        tb[r] = targets[src];
      }
      const loss = lossAndGradient(net, xb, rows, tb, kind, grad, ws);
      if (!Number.isFinite(loss)) return { epochs: epoch, lastEpochLoss: loss, clipped, diverged: true };
      sum += loss * rows;
      let factor = 1;
      if (clip > 0) {
        let norm2 = 0;
        for (let i = 0; i < grad.length; i++) norm2 += grad[i] * grad[i];
        const norm = Math.sqrt(norm2);
        if (norm > clip) {
          factor = clip / norm;
          clipped++;
        }
      }
      for (let i = 0; i < p.length; i++) {
        const v = momentum * velocity[i] + factor * grad[i];
        velocity[i] = v;
        p[i] -= lr * v;
      }
    }
    lastEpochLoss = sum / n;
  }
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i])) return { epochs: epoch, lastEpochLoss: NaN, clipped, diverged: true };
  }
  return { epochs: epoch, lastEpochLoss, clipped, diverged: false };
}

export type FullBatchStop = 'tolerance' | 'max-steps' | 'diverged' | 'step-collapse';

/** Numeric codes for stop reasons (job metrics are numbers). */
export const FULL_BATCH_STOP_CODES: Record<FullBatchStop, number> = { tolerance: 0, 'max-steps': 2, diverged: 3, 'step-collapse': 4 };

export interface FullBatchOptions {
  /** Initial step η₀ (default 0.1). */
  lr?: number;
  /** Growth of η after an accepted step (default 1.2). */
  lrGrowth?: number;
  /** Cap on η (default 100). */
  lrMax?: number;
  /** Stop when the training loss is below tol (default 1e-2). */
  tol?: number;
  /** Budget of loss-and-gradient evaluations (default 5000). */
  maxSteps?: number;
  /** Train the centred model f(x) − offset(x) (rows × d_out; e.g. the start's own outputs, so f starts at 0). */
  offset?: Float64Array;
}

export interface FullBatchResult {
  /** The trained network (a new object; the input is not modified). */
  net: Mlp;
  converged: boolean;
  stop: FullBatchStop;
  /** Loss-and-gradient evaluations after the first (accepted plus rejected steps). */
  steps: number;
  accepted: number;
  rejected: number;
  /** Final training loss. */
  loss: number;
  /** Final η. */
  lr: number;
}

/** Full-batch GD with backtracking from `net0` (not modified) until the training loss is below `tol`. */
export function trainFullBatch(net0: Mlp, x: Mat, targets: ArrayLike<number>, kind: MlpLoss, options: FullBatchOptions = {}): FullBatchResult {
  checkData(net0, x, targets, kind);
  const lr0 = options.lr ?? 0.1;
  const growth = options.lrGrowth ?? 1.2;
  const lrMax = options.lrMax ?? 100;
  const tol = options.tol ?? 1e-2;
  const maxSteps = options.maxSteps ?? 5000;
  if (!(lr0 > 0 && Number.isFinite(lr0))) throw new RangeError(`lr: expected a finite number > 0 (got ${lr0})`);
  if (!(growth >= 1 && Number.isFinite(growth))) throw new RangeError(`lrGrowth: expected a finite number ≥ 1 (got ${growth})`);
  if (!(lrMax >= lr0)) throw new RangeError(`lrMax: expected a number ≥ lr = ${lr0} (got ${lrMax})`);
  if (!(tol > 0)) throw new RangeError(`tol: expected a number > 0 (got ${tol})`);
  if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new RangeError(`maxSteps: expected an integer ≥ 0 (got ${maxSteps})`);
  const ws = mlpWorkspace(net0.sizes, x.rows);
  let cur = createMlp(net0.sizes, Float64Array.from(net0.params));
  let trial = createMlp(net0.sizes);
  let grad = new Float64Array(cur.params.length);
  let gradTrial = new Float64Array(cur.params.length);
  const loss = lossAndGradient(cur, x.data, x.rows, targets, kind, grad, ws, options.offset);
  if (!Number.isFinite(loss) || loss < tol) {
    const stop: FullBatchStop = Number.isFinite(loss) ? 'tolerance' : 'diverged';
    return { net: cur, converged: stop === 'tolerance', stop, steps: 0, accepted: 0, rejected: 0, loss, lr: lr0 };
  }
  const run = backtrackingDescent<FullBatchStop>(
    {
      tryStep: (eta) => {
        const p = cur.params;
        const q = trial.params;
        for (let i = 0; i < p.length; i++) q[i] = p[i] - eta * grad[i];
        return lossAndGradient(trial, x.data, x.rows, targets, kind, gradTrial, ws, options.offset);
      },
      accept: () => {
        [cur, trial] = [trial, cur];
        [grad, gradTrial] = [gradTrial, grad];
      },
      afterAccept: (l) => (l < tol ? 'tolerance' : null),
    },
    { lr: lr0, growth, lrMax, maxSteps, loss, budgetStop: 'max-steps' },
  );
  return { net: cur, converged: run.stop === 'tolerance', ...run };
}
