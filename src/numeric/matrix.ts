/**
 * Dense float64 matrices in row-major order with an explicit shape, and the small vector helpers the
 * rest of ftlab uses outside hot loops (hot loops live in `kernels/`).
 */

/** A dense row-major float64 matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): Mat {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function fromRows(rows: ArrayLike<ArrayLike<number>>): Mat {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new RangeError(`fromRows: row ${i} has ${rows[i].length} entries, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
  }
  return m;
}

export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function transpose(m: Mat): Mat {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  return t;
}

/** C = A B (plain triple loop in i-k-j order, contiguous inner loop). */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new RangeError(`matmul: shapes ${a.rows}x${a.cols} and ${b.rows}x${b.cols} do not match`);
  const c = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c.data[ci + j] += aik * b.data[bk + j];
    }
  }
  return c;
}

/** G = A Aᵀ (rows × rows), exploiting symmetry. */
export function gramRows(a: Mat): Mat {
  const n = a.rows;
  const d = a.cols;
  const g = zeros(n, n);
  for (let i = 0; i < n; i++) {
    const ai = i * d;
    for (let j = 0; j <= i; j++) {
      const aj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += a.data[ai + k] * a.data[aj + k];
      g.data[i * n + j] = s;
      g.data[j * n + i] = s;
    }
  }
  return g;
}

/** y = A x. */
export function matVec(a: Mat, x: ArrayLike<number>): Float64Array {
  if (x.length !== a.cols) throw new RangeError(`matVec: vector of length ${x.length} for ${a.rows}x${a.cols} matrix`);
  const y = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const off = i * a.cols;
    for (let j = 0; j < a.cols; j++) s += a.data[off + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ x. */
export function matTVec(a: Mat, x: ArrayLike<number>): Float64Array {
  if (x.length !== a.rows) throw new RangeError(`matTVec: vector of length ${x.length} for ${a.rows}x${a.cols} matrix`);
  const y = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const off = i * a.cols;
    for (let j = 0; j < a.cols; j++) y[j] += a.data[off + j] * xi;
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm2(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

export function sub(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new RangeError(`sub: lengths ${a.length} and ${b.length} differ`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

export function add(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new RangeError(`add: lengths ${a.length} and ${b.length} differ`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

export function scale(a: ArrayLike<number>, s: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = s * a[i];
  return out;
}

/** Column j of a matrix as a new vector. */
export function column(m: Mat, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j];
  return out;
}

/** max |a_i - b_i| / max(|b|_inf, tiny): a relative sup-norm distance. */
export function relativeMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-300);
}

/** Throw if any entry is not finite: ftlab never lets a NaN pass silently. */
export function assertFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${name}: entry ${i} is ${values[i]} (not finite)`);
  }
}
