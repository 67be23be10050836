/**
 * Two-layer ReLU networks in the NTK parameterisation (Du et al. 2019; Arora et al. 2019; Shachaf et al.
 * digest §5): f_W(x) = (1/√m) Σ_r a_r ReLU(w_rᵀx), readout a_r ∈ {±1} fixed, first layer W trained.
 * Initialised antisymmetrically (neurons in pairs with equal w_r and opposite a_r) so that f ≡ 0 at
 * initialisation while the neural tangent kernel is that of an i.i.d. N(0, I) first layer.
 *
 * Also the empirical NTK at weights W, K(x, x') = xᵀx' · (1/m) #{r : w_rᵀx ≥ 0, w_rᵀx' ≥ 0}, and its
 * infinite-width limit H(x, x') = xᵀx' (π − arccos xᵀx')/(2π) for unit-norm inputs.
 */
import { type Mat, zeros } from '../numeric/matrix.js';
import type { Rng } from '../numeric/rng.js';

export interface TwoLayerRelu {
  /** m × d first-layer weights (row r is w_r). */
  w: Mat;
  /** Fixed readout signs a_r. */
  a: Float64Array;
}

/** Antisymmetric N(0, I) initialisation of width m (m even). */
export function initTwoLayerRelu(d: number, m: number, rng: Rng): TwoLayerRelu {
  if (!Number.isInteger(m) || m < 2 || m % 2 !== 0) throw new RangeError(`width: expected an even integer ≥ 2 (got ${m})`);
  const w = zeros(m, d);
  const a = new Float64Array(m);
  for (let r = 0; r < m; r += 2) {
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      w.data[r * d + j] = v;
      w.data[(r + 1) * d + j] = v;
    }
    const s = rng.sign();
    a[r] = s;
    a[r + 1] = -s;
  }
  return { w, a };
}

export function cloneRelu(net: TwoLayerRelu): TwoLayerRelu {
  return { w: { rows: net.w.rows, cols: net.w.cols, data: Float64Array.from(net.w.data) }, a: Float64Array.from(net.a) };
}

/** Pre-activations Z = X Wᵀ (n × m). */
export function preActivations(net: TwoLayerRelu, x: Mat, out = new Float64Array(x.rows * net.w.rows)): Float64Array {
  const m = net.w.rows;
  const d = x.cols;
  for (let i = 0; i < x.rows; i++) {
    const xo = i * d;
    for (let r = 0; r < m; r++) {
      const wo = r * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += x.data[xo + j] * net.w.data[wo + j];
      out[i * m + r] = s;
    }
  }
  return out;
}

/** Network outputs on the rows of X. */
export function reluForward(net: TwoLayerRelu, x: Mat): Float64Array {
  const m = net.w.rows;
  const z = preActivations(net, x);
  const out = new Float64Array(x.rows);
  const scale = 1 / Math.sqrt(m);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let r = 0; r < m; r++) {
      const v = z[i * m + r];
      if (v > 0) s += net.a[r] * v;
    }
    out[i] = s * scale;
  }
  return out;
}

/** Empirical NTK between the rows of A and B at the network's weights. */
export function empiricalNtk(net: TwoLayerRelu, xa: Mat, xb: Mat): Mat {
  const m = net.w.rows;
  const za = preActivations(net, xa);
  const zb = preActivations(net, xb);
  const k = zeros(xa.rows, xb.rows);
  const d = xa.cols;
  for (let i = 0; i < xa.rows; i++) {
    for (let j = 0; j < xb.rows; j++) {
      let both = 0;
      for (let r = 0; r < m; r++) if (za[i * m + r] >= 0 && zb[j * m + r] >= 0) both += net.a[r] * net.a[r];
      let ip = 0;
      for (let c = 0; c < d; c++) ip += xa.data[i * d + c] * xb.data[j * d + c];
      k.data[i * xb.rows + j] = (ip * both) / m;
    }
  }
  return k;
}

/** Infinite-width NTK of the first layer for unit-norm inputs: H = xᵀx' (π − arccos xᵀx')/(2π). */
export function analyticNtk(xa: Mat, xb: Mat): Mat {
  const d = xa.cols;
  const h = zeros(xa.rows, xb.rows);
  for (let i = 0; i < xa.rows; i++) {
    for (let j = 0; j < xb.rows; j++) {
      let ip = 0;
      for (let c = 0; c < d; c++) ip += xa.data[i * d + c] * xb.data[j * d + c];
      const u = Math.max(-1, Math.min(1, ip));
      h.data[i * xb.rows + j] = (u * (Math.PI - Math.acos(u))) / (2 * Math.PI);
    }
  }
  return h;
}

/** n points uniform on the unit sphere in R^d, as rows. */
export function sphereInputs(n: number, d: number, rng: Rng): Mat {
  const x = zeros(n, d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    while (norm === 0) {
      for (let j = 0; j < d; j++) x.data[i * d + j] = rng.normal();
      norm = Math.hypot(...x.data.subarray(i * d, (i + 1) * d));
    }
    for (let j = 0; j < d; j++) x.data[i * d + j] /= norm;
  }
  return x;
}
