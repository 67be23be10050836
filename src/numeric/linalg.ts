/**
 * Decompositions and solves on float64 row-major matrices, wrapping `ml-matrix` (Cholesky, QR, SVD,
 * symmetric eigendecomposition) once so the rest of ftlab never touches its types. Adds what it lacks:
 * sign-fixed Haar-random orthogonal matrices, a threshold-controlled pseudo-inverse / minimum-norm least
 * squares, and the projector P = X⁺X onto the row space of X (the object at the centre of Shachaf et
 * al.'s fine-tuning analysis, digest §2–3).
 */
import {
  CholeskyDecomposition,
  EigenvalueDecomposition,
  Matrix,
  QrDecomposition,
  SingularValueDecomposition,
} from 'ml-matrix';
import { type Mat, zeros, matVec, matTVec, gramRows, transpose } from './matrix.js';
import type { Rng } from './rng.js';

export function toMl(m: Mat): Matrix {
  const out = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.set(i, j, m.data[i * m.cols + j]);
  return out;
}

export function fromMl(m: Matrix): Mat {
  const out = zeros(m.rows, m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out.data[i * m.columns + j] = m.get(i, j);
  return out;
}

function assertSquare(name: string, a: Mat): void {
  if (a.rows !== a.cols) throw new RangeError(`${name}: expected a square matrix, got ${a.rows}x${a.cols}`);
}

/** Lower-triangular L with A = L Lᵀ; throws if A is not symmetric positive definite. */
export function cholesky(a: Mat): Mat {
  assertSquare('cholesky', a);
  const dec = new CholeskyDecomposition(toMl(a));
  if (!dec.isPositiveDefinite()) throw new RangeError('cholesky: matrix is not positive definite');
  return fromMl(dec.lowerTriangularMatrix);
}

/** Solve A x = b for symmetric positive definite A via Cholesky. */
export function cholSolve(a: Mat, b: ArrayLike<number>): Float64Array {
  assertSquare('cholSolve', a);
  const dec = new CholeskyDecomposition(toMl(a));
  if (!dec.isPositiveDefinite()) throw new RangeError('cholSolve: matrix is not positive definite');
  const x = dec.solve(Matrix.columnVector(Array.from(b)));
  return Float64Array.from(x.getColumn(0));
}

/** Thin QR: A (m×n, m ≥ n) = Q R with Q m×n orthonormal columns, R n×n upper triangular. */
export function qr(a: Mat): { q: Mat; r: Mat } {
  const dec = new QrDecomposition(toMl(a));
  return { q: fromMl(dec.orthogonalMatrix), r: fromMl(dec.upperTriangularMatrix) };
}

export interface Svd {
  /** m×k left singular vectors. */
  u: Mat;
  /** k singular values, descending. */
  s: Float64Array;
  /** n×k right singular vectors. */
  v: Mat;
}

/** Thin SVD A = U diag(s) Vᵀ, singular values in descending order. */
export function svd(a: Mat): Svd {
  // ml-matrix's SVD wants rows ≥ columns for a thin result; transpose when needed.
  if (a.rows < a.cols) {
    const t = svd(transpose(a));
    return { u: t.v, s: t.s, v: t.u };
  }
  const dec = new SingularValueDecomposition(toMl(a), { computeLeftSingularVectors: true, computeRightSingularVectors: true, autoTranspose: false });
  return { u: fromMl(dec.leftSingularVectors), s: Float64Array.from(dec.diagonal), v: fromMl(dec.rightSingularVectors) };
}

export interface SymEig {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** Eigenvectors as columns, in the same order. */
  vectors: Mat;
}

/** Eigendecomposition of a symmetric matrix, eigenvalues descending. */
export function symEig(a: Mat): SymEig {
  assertSquare('symEig', a);
  const n = a.rows;
  // Symmetrise to guard against round-off asymmetry before a symmetric solver.
  const sym = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym.data[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  const dec = new EigenvalueDecomposition(toMl(sym), { assumeSymmetric: true });
  const vals = dec.realEigenvalues;
  const vecs = dec.eigenvectorMatrix;
  const order = vals.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
  const values = new Float64Array(n);
  const vectors = zeros(n, n);
  order.forEach(([v, src], dst) => {
    values[dst] = v;
    for (let i = 0; i < n; i++) vectors.data[i * n + dst] = vecs.get(i, src);
  });
  return { values, vectors };
}

/** Default relative cut-off for treating a singular value as zero (as in NumPy's pinv/lstsq). */
export function defaultRcond(rows: number, cols: number): number {
  return Math.max(rows, cols) * Number.EPSILON;
}

/** Moore–Penrose pseudo-inverse A⁺ (n×m) through the SVD, dropping s_i ≤ rcond · s_max. */
export function pinv(a: Mat, rcond = defaultRcond(a.rows, a.cols)): Mat {
  const { u, s, v } = svd(a);
  const cut = rcond * (s[0] ?? 0);
  const k = s.length;
  const out = zeros(a.cols, a.rows);
  for (let c = 0; c < k; c++) {
    if (!(s[c] > cut)) continue;
    const inv = 1 / s[c];
    for (let i = 0; i < a.cols; i++) {
      const vic = v.data[i * k + c] * inv;
      if (vic === 0) continue;
      for (let j = 0; j < a.rows; j++) out.data[i * a.rows + j] += vic * u.data[j * k + c];
    }
  }
  return out;
}

/**
 * Minimum-norm least-squares solution x = A⁺ b, computed through the eigendecomposition of the smaller
 * Gram matrix (A Aᵀ when rows ≤ cols, else AᵀA), which is far cheaper than a full SVD when A is wide.
 * The Gram eigenvalues carry absolute round-off of order ε·λ_max, so eigenvalues below rcond · λ_max
 * are treated as zero: rank-deficient A is handled exactly, at the price of ignoring singular values
 * below √rcond · σ_max (use `pinv`, SVD-based, when A is that ill-conditioned).
 */
export function minNormSolve(a: Mat, b: ArrayLike<number>, rcond = defaultRcond(a.rows, a.cols)): Float64Array {
  if (b.length !== a.rows) throw new RangeError(`minNormSolve: right-hand side has length ${b.length}, expected ${a.rows}`);
  const cut = (lambdaMax: number) => Math.max(rcond * lambdaMax, 0);
  if (a.rows <= a.cols) {
    const { values, vectors } = symEig(gramRows(a));
    const n = a.rows;
    const coef = new Float64Array(n);
    const threshold = cut(values[0] ?? 0);
    for (let c = 0; c < n; c++) {
      if (!(values[c] > threshold) || values[c] <= 0) continue;
      let proj = 0;
      for (let i = 0; i < n; i++) proj += vectors.data[i * n + c] * b[i];
      proj /= values[c];
      for (let i = 0; i < n; i++) coef[i] += proj * vectors.data[i * n + c];
    }
    return matTVec(a, coef);
  }
  const at = transpose(a);
  const { values, vectors } = symEig(gramRows(at));
  const d = a.cols;
  const atb = matTVec(a, b);
  const x = new Float64Array(d);
  const threshold = cut(values[0] ?? 0);
  for (let c = 0; c < d; c++) {
    if (!(values[c] > threshold) || values[c] <= 0) continue;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += vectors.data[i * d + c] * atb[i];
    proj /= values[c];
    for (let i = 0; i < d; i++) x[i] += proj * vectors.data[i * d + c];
  }
  return x;
}

/** Least squares min ‖Ax − b‖ with the minimum-norm solution when A is rank deficient. */
export const lstsq = minNormSolve;

/**
 * An orthonormal basis (d×r, columns) of the row space of X, from the eigendecomposition of X Xᵀ.
 * r is the numerical rank.
 */
export function rowSpaceBasis(x: Mat, rcond = defaultRcond(x.rows, x.cols)): Mat {
  const { values, vectors } = symEig(gramRows(x));
  const n = x.rows;
  const threshold = rcond * Math.max(values[0] ?? 0, 0); // see minNormSolve on the Gram round-off
  const keep: number[] = [];
  for (let c = 0; c < n; c++) if (values[c] > threshold && values[c] > 0) keep.push(c);
  const basis = zeros(x.cols, keep.length);
  keep.forEach((c, k) => {
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = vectors.data[i * n + c];
    const col = matTVec(x, u);
    const inv = 1 / Math.sqrt(values[c]);
    for (let i = 0; i < x.cols; i++) basis.data[i * keep.length + k] = col[i] * inv;
  });
  return basis;
}

/** The projector P = X⁺X (d×d) onto the row space of X. */
export function rowSpaceProjector(x: Mat, rcond?: number): Mat {
  const b = rowSpaceBasis(x, rcond);
  const d = x.cols;
  const r = b.cols;
  const p = zeros(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += b.data[i * r + k] * b.data[j * r + k];
      p.data[i * d + j] = s;
      p.data[j * d + i] = s;
    }
  }
  return p;
}

/** P v for the projector onto the row space of X, without forming P. */
export function projectOntoRowSpace(x: Mat, v: ArrayLike<number>): Float64Array {
  return minNormSolve(x, matVec(x, v));
}

/**
 * A Haar-distributed random orthogonal d×d matrix: QR of a Gaussian matrix with the signs of R's
 * diagonal moved into Q (Mezzadri 2007), so the distribution is exactly uniform.
 */
export function randomOrthogonal(d: number, rng: Rng): Mat {
  const g = zeros(d, d);
  rng.fillNormal(g.data);
  const { q, r } = qr(g);
  for (let j = 0; j < d; j++) {
    if (r.data[j * d + j] < 0) for (let i = 0; i < d; i++) q.data[i * d + j] = -q.data[i * d + j];
  }
  return q;
}
