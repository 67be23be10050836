// Hot least-squares loops in AssemblyScript with 128-bit SIMD (f64x2): y = A x and the fused
// residual + gradient pass r = Xw − y, g = Xᵀr. Twins of src/kernels/linear.ts (the reference).
// All arrays are float64, row-major, passed as byte offsets into this module's linear memory.
//
// Rows are processed four at a time, as in the TypeScript twins: each load of x (or w) serves four rows, the four
// dot products are independent accumulators (so the adds do not wait on each other's latency), and in the gradient
// pass each load/store of g serves four rows. One row at a time with a single accumulator measured about half as
// fast.

// The four dot products ⟨row_k, x⟩ of the rows starting at r0 (stride bytes apart), stored at out … out + 24.
// @inline: the compiler pastes it into each caller, so the loops cost what they did written out.
@inline
function dot4(r0: usize, stride: usize, x: usize, cols: i32, out: usize): void {
  const c2 = cols & ~1;
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
  store<f64>(out, s0);
  store<f64>(out + 8, s1);
  store<f64>(out + 16, s2);
  store<f64>(out + 24, s3);
}

// ⟨row, x⟩ over cols entries.
@inline
function dot1(row: usize, x: usize, cols: i32): f64 {
  const c2 = cols & ~1;
  let acc = f64x2.splat(0);
  let j = 0;
  for (; j < c2; j += 2) {
    acc = f64x2.add(acc, f64x2.mul(v128.load(row + (<usize>j) * 8), v128.load(x + (<usize>j) * 8)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; j < cols; j++) s += load<f64>(row + (<usize>j) * 8) * load<f64>(x + (<usize>j) * 8);
  return s;
}

// out = A x for A (rows × cols).
export function gemv(a: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const stride = (<usize>cols) * 8;
  let i = 0;
  for (; i + 3 < rows; i += 4) dot4(a + (<usize>i) * stride, stride, x, cols, out + (<usize>i) * 8);
  for (; i < rows; i++) store<f64>(out + (<usize>i) * 8, dot1(a + (<usize>i) * stride, x, cols));
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
    const ro = r + (<usize>i) * 8;
    dot4(x0, stride, w, d, ro); // ⟨x_i, w⟩ into r, then r −= y
    const yo = y + (<usize>i) * 8;
    const q0 = load<f64>(ro) - load<f64>(yo);
    const q1 = load<f64>(ro + 8) - load<f64>(yo + 8);
    const q2 = load<f64>(ro + 16) - load<f64>(yo + 16);
    const q3 = load<f64>(ro + 24) - load<f64>(yo + 24);
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
    const s = dot1(row, w, d);
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

// One pass over W (rows × cols) for a deep linear network's GD step: W ← W − step · a hᵀ row by row, and
// out = Wᵀ v with the updated rows (twin of rankOneUpdateGemvT in src/kernels/linear.ts, same association, so the
// lanes compute exactly what the TypeScript twin computes). step = 0: out = Wᵀ v alone.
export function rankOneUpdateGemvT(w: usize, rows: i32, cols: i32, a: usize, step: f64, h: usize, v: usize, out: usize): void {
  const c2 = cols & ~1;
  const stride = (<usize>cols) * 8;
  memory.fill(out, 0, stride);
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const o0 = w + (<usize>i) * stride;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    const ao = a + (<usize>i) * 8;
    const s0 = step * load<f64>(ao);
    const s1 = step * load<f64>(ao + 8);
    const s2 = step * load<f64>(ao + 16);
    const s3 = step * load<f64>(ao + 24);
    const vo = v + (<usize>i) * 8;
    const v0 = load<f64>(vo);
    const v1 = load<f64>(vo + 8);
    const v2 = load<f64>(vo + 16);
    const v3 = load<f64>(vo + 24);
    const vv0 = f64x2.splat(v0);
    const vv1 = f64x2.splat(v1);
    const vv2 = f64x2.splat(v2);
    const vv3 = f64x2.splat(v3);
    let k = 0;
    if (s0 != 0 || s1 != 0 || s2 != 0 || s3 != 0) {
      const ss0 = f64x2.splat(s0);
      const ss1 = f64x2.splat(s1);
      const ss2 = f64x2.splat(s2);
      const ss3 = f64x2.splat(s3);
      for (; k < c2; k += 2) {
        const o = (<usize>k) * 8;
        const hk = v128.load(h + o);
        const w0 = f64x2.sub(v128.load(o0 + o), f64x2.mul(ss0, hk));
        const w1 = f64x2.sub(v128.load(o1 + o), f64x2.mul(ss1, hk));
        const w2 = f64x2.sub(v128.load(o2 + o), f64x2.mul(ss2, hk));
        const w3 = f64x2.sub(v128.load(o3 + o), f64x2.mul(ss3, hk));
        v128.store(o0 + o, w0);
        v128.store(o1 + o, w1);
        v128.store(o2 + o, w2);
        v128.store(o3 + o, w3);
        const p = out + o;
        const t = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(vv0, w0), f64x2.mul(vv1, w1)), f64x2.mul(vv2, w2)), f64x2.mul(vv3, w3));
        v128.store(p, f64x2.add(v128.load(p), t));
      }
      if (k < cols) {
        const o = (<usize>k) * 8;
        const hk = load<f64>(h + o);
        const w0 = load<f64>(o0 + o) - s0 * hk;
        const w1 = load<f64>(o1 + o) - s1 * hk;
        const w2 = load<f64>(o2 + o) - s2 * hk;
        const w3 = load<f64>(o3 + o) - s3 * hk;
        store<f64>(o0 + o, w0);
        store<f64>(o1 + o, w1);
        store<f64>(o2 + o, w2);
        store<f64>(o3 + o, w3);
        const p = out + o;
        store<f64>(p, load<f64>(p) + (v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3));
      }
      continue;
    }
    for (; k < c2; k += 2) {
      const o = (<usize>k) * 8;
      const p = out + o;
      const t = f64x2.add(
        f64x2.add(f64x2.add(f64x2.mul(vv0, v128.load(o0 + o)), f64x2.mul(vv1, v128.load(o1 + o))), f64x2.mul(vv2, v128.load(o2 + o))),
        f64x2.mul(vv3, v128.load(o3 + o)),
      );
      v128.store(p, f64x2.add(v128.load(p), t));
    }
    if (k < cols) {
      const o = (<usize>k) * 8;
      const p = out + o;
      store<f64>(p, load<f64>(p) + (v0 * load<f64>(o0 + o) + v1 * load<f64>(o1 + o) + v2 * load<f64>(o2 + o) + v3 * load<f64>(o3 + o)));
    }
  }
  for (; i < rows; i++) {
    const row = w + (<usize>i) * stride;
    const si = step * load<f64>(a + (<usize>i) * 8);
    let k = 0;
    if (si != 0) {
      const ss = f64x2.splat(si);
      for (; k < c2; k += 2) {
        const o = (<usize>k) * 8;
        v128.store(row + o, f64x2.sub(v128.load(row + o), f64x2.mul(ss, v128.load(h + o))));
      }
      for (; k < cols; k++) {
        const o = (<usize>k) * 8;
        store<f64>(row + o, load<f64>(row + o) - si * load<f64>(h + o));
      }
    }
    const vi = load<f64>(v + (<usize>i) * 8);
    if (vi == 0) continue;
    const vv = f64x2.splat(vi);
    k = 0;
    for (; k < c2; k += 2) {
      const p = out + (<usize>k) * 8;
      v128.store(p, f64x2.add(v128.load(p), f64x2.mul(vv, v128.load(row + (<usize>k) * 8))));
    }
    for (; k < cols; k++) {
      const p = out + (<usize>k) * 8;
      store<f64>(p, load<f64>(p) + vi * load<f64>(row + (<usize>k) * 8));
    }
  }
}

