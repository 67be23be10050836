/**
 * Source/target linear teacher pairs for fine-tuning linear regression (Shachaf et al. 2021, digest
 * §2 and §6.3): θ_S ~ N(0, I/d), and θ_T either
 *   - "scaled": θ_T = α θ_S + ε ξ with ξ ~ N(0, I/d), or
 *   - "band":   θ_T = θ_S + Δ, with Δ of norm δ spread uniformly at random over the eigendirections
 *               v_i of Σ with i in [bandStart, bandEnd) (0-based, eigenvalues descending).
 * Labels are y = θ_Tᵀx + σ ξ_i. A problem instance (Σ, θ_S, θ_T) is fixed by `instanceSeed`; the data of
 * each Monte-Carlo replicate come from the replicate's own seed.
 */
import { z } from 'zod';
import { intIn, numIn } from '../validation.js';
import { fromEigenbasis, type Covariance, sampleInputs } from '../numeric/covariance.js';
import { createRng } from '../numeric/rng.js';
import { type Mat } from '../numeric/matrix.js';
import { gemv } from '../kernels/linear.js';
import { covarianceSchema, gaussianInputs, MAX_DIMENSION } from './gaussianInputs.js';
import { float64Term, type MemoryTerm } from '../experiments/memory.js';

export const teacherPairSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scaled'), alpha: numIn(-1e3, 1e3), eps: numIn(0, 1e3) }).strict(),
  z
    .object({
      kind: z.literal('band'),
      bandStart: intIn(0, MAX_DIMENSION - 1),
      bandEnd: intIn(1, MAX_DIMENSION),
      deltaNorm: numIn(0, 1e3),
    })
    .strict(),
]);

export type TeacherPairParams = z.output<typeof teacherPairSchema>;

/** Everything that defines one linear fine-tuning problem (the same object feeds theory and simulation). */
export const linearProblemSchema = z
  .object({
    d: intIn(1, MAX_DIMENSION),
    n: intIn(1, 1_000_000),
    covariance: covarianceSchema,
    teachers: teacherPairSchema,
    /** Label noise standard deviation σ. */
    noise: numIn(0, 1e3).default(0),
    /** Seed of the problem instance (Σ's basis, θ_S, θ_T). */
    instanceSeed: intIn(0, Number.MAX_SAFE_INTEGER).default(0),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.teachers.kind === 'band') {
      if (p.teachers.bandEnd > p.d) ctx.addIssue({ code: 'custom', path: ['teachers', 'bandEnd'], message: `expected an integer in [1, d = ${p.d}]` });
      if (p.teachers.bandStart >= p.teachers.bandEnd)
        ctx.addIssue({ code: 'custom', path: ['teachers', 'bandStart'], message: `expected an integer in [0, bandEnd - 1 = ${p.teachers.bandEnd - 1}]` });
    }
    const s = p.covariance.spectrum;
    if (s.kind === 'lowRank' && s.rank > p.d) ctx.addIssue({ code: 'custom', path: ['covariance', 'spectrum', 'rank'], message: `expected an integer in [1, d = ${p.d}]` });
    if (s.kind === 'spiked' && s.spikes > p.d) ctx.addIssue({ code: 'custom', path: ['covariance', 'spectrum', 'spikes'], message: `expected an integer in [1, d = ${p.d}]` });
  });

export type LinearProblemInput = z.input<typeof linearProblemSchema>;
export type LinearProblem = z.output<typeof linearProblemSchema>;

export interface LinearInstance {
  cov: Covariance;
  thetaS: Float64Array;
  thetaT: Float64Array;
}

/** Draw the teacher pair for a covariance (stream 'teacher' of the instance seed). */
export function drawTeachers(params: TeacherPairParams, cov: Covariance, instanceSeed: number): { thetaS: Float64Array; thetaT: Float64Array } {
  const d = cov.d;
  const rng = createRng(instanceSeed, 'teacher');
  const thetaS = rng.fillNormal(new Float64Array(d), 1 / Math.sqrt(d));
  const thetaT = new Float64Array(d);
  if (params.kind === 'scaled') {
    const xi = rng.fillNormal(new Float64Array(d), 1 / Math.sqrt(d));
    for (let i = 0; i < d; i++) thetaT[i] = params.alpha * thetaS[i] + params.eps * xi[i];
  } else {
    const coords = new Float64Array(d);
    let norm2 = 0;
    for (let i = params.bandStart; i < params.bandEnd; i++) {
      coords[i] = rng.normal();
      norm2 += coords[i] * coords[i];
    }
    const s = norm2 > 0 ? params.deltaNorm / Math.sqrt(norm2) : 0;
    for (let i = 0; i < d; i++) coords[i] *= s;
    const delta = fromEigenbasis(cov, coords);
    for (let i = 0; i < d; i++) thetaT[i] = thetaS[i] + delta[i];
  }
  return { thetaS, thetaT };
}

/** The problem instance (Σ, θ_S, θ_T) defined by the parameters. */
export function linearInstance(p: LinearProblem): LinearInstance {
  const cov = gaussianInputs(p.covariance, p.d, p.instanceSeed);
  return { cov, ...drawTeachers(p.teachers, cov, p.instanceSeed) };
}

export interface LinearDataset {
  x: Mat;
  y: Float64Array;
  /** The label noise actually drawn (y − Xθ_T). */
  noise: Float64Array;
}

/** n target samples for one replicate: x ~ N(0, Σ) from stream 'data', noise from stream 'noise'. */
export function sampleLinearData(inst: LinearInstance, n: number, noiseSd: number, seed: number): LinearDataset {
  const x = sampleInputs(inst.cov, n, createRng(seed, 'data'));
  const y = new Float64Array(n);
  gemv(x.data, n, inst.cov.d, inst.thetaT, y);
  const noise = new Float64Array(n);
  if (noiseSd > 0) {
    createRng(seed, 'noise').fillNormal(noise, noiseSd);
    for (let i = 0; i < n; i++) y[i] += noise[i];
  }
  return { x, y, noise };
}

/**
 * The large arrays of one replicate of a linear problem (at `path`, e.g. "problem"): its inputs X (n×d), a working
 * copy of X for the solvers' kernels, the Gram matrix of the smaller side with its eigenvectors (minimum-norm
 * solutions), and a random eigenbasis of Σ (d×d, with the factorisation drawing it).
 */
export function linearProblemTerms(p: LinearProblem, path: string): MemoryTerm[] {
  const d = { [`${path}.d`]: p.d };
  const dn = { ...d, [`${path}.n`]: p.n };
  const m = Math.min(p.n, p.d);
  return [
    float64Term('X', 'd·n', p.d * p.n, dn),
    float64Term("the solvers' copy of X", 'd·n', p.d * p.n, dn),
    float64Term('the Gram matrix and its eigenvectors', '3·min(d, n)²', 3 * m * m, dn),
    float64Term('the random eigenbasis of Σ', '2·d²', p.covariance.basis === 'random' ? 2 * p.d * p.d : 0, d),
  ];
}
