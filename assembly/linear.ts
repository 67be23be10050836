// Hot least-squares loops in AssemblyScript with 128-bit SIMD (f64x2): y = A x and the fused
// residual + gradient pass r = Xw − y, g = Xᵀr. Twins of src/kernels/linear.ts (the reference).
// All arrays are float64, row-major, passed as byte offsets into this module's linear memory.

// out = A x for A (rows × cols).
export function gemv(a: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const c2 = cols & ~1;
  for (let i = 0; i < rows; i++) {
    const row = a + (<usize>i * <usize>cols) * 8;
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
  memory.fill(g, 0, (<usize>d) * 8);
  let rss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = x + (<usize>i * <usize>d) * 8;
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