// One GD step of the diagonal network β = w⁺⊙v⁺ − w⁻⊙v⁻ from the unscaled gradient G = Xᵀr (twin of diagonalStep in
// src/kernels/linear.ts; the same operations in the same order, so both kernels give identical numbers):
// g = scale·G, w⁺ −= lr·g⊙v⁺, v⁺ −= lr·g⊙w⁺, w⁻ += lr·g⊙v⁻, v⁻ += lr·g⊙w⁻ (simultaneously), β = w⁺⊙v⁺ − w⁻⊙v⁻, acc += g.
export function diagonalStep(wp: usize, vp: usize, wm: usize, vm: usize, beta: usize, acc: usize, g: usize, d: i32, scale: f64, lr: f64): void {
  const d2 = d & ~1;
  const sc = f64x2.splat(scale);
  const lv = f64x2.splat(lr);
  let i = 0;
  for (; i < d2; i += 2) {
    const o = (<usize>i) * 8;
    const gi = f64x2.mul(sc, v128.load(g + o));
    const step = f64x2.mul(lv, gi);
    const a = v128.load(wp + o);
    const b = v128.load(vp + o);
    const c = v128.load(wm + o);
    const e = v128.load(vm + o);
    const a1 = f64x2.sub(a, f64x2.mul(step, b));
    const b1 = f64x2.sub(b, f64x2.mul(step, a));
    const c1 = f64x2.add(c, f64x2.mul(step, e));
    const e1 = f64x2.add(e, f64x2.mul(step, c));
    v128.store(wp + o, a1);
    v128.store(vp + o, b1);
    v128.store(wm + o, c1);
    v128.store(vm + o, e1);
    v128.store(beta + o, f64x2.sub(f64x2.mul(a1, b1), f64x2.mul(c1, e1)));
    v128.store(acc + o, f64x2.add(v128.load(acc + o), gi));
  }
  for (; i < d; i++) {
    const o = (<usize>i) * 8;
    const gi = scale * load<f64>(g + o);
    const step = lr * gi;
    const a = load<f64>(wp + o);
    const b = load<f64>(vp + o);
    const c = load<f64>(wm + o);
    const e = load<f64>(vm + o);
    const a1 = a - step * b;
    const b1 = b - step * a;
    const c1 = c + step * e;
    const e1 = e + step * c;
    store<f64>(wp + o, a1);
    store<f64>(vp + o, b1);
    store<f64>(wm + o, c1);
    store<f64>(vm + o, e1);
    store<f64>(beta + o, a1 * b1 - c1 * e1);
    store<f64>(acc + o, load<f64>(acc + o) + gi);
  }
}
