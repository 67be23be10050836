/**
 * Expected population risk of linear fine-tuning (start = θ_S) and of training from scratch (start = 0)
 * for a whole problem description — the same parameter object the simulation takes. Uses the exact
 * expectations of digest §3.3(b)/(c) where Σ is isotropic or low rank (isotropic on its range), and
 * the deterministic equivalent otherwise (see linear.ts). The expectation is over the data and the
 * label noise, conditional on the instance's teachers.
 */
import { linearInstance, type LinearProblem } from '../../tasks/linearTeachers.js';
import { sub } from '../../numeric/matrix.js';
import { toEigenbasis } from '../../numeric/covariance.js';
import { deterministicEquivalentRisk, expectedRiskLowRank } from './linear.js';

export type LinearRiskMethod = 'exact-expectation' | 'deterministic-equivalent';

export interface LinearRiskPrediction {
  risk: number;
  method: LinearRiskMethod;
  converged: boolean;
  iterations: number;
  residual: number;
}

/** Predicted E R for fine-tuning ('source') or scratch ('zero') on the problem. */
export function predictLinearRisk(problem: LinearProblem, start: 'source' | 'zero'): LinearRiskPrediction {
  const inst = linearInstance(problem);
  const target = start === 'source' ? sub(inst.thetaT, inst.thetaS) : inst.thetaT;
  const coords = toEigenbasis(inst.cov, target);
  const spec = problem.covariance.spectrum;
  if (spec.kind === 'isotropic' || spec.kind === 'lowRank') {
    const rank = spec.kind === 'isotropic' ? problem.d : spec.rank;
    let inRange = 0;
    for (let i = 0; i < rank; i++) inRange += coords[i] * coords[i];
    const risk = expectedRiskLowRank({ rank, scale: spec.scale, n: problem.n, deltaInRange2: inRange, noise: problem.noise });
    return { risk, method: 'exact-expectation', converged: true, iterations: 0, residual: 0 };
  }
  const de = deterministicEquivalentRisk(inst.cov.spectrum, coords, problem.n, problem.noise);
  return { risk: de.value.risk, method: 'deterministic-equivalent', converged: de.converged, iterations: de.iterations, residual: de.residual };
}
