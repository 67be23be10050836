/**
 * Full-batch gradient descent for mean-field two-layer ReLU networks (models/meanFieldRelu.ts), run to
 * convergence on either objective:
 *  - the exact population loss E_x(f(x) − g(x))² against a target neuron sum g (pretraining on the
 *    source teacher with infinitely many samples, as the deep-linear experiments of Tahir et al. do), or
 *  - the empirical loss (1/n)Σ_j (f(x_j) − y_j)² on n samples (training from scratch on target data).
 *
 * Step: mean-field scaling, both layers move by η·m·∇ (∂L/∂θ_i = O(1/m), so η·m·∇ is an O(η) move per
 * neuron). η adapts monotonically: a step that would raise the loss is rejected and η halves; an accepted
 * step lets η grow by `lrGrowth` (up to `lrMax`). This is gradient descent with backtracking: every accepted
 * step decreases the loss, and the step stays near the largest stable one as the curvature changes.
 *
 * Stopping (every run reports which, and whether it counts as converged):
 *  - 'residual'  (converged): L ≤ tol · L_ref, L_ref = the loss of f ≡ 0 (‖g‖², or the mean of y²);
 *  - 'stationary' (converged): once past the initial plateau (L < L_ref/2), the loss fell by less than
 *    stationaryTol · L over the last `window` accepted steps — GD has stopped moving without reaching the
 *    tolerance: a sample on which every neuron is inactive (its residual has no gradient), or a kink of the
 *    ReLU loss where no step along −∇ lowers the loss (backtracking then drives η towards 0);
 *  - 'max-iterations', 'diverged' (non-finite loss), 'step-collapse' (η fell below 1e-12 · η₀): not converged.
 * The step loop allocates nothing: two parameter sets and two gradients are swapped on acceptance.
 */
import type { Mat } from '../numeric/matrix.js';
import { backtrackingDescent } from './backtracking.js';
import {
  type MeanFieldRelu,
  type NeuronSum,
  cloneMeanField,
  empiricalLossAndGrad,
  empiricalWorkspace,
  populationLossAndGrad,
  populationWorkspace,
} from '../models/meanFieldRelu.js';

export type MeanFieldStop = 'residual' | 'stationary' | 'max-iterations' | 'diverged' | 'step-collapse';

/** Numeric codes for stop reasons (job metrics are numbers). */
export const STOP_CODES: Record<MeanFieldStop, number> = { residual: 0, stationary: 1, 'max-iterations': 2, diverged: 3, 'step-collapse': 4 };

export interface MeanFieldObjective {
  /** The loss at `net`, with its gradient written into gw (m×d) and gc (m). */
  evaluate(net: MeanFieldRelu, gw: Float64Array, gc: Float64Array): number;
  /** The loss of the zero function, the scale of the relative tolerance. */
  readonly reference: number;
}

export interface MeanFieldTrainOptions {
  /** Initial mean-field step η (the parameter step is η·m·∇). Default 0.5. */
  lr?: number;
  /** Growth of η after an accepted step. Default 1.1. */
  lrGrowth?: number;
  /** Cap on η. Default 16. */
  lrMax?: number;
  /** Relative loss tolerance: stop when L ≤ tol · L_ref. Default 1e-4. */
  tol?: number;
  /** Relative decrease over `window` accepted steps below which a run is stationary. Default 1e-6. */
  stationaryTol?: number;
  window?: number;
  /** Budget of loss-and-gradient evaluations (accepted plus rejected steps). Default 20000. */
  maxIterations?: number;
}

export interface MeanFieldTrainResult {
  net: MeanFieldRelu;
  converged: boolean;
  stop: MeanFieldStop;
  /** Loss-and-gradient evaluations (accepted plus rejected steps). */
  iterations: number;
  accepted: number;
  rejected: number;
  /** Final loss L (population risk or training MSE). */
  loss: number;
  /** L / L_ref. */
  relativeLoss: number;
  /** √L: the RMS residual. */
  residual: number;
  /** Final η. */
  lr: number;
}

