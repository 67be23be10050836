/**
 * Adaptive explicit Runge–Kutta integration: the Dormand–Prince 5(4) pair (Dormand & Prince 1980;
 * Hairer, Nørsett & Wanner, Solving ODEs I, §II.5) with first-same-as-last stages and the standard
 * error-per-step controller. Used for gradient flow, whose long plateaus an error-controlled step
 * crosses in a few large steps where fixed-step gradient descent needs thousands.
 *
 * Written here because the maintained TypeScript implementation is not on the npm registry this project
 * installs from; it is small and tested against closed-form solutions.
 */
import type { SolverResult } from './solve.js';

export type OdeRhs = (t: number, y: Float64Array, dydt: Float64Array) => void;

export interface OdeOptions {
  rtol?: number;
  atol?: number;
  /** Initial step (default: a heuristic from the initial slope). */
  h0?: number;
  hMax?: number;
  maxSteps?: number;
  /** Called after every accepted step; return true to stop there (e.g. converged). */
  stop?: (t: number, y: Float64Array) => boolean;
}

export interface OdeResult extends SolverResult<Float64Array> {
  t: number;
  accepted: number;
  rejected: number;
  stoppedBy: 'event' | 'end' | 'max-steps' | 'step-underflow' | 'not-finite';
}

// Dormand–Prince 5(4) tableau.
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const B1 = 35 / 384, B3 = 500 / 1113, B4 = 125 / 192, B5 = -2187 / 6784, B6 = 11 / 84;
// Error coefficients: 5th-order weights minus the embedded 4th-order ones.
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;

/** Integrate y' = f(t, y) from t0 to tEnd (or until `stop` says so). residual = last error estimate. */
export function dopri5(f: OdeRhs, y0: ArrayLike<number>, t0: number, tEnd: number, options: OdeOptions = {}): OdeResult {
  const rtol = options.rtol ?? 1e-8;
  const atol = options.atol ?? 1e-10;
  const maxSteps = options.maxSteps ?? 1_000_000;
  const hMax = options.hMax ?? Math.abs(tEnd - t0);
  const m = y0.length;
  const y = Float64Array.from(y0);
  const k1 = new Float64Array(m), k2 = new Float64Array(m), k3 = new Float64Array(m), k4 = new Float64Array(m);
  const k5 = new Float64Array(m), k6 = new Float64Array(m), k7 = new Float64Array(m);
  const tmp = new Float64Array(m), yNew = new Float64Array(m);
  let t = t0;
  f(t, y, k1);
  let h = options.h0 ?? initialStep(y, k1, rtol, atol, hMax);
  let accepted = 0;
  let rejected = 0;
  let errNorm = 0;
  const done = (stoppedBy: OdeResult['stoppedBy']): OdeResult => ({
    value: y,
    t,
    accepted,
    rejected,
    stoppedBy,
    converged: stoppedBy === 'event' || stoppedBy === 'end',
    iterations: accepted,
    residual: errNorm,
  });
  if (options.stop?.(t, y)) return done('event');
  while (accepted + rejected < maxSteps) {
    if (t + h > tEnd) h = tEnd - t;
    if (h <= Math.abs(t) * 4 * Number.EPSILON || h <= 0) return done(t >= tEnd ? 'end' : 'step-underflow');
    for (let i = 0; i < m; i++) tmp[i] = y[i] + h * A21 * k1[i];
    f(t + C2 * h, tmp, k2);
    for (let i = 0; i < m; i++) tmp[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
    f(t + C3 * h, tmp, k3);
    for (let i = 0; i < m; i++) tmp[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
    f(t + C4 * h, tmp, k4);
    for (let i = 0; i < m; i++) tmp[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
    f(t + C5 * h, tmp, k5);
    for (let i = 0; i < m; i++) tmp[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
    f(t + h, tmp, k6);
    for (let i = 0; i < m; i++) yNew[i] = y[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
    f(t + h, yNew, k7);
    let sum = 0;
    for (let i = 0; i < m; i++) {
      const e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
      const sc = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(yNew[i]));
      sum += (e / sc) ** 2;
    }
    const err = Math.sqrt(sum / Math.max(m, 1));
    if (!Number.isFinite(err)) {
      // A non-finite trial step: shrink and retry; give up if the state itself is not finite.
      rejected++;
      h *= 0.1;
      if (!y.every(Number.isFinite)) return done('not-finite');
      continue;
    }
    if (err <= 1) {
      t += h;
      y.set(yNew);
      k1.set(k7); // first same as last
      accepted++;
      errNorm = err;
      if (options.stop?.(t, y)) return done('event');
      if (t >= tEnd) return done('end');
      h *= Math.min(5, Math.max(0.2, 0.9 * Math.pow(Math.max(err, 1e-10), -0.2)));
      h = Math.min(h, hMax);
    } else {
      rejected++;
      h *= Math.max(0.2, 0.9 * Math.pow(err, -0.2));
    }
  }
  return done('max-steps');
}

function initialStep(y: Float64Array, dy: Float64Array, rtol: number, atol: number, hMax: number): number {
  let d0 = 0;
  let d1 = 0;
  for (let i = 0; i < y.length; i++) {
    const sc = atol + rtol * Math.abs(y[i]);
    d0 += (y[i] / sc) ** 2;
    d1 += (dy[i] / sc) ** 2;
  }
  d0 = Math.sqrt(d0 / Math.max(y.length, 1));
  d1 = Math.sqrt(d1 / Math.max(y.length, 1));
  const h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  return Math.min(h, hMax);
}
