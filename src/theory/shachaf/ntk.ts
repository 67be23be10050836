/**
 * Fine-tuning two-layer ReLU networks in the NTK regime (Shachaf et al. 2021, digest §5; the framework of
 * Du et al. 2019 and Arora, Du, Hu, Li & Wang 2019):
 *
 *  - fine-tuning from pretrained weights acts as kernel regression on the residual:
 *      f_FT(x) ≈ f_S(x) + k(x, X) K⁻¹ (y − f_S(X)), K the NTK Gram at the pretrained weights;
 *  - the generalisation term √(2 rᵀH⁻¹r / n) of Arora et al. with the labels replaced by the residual
 *    r = y − f_S(X), H the infinite-width NTK Gram;
 *  - for linear teachers with f_S ≈ θ_Sᵀx, r = XΔ and, since H ⪰ XXᵀ/4 for unit-norm inputs,
 *    rᵀH⁻¹r ≤ 4‖PΔ‖²: the term is at most 2√2 ‖P(θ_T − θ_S)‖/√n — the similarity measure is the
 *    Euclidean norm of the task difference projected onto the span of the target data.
 */
import { type Mat, matVec, dot } from '../../numeric/matrix.js';
import { symEig, minNormSolve } from '../../numeric/linalg.js';

/** K⁺ r (kernel-regression coefficients). */
export function kernelSolve(k: Mat, r: ArrayLike<number>): Float64Array {
  const { values, vectors } = symEig(k);
  const n = k.rows;
  const cut = n * Number.EPSILON * Math.max(values[0], 0);
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    if (!(values[c] > cut)) continue;
    let p = 0;
    for (let i = 0; i < n; i++) p += vectors.data[i * n + c] * r[i];
    p /= values[c];
    for (let i = 0; i < n; i++) out[i] += p * vectors.data[i * n + c];
  }
  return out;
}

/** rᵀ K⁺ r for a symmetric positive (semi)definite K. */
export function kernelComplexity(k: Mat, r: ArrayLike<number>): number {
  return dot(r, kernelSolve(k, r));
}

/** Kernel-regression prediction on test points: f_S(x) + k(x, X) K⁺ r. */
export function residualKernelPrediction(kTestTrain: Mat, kTrain: Mat, residual: ArrayLike<number>, sourceTest: ArrayLike<number>): Float64Array {
  const coef = kernelSolve(kTrain, residual);
  const corr = matVec(kTestTrain, coef);
  return Float64Array.from(corr, (v, i) => v + sourceTest[i]);
}

/** The data-dependent generalisation term √(2 rᵀH⁻¹r / n). */
export function ntkGeneralizationTerm(h: Mat, residual: ArrayLike<number>): number {
  return Math.sqrt((2 * kernelComplexity(h, residual)) / h.rows);
}

/** ‖P(θ_T − θ_S)‖ with P the projector onto the row space of X. */
export function projectedTaskDistance(x: Mat, thetaS: ArrayLike<number>, thetaT: ArrayLike<number>): number {
  const delta = Float64Array.from(thetaT, (v, i) => v - thetaS[i]);
  const p = minNormSolve(x, matVec(x, delta));
  return Math.sqrt(dot(p, p));
}

/** The measure bound 2√2 ‖P(θ_T − θ_S)‖ / √n. */
export function ntkMeasureBound(projectedDistance: number, n: number): number {
  return (2 * Math.SQRT2 * projectedDistance) / Math.sqrt(n);
}
