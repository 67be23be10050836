// Hot least-squares loops in AssemblyScript with 128-bit SIMD (f64x2): y = A x and the fused
// residual + gradient pass r = Xw − y, g = Xᵀr. Twins of src/kernels/linear.ts (the reference).
// All arrays are float64, row-major, passed as byte offsets into this module's linear memory.
//
// Rows are processed four at a time, as in the TypeScript twins: each load of x (or w) serves four rows, the four
// dot products are independent accumulators (so the adds do not wait on each other's latency), and in the gradient
// pass each load/store of g serves four rows. One row at a time with a single accumulator measured about half as
// fast.

// out = A x for A (rows × cols).
export function gemv(a: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const c2 = cols & ~1;
  const stride = (<usize>cols) * 8;
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = a + (<usize>i) * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    let j = 0;
    for (; j < c2; j += 2) {
      const o = (<usize>j) * 8;
      const xv = v128.load(x + o);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(r2 + o), xv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(r3 + o), xv));
    }
    let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
    let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
    let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
    if (j < cols) {
      const o = (<usize>j) * 8;
      const xj = load<f64>(x + o);
      s0 += load<f64>(r0 + o) * xj;
      s1 += load<f64>(r1 + o) * xj;
      s2 += load<f64>(r2 + o) * xj;
      s3 += load<f64>(r3 + o) * xj;
    }
    const q = out + (<usize>i) * 8;
    store<f64>(q, s0);
    store<f64>(q + 8, s1);
    store<f64>(q + 16, s2);
    store<f64>(q + 24, s3);
  }
  for (; i < rows; i++) {
    const row = a + (<usize>i) * stride;
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j < c2; j += 2) {
      acc = f64x2.add(acc, f64x2.mul(v128.load(row + (<usize>j) * 8), v128.load(x + (<usize>j) * 8)));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < cols; j++) s += load<f64>(row + (<usize>j) * 8) * load<f64>(x + (<usize>j) * 8);
    store<f64>(out + (<usize>i) * 8, s);
  }
}

// r = X w − y, g = Xᵀ r in one pass over the rows; returns ‖r‖².
export function residualAndGradient(x: usize, n: i32, d: i32, w: usize, y: usize, r: usize, g: usize): f64 {
  const d2 = d & ~1;
  const stride = (<usize>d) * 8;
  memory.fill(g, 0, stride);
  let rss: f64 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = x + (<usize>i) * stride;
    const x1 = x0 + stride;
    const x2 = x1 + stride;
    const x3 = x2 + stride;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    let j = 0;
    for (; j < d2; j += 2) {
      const o = (<usize>j) * 8;
      const wv = v128.load(w + o);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(x0 + o), wv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(x1 + o), wv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(x2 + o), wv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(x3 + o), wv));
    }
    let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
    let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
    let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
    if (j < d) {
      const o = (<usize>j) * 8;
      const wj = load<f64>(w + o);
      s0 += load<f64>(x0 + o) * wj;
      s1 += load<f64>(x1 + o) * wj;
      s2 += load<f64>(x2 + o) * wj;
      s3 += load<f64>(x3 + o) * wj;
    }
    const yo = y + (<usize>i) * 8;
    const q0 = s0 - load<f64>(yo);
    const q1 = s1 - load<f64>(yo + 8);
    const q2 = s2 - load<f64>(yo + 16);
    const q3 = s3 - load<f64>(yo + 24);
    const ro = r + (<usize>i) * 8;
    store<f64>(ro, q0);
    store<f64>(ro + 8, q1);
    store<f64>(ro + 16, q2);
    store<f64>(ro + 24, q3);
    rss += q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3;
    const v0 = f64x2.splat(q0);
    const v1 = f64x2.splat(q1);
    const v2 = f64x2.splat(q2);
    const v3 = f64x2.splat(q3);
    let k = 0;
    for (; k < d2; k += 2) {
      const o = (<usize>k) * 8;
      const p = g + o;
      const t = f64x2.add(
        f64x2.add(f64x2.mul(v0, v128.load(x0 + o)), f64x2.mul(v1, v128.load(x1 + o))),
        f64x2.add(f64x2.mul(v2, v128.load(x2 + o)), f64x2.mul(v3, v128.load(x3 + o))),
      );
      v128.store(p, f64x2.add(v128.load(p), t));
    }
    if (k < d) {
      const o = (<usize>k) * 8;
      const p = g + o;
      store<f64>(p, load<f64>(p) + (q0 * load<f64>(x0 + o) + q1 * load<f64>(x1 + o) + (q2 * load<f64>(x2 + o) + q3 * load<f64>(x3 + o))));
    }
  }
  for (; i < n; i++) {
    const row = x + (<usize>i) * stride;
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j < d2; j += 2) {
      acc = f64x2.add(acc, f64x2.mul(v128.load(row + (<usize>j) * 8), v128.load(w + (<usize>j) * 8)));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < d; j++) s += load<f64>(row + (<usize>j) * 8) * load<f64>(w + (<usize>j) * 8);
    const ri = s - load<f64>(y + (<usize>i) * 8);
    store<f64>(r + (<usize>i) * 8, ri);
    rss += ri * ri;
    if (ri == 0) continue;
    const rv = f64x2.splat(ri);
    let k = 0;
    for (; k < d2; k += 2) {
      const p = g + (<usize>k) * 8;
      v128.store(p, f64x2.add(v128.load(p), f64x2.mul(rv, v128.load(row + (<usize>k) * 8))));
    }
    for (; k < d; k++) {
      const p = g + (<usize>k) * 8;
      store<f64>(p, load<f64>(p) + ri * load<f64>(row + (<usize>k) * 8));
    }
  }
  return rss;
}
