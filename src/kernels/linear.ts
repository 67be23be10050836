/**
 * Hot loops of least-squares gradient descent on row-major float64 data: the residual r = Xw − y and
 * the gradient g = Xᵀr. The fused kernel does both in one pass over X, reading each row once while it
 * is in L1 cache (r_i = ⟨x_i, w⟩ − y_i, then g += r_i x_i), which halves memory traffic against two
 * separate matrix–vector products. Plain TypeScript; these are the reference twins for any faster
 * backend.
 */

/** out = X w for X (n×d) row-major. */
export function gemv(x: Float64Array, n: number, d: number, w: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const off = i * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += x[off + j] * w[j];
      s1 += x[off + j + 1] * w[j + 1];
      s2 += x[off + j + 2] * w[j + 2];
      s3 += x[off + j + 3] * w[j + 3];
    }
    for (; j < d; j++) s0 += x[off + j] * w[j];
    out[i] = s0 + s1 + s2 + s3;
  }
}

/** out = Xᵀ r for X (n×d) row-major. */
export function gemvT(x: Float64Array, n: number, d: number, r: Float64Array, out: Float64Array): void {
  out.fill(0, 0, d);
  for (let i = 0; i < n; i++) {
    const ri = r[i];
    if (ri === 0) continue;
    const off = i * d;
    for (let j = 0; j < d; j++) out[j] += ri * x[off + j];
  }
}

/**
 * One fused pass: r = X w − y and g = Xᵀ r. Returns ‖r‖². `r` has length n, `g` length d; both are
 * overwritten.
 */
export function residualAndGradient(
  x: Float64Array,
  n: number,
  d: number,
  w: Float64Array,
  y: Float64Array,
  r: Float64Array,
  g: Float64Array,
): number {
  g.fill(0, 0, d);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const off = i * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += x[off + j] * w[j];
      s1 += x[off + j + 1] * w[j + 1];
      s2 += x[off + j + 2] * w[j + 2];
      s3 += x[off + j + 3] * w[j + 3];
    }
    for (; j < d; j++) s0 += x[off + j] * w[j];
    const ri = s0 + s1 + s2 + s3 - y[i];
    r[i] = ri;
    rss += ri * ri;
    if (ri === 0) continue;
    for (let k = 0; k < d; k++) g[k] += ri * x[off + k];
  }
  return rss;
}

/** w ← w − step · g. */
export function axpyInPlace(w: Float64Array, step: number, g: Float64Array): void {
  for (let j = 0; j < w.length; j++) w[j] -= step * g[j];
}
