/**
 * The linear-regression fine-tuning procedures (Shachaf et al. digest §3.1): fine-tuning starts GD at
 * the source weights θ_S, scratch starts it at 0; both run to convergence. The `closed-form` solver
 * returns the limit GD provably reaches (θ_S + X⁺(y − Xθ_S), resp. X⁺y) without iterating.
 */
import { z } from 'zod';
import { intIn, numAbove } from '../validation.js';
import type { Mat } from '../numeric/matrix.js';
import { gradientDescentLeastSquares, type GdStop } from './gd.js';
import { fineTunedSolution } from '../theory/shachaf/linear.js';
import { predict } from '../models/linear.js';

export const linearTrainingSchema = z
  .object({
    solver: z.enum(['gd', 'closed-form']).default('gd'),
    /** Relative tolerance on the training residual / gradient. */
    tol: numAbove(0, 1e-2).default(1e-10),
    maxIterations: intIn(1, 1e9).default(2_000_000),
    /** Step size; omitted = 2/(λ_max + λ_min⁺) of XᵀX/n (see training/gd.ts). */
    lr: numAbove(0, 1e6).optional(),
  })
  .strict();
export type LinearTraining = z.output<typeof linearTrainingSchema>;

export interface TrainedLinear {
  w: Float64Array;
  converged: boolean;
  iterations: number;
  /** RMS training residual ‖Xw − y‖/√n. */
  residual: number;
  stop: GdStop | 'closed-form';
}

/** Train a linear predictor on (X, y) from w₀ with the chosen solver. */
export function trainLinear(x: Mat, y: Float64Array, w0: Float64Array, training: LinearTraining): TrainedLinear {
  if (training.solver === 'closed-form') {
    // w₀ + X⁺(y − Xw₀): the fine-tuned solution from θ_S, and X⁺y from 0
    const w = fineTunedSolution(x, y, w0);
    const fit = predict(x, w);
    let rss = 0;
    for (let i = 0; i < x.rows; i++) rss += (fit[i] - y[i]) ** 2;
    return { w, converged: true, iterations: 0, residual: Math.sqrt(rss / x.rows), stop: 'closed-form' };
  }
  const res = gradientDescentLeastSquares(x, y, w0, { tol: training.tol, maxIterations: training.maxIterations, lr: training.lr ?? 'auto' });
  return { w: res.value, converged: res.converged, iterations: res.iterations, residual: res.residual, stop: res.stop };
}

/** Fine-tuning: train from the source weights θ_S. */
export function fineTune(x: Mat, y: Float64Array, thetaS: Float64Array, training: LinearTraining): TrainedLinear {
  return trainLinear(x, y, thetaS, training);
}

/** Training from scratch: train from 0. */
export function scratch(x: Mat, y: Float64Array, training: LinearTraining): TrainedLinear {
  return trainLinear(x, y, new Float64Array(x.cols), training);
}