export function trainMeanField(net0: MeanFieldRelu, objective: MeanFieldObjective, options: MeanFieldTrainOptions = {}): MeanFieldTrainResult {
  const lr0 = options.lr ?? 0.5;
  const growth = options.lrGrowth ?? 1.1;
  const lrMax = options.lrMax ?? 16;
  const tol = options.tol ?? 1e-4;
  const stationaryTol = options.stationaryTol ?? 1e-6;
  const window = options.window ?? 200;
  const maxIterations = options.maxIterations ?? 20000;
  const ref = objective.reference;
  const { m, d } = net0;
  let cur = cloneMeanField(net0);
  let trial = cloneMeanField(net0);
  let gw = new Float64Array(m * d);
  let gc = new Float64Array(m);
  let gwT = new Float64Array(m * d);
  let gcT = new Float64Array(m);
  const history = new Float64Array(window + 1); // losses at the last window+1 accepted steps (ring)
  let loss = objective.evaluate(cur, gw, gc);
  let accepted = 0;
  history[0] = loss;
  /** The stop reason reached at the current iterate, or null to go on. */
  const check = (): MeanFieldStop | null => {
    if (!Number.isFinite(loss)) return 'diverged';
    if (loss <= tol * ref) return 'residual';
    if (accepted >= window && loss < 0.5 * ref) {
      const old = history[(accepted - window) % (window + 1)];
      if (old - loss <= stationaryTol * loss) return 'stationary';
    }
    return null;
  };
  const first = check();
  const run = first
    ? { stop: first, steps: 0, accepted: 0, rejected: 0, loss, lr: lr0 }
    : backtrackingDescent<MeanFieldStop>(
        {
          tryStep: (eta) => {
            const step = eta * m;
            const w = cur.w;
            const c = cur.c;
            const tw = trial.w;
            const tc = trial.c;
            for (let i = 0; i < w.length; i++) tw[i] = w[i] - step * gw[i];
            for (let i = 0; i < m; i++) tc[i] = c[i] - step * gc[i];
            return objective.evaluate(trial, gwT, gcT);
          },
          accept: () => {
            [cur, trial] = [trial, cur];
            [gw, gwT] = [gwT, gw];
            [gc, gcT] = [gcT, gc];
          },
          afterAccept: (l) => {
            loss = l;
            accepted++;
            history[accepted % (window + 1)] = loss;
            return check();
          },
        },
        { lr: lr0, growth, lrMax, maxSteps: maxIterations, loss, budgetStop: 'max-iterations' },
      );
  const converged = run.stop === 'residual' || run.stop === 'stationary';
  return { net: cur, converged, stop: run.stop, iterations: run.steps, accepted: run.accepted, rejected: run.rejected, loss: run.loss, relativeLoss: run.loss / ref, residual: Math.sqrt(Math.max(run.loss, 0)), lr: run.lr };
}

/** The empirical loss (1/n)Σ_j (f(x_j) − y_j)² on the rows of X, with preallocated buffers. */
export function empiricalObjective(x: Mat, y: ArrayLike<number>, m: number): MeanFieldObjective {
  if (y.length !== x.rows) throw new RangeError(`empiricalObjective: ${y.length} labels for ${x.rows} samples`);
  const ws = empiricalWorkspace(m, x.rows);
  let ref = 0;
  for (let j = 0; j < y.length; j++) ref += y[j] * y[j];
  ref /= y.length;
  return { reference: ref, evaluate: (net, gw, gc) => empiricalLossAndGrad(net, x, y, gw, gc, ws) };
}

/** The exact population loss E(f − g)² against a neuron sum g with ‖g‖² = targetNorm2. */
export function populationObjective(target: NeuronSum, targetNorm2: number, m: number): MeanFieldObjective {
  const ws = populationWorkspace(m, target.k);
  return { reference: targetNorm2, evaluate: (net, gw, gc) => populationLossAndGrad(net, target, targetNorm2, gw, gc, ws) };
}
