import { describe, expect, it } from 'vitest';
import { createRng } from '../src/numeric/rng.js';
import { type Mat, zeros, matmul, transpose, gramRows, matVec, identity } from '../src/numeric/matrix.js';
import { cholesky, cholSolve, qr, svd, symEig, pinv, minNormSolve, rowSpaceProjector, projectOntoRowSpace, randomOrthogonal } from '../src/numeric/linalg.js';

function randomMat(rows: number, cols: number, seed: number): Mat {
  const m = zeros(rows, cols);
  createRng(seed, 'data').fillNormal(m.data);
  return m;
}

function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function diag(s: ArrayLike<number>): Mat {
  const m = zeros(s.length, s.length);
  for (let i = 0; i < s.length; i++) m.data[i * s.length + i] = s[i];
  return m;
}

describe('linear algebra wrappers (reconstruction oracles)', () => {
  it('Cholesky: A = L Lᵀ and solves A x = b', () => {
    const x = randomMat(30, 12, 1);
    const a = gramRows(transpose(x)); // 12×12 SPD
    const l = cholesky(a);
    expect(maxAbsDiff(matmul(l, transpose(l)), a)).toBeLessThan(1e-10);
    const b = Float64Array.from({ length: 12 }, (_, i) => i - 3);
    const sol = cholSolve(a, b);
    const back = matVec(a, sol);
    for (let i = 0; i < 12; i++) expect(back[i]).toBeCloseTo(b[i], 9);
    expect(() => cholesky(diag([1, -1]))).toThrow(/not positive definite/);
  });

  it('QR: A = Q R with orthonormal Q', () => {
    const a = randomMat(15, 9, 2);
    const { q, r } = qr(a);
    expect(maxAbsDiff(matmul(q, r), a)).toBeLessThan(1e-12);
    expect(maxAbsDiff(matmul(transpose(q), q), identity(9))).toBeLessThan(1e-12);
  });

  it('SVD: A = U diag(s) Vᵀ for tall and wide A, s descending', () => {
    for (const [r, c] of [
      [12, 7],
      [7, 12],
    ]) {
      const a = randomMat(r, c, 3);
      const { u, s, v } = svd(a);
      expect(maxAbsDiff(matmul(matmul(u, diag(s)), transpose(v)), a)).toBeLessThan(1e-11);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
    }
  });

  it('symmetric eigen: A V = V D, V orthonormal, eigenvalues descending', () => {
    const a = gramRows(randomMat(10, 20, 4));
    const { values, vectors } = symEig(a);
    expect(maxAbsDiff(matmul(a, vectors), matmul(vectors, diag(values)))).toBeLessThan(1e-9);
    expect(maxAbsDiff(matmul(transpose(vectors), vectors), identity(10))).toBeLessThan(1e-12);
    for (let i = 1; i < 10; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
  });

  it('pseudo-inverse satisfies the Penrose conditions, also for a rank-deficient matrix', () => {
    const low = matmul(randomMat(9, 3, 5), randomMat(3, 14, 6)); // rank 3
    const p = pinv(low);
    expect(maxAbsDiff(matmul(matmul(low, p), low), low)).toBeLessThan(1e-10);
    expect(maxAbsDiff(matmul(matmul(p, low), p), p)).toBeLessThan(1e-10);
  });

  it('minimum-norm least squares equals A⁺ b for wide, tall and rank-deficient A', () => {
    for (const a of [randomMat(8, 20, 7), randomMat(20, 8, 8), matmul(randomMat(10, 4, 9), randomMat(4, 16, 10))]) {
      const b = createRng(3, 'noise').fillNormal(new Float64Array(a.rows));
      const x = minNormSolve(a, b);
      const ref = matVec(pinv(a), b);
      for (let i = 0; i < a.cols; i++) expect(Math.abs(x[i] - ref[i])).toBeLessThan(1e-9);
    }
  });

  it('row-space projector is symmetric, idempotent, of rank n, and fixes the rows of X', () => {
    const x = randomMat(6, 15, 11);
    const p = rowSpaceProjector(x);
    expect(maxAbsDiff(p, transpose(p))).toBeLessThan(1e-13);
    expect(maxAbsDiff(matmul(p, p), p)).toBeLessThan(1e-12);
    let trace = 0;
    for (let i = 0; i < 15; i++) trace += p.data[i * 15 + i];
    expect(trace).toBeCloseTo(6, 10);
    expect(maxAbsDiff(matmul(x, p), x)).toBeLessThan(1e-12);
    const v = createRng(1, 'teacher').fillNormal(new Float64Array(15));
    const pv = projectOntoRowSpace(x, v);
    const ref = matVec(p, v);
    for (let i = 0; i < 15; i++) expect(pv[i]).toBeCloseTo(ref[i], 11);
  });

  it('random orthogonal matrices are orthogonal and seed-determined', () => {
    const q = randomOrthogonal(20, createRng(5, 'covariance'));
    expect(maxAbsDiff(matmul(transpose(q), q), identity(20))).toBeLessThan(1e-12);
    expect(maxAbsDiff(randomOrthogonal(20, createRng(5, 'covariance')), q)).toBe(0);
  });
});
