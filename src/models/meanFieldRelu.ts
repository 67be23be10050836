/**
 * Two-layer ReLU networks in the mean-field parameterisation (Tahir, Ganguli & Rotskoff 2025, digest §6):
 * f(x) = (1/m) Σ_i c_i relu(w_iᵀx), and the exact population quantities of sums of ReLU neurons under
 * x ~ N(0, I_d) through the degree-1 arc-cosine kernel (Cho & Saul 2009; digest eq. 167)
 *
 *   E_x[relu(wᵀx) relu(vᵀx)] = ‖w‖‖v‖ κ(u),   κ(u) = (√(1 − u²) + u(π − arccos u)) / (2π),   u = cos∠(w, v),
 *
 * which holds for any norms (relu is positively homogeneous). Everything here is exact: the population risk
 * E(f − g)² of two neuron sums, its gradient with respect to the student's weights (for pretraining on the
 * population loss), and the out-of-span norm ‖P⊥f‖² of a target neuron sum with respect to the span of a
 * set of neurons (a Gram-matrix solve, digest eqs. 166–173), optionally ridge-regularised.
 *
 * A neuron sum is stored as `NeuronSum { k, d, w (k×d row-major), a (k) }`, f(x) = Σ_j a_j relu(w_jᵀx);
 * a mean-field network is the neuron sum with a_j = c_j / m. Hot loops run on Float64Array, row-major,
 * with caller-supplied workspaces so a training loop allocates nothing per step.
 */
import { type Mat, zeros } from '../numeric/matrix.js';
import { cholSolve, symEig } from '../numeric/linalg.js';
import type { Rng } from '../numeric/rng.js';
import { dotFourRows } from '../kernels/linear.js';

const INV_TWO_PI = 1 / (2 * Math.PI);

/** f(x) = Σ_j a_j relu(w_jᵀx): k neurons in d dimensions, w row-major k×d. */
export interface NeuronSum {
  readonly k: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly a: Float64Array;
}

/** Mean-field two-layer ReLU network f(x) = (1/m) Σ_i c_i relu(w_iᵀx); w row-major m×d. */
export interface MeanFieldRelu {
  readonly m: number;
  readonly d: number;
  readonly w: Float64Array;
  readonly c: Float64Array;
}

/** κ(u) = (√(1 − u²) + u(π − arccos u))/(2π), the normalised degree-1 arc-cosine kernel (u clamped to [−1, 1]). */
export function arcCosKappa(u: number): number {
  const v = u > 1 ? 1 : u < -1 ? -1 : u;
  return (Math.sqrt(1 - v * v) + v * (Math.PI - Math.acos(v))) * INV_TWO_PI;
}

/** E_x[relu(wᵀx) relu(vᵀx)] for x ~ N(0, I): ‖w‖‖v‖κ(cos∠(w, v)); 0 if either vector is 0. */
export function reluKernel(w: ArrayLike<number>, v: ArrayLike<number>): number {
  let ww = 0;
  let vv = 0;
  let wv = 0;
  for (let j = 0; j < w.length; j++) {
    ww += w[j] * w[j];
    vv += v[j] * v[j];
    wv += w[j] * v[j];
  }
  const nw = Math.sqrt(ww);
  const nv = Math.sqrt(vv);
  if (nw === 0 || nv === 0) return 0;
  return nw * nv * arcCosKappa(wv / (nw * nv));
}

function rowNorms(w: Float64Array, k: number, d: number, out: Float64Array = new Float64Array(k)): Float64Array {
  for (let i = 0; i < k; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += w[o + j] * w[o + j];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Dot product of row i of A and row j of B (length d), four accumulators. */
function rowDot(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < d; t += 4) {
    s0 += a[ao + t] * b[bo + t];
    s1 += a[ao + t + 1] * b[bo + t + 1];
    s2 += a[ao + t + 2] * b[bo + t + 2];
    s3 += a[ao + t + 3] * b[bo + t + 3];
  }
  for (; t < d; t++) s0 += a[ao + t] * b[bo + t];
  return s0 + s1 + s2 + s3;
}

/**
 * out[oo + q] = a_rowᵀ b_{r+q} for the `count` consecutive rows r, r+1, … of B (all rows length d), four
 * rows of B per pass so each load of the A row serves four products.
 */
function dotsWithRows(a: Float64Array, ao: number, b: Float64Array, r: number, count: number, d: number, out: Float64Array, oo: number): void {
  let q = 0;
  for (; q + 3 < count; q += 4) dotFourRows(b, r + q, d, a, ao, out, oo + q);
  for (; q < count; q++) out[oo + q] = rowDot(a, ao, b, (r + q) * d, d);
}

/**
 * out[oo .. oo+d) += Σ_q coef[co + q] · b_q over the `count` rows of B (length d each), eight rows per
 * pass so each load and store of the output serves eight rows.
 */
function combineRows(out: Float64Array, oo: number, coef: Float64Array, co: number, b: Float64Array, count: number, d: number): void {
  let q = 0;
  for (; q + 7 < count; q += 8) {
    const c0 = coef[co + q];
    const c1 = coef[co + q + 1];
    const c2 = coef[co + q + 2];
    const c3 = coef[co + q + 3];
    const c4 = coef[co + q + 4];
    const c5 = coef[co + q + 5];
    const c6 = coef[co + q + 6];
    const c7 = coef[co + q + 7];
    if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0 && c4 === 0 && c5 === 0 && c6 === 0 && c7 === 0) continue;
    const b0 = q * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    const b4 = b3 + d;
    const b5 = b4 + d;
    const b6 = b5 + d;
    const b7 = b6 + d;
    for (let t = 0; t < d; t++) {
      out[oo + t] += c0 * b[b0 + t] + c1 * b[b1 + t] + c2 * b[b2 + t] + c3 * b[b3 + t] + c4 * b[b4 + t] + c5 * b[b5 + t] + c6 * b[b6 + t] + c7 * b[b7 + t];
    }
  }
  for (; q < count; q++) {
    const c = coef[co + q];
    if (c === 0) continue;
    const bo = q * d;
    for (let t = 0; t < d; t++) out[oo + t] += c * b[bo + t];
  }
}

/** Copy the strict upper triangle of the m×m row-major matrix onto its lower triangle (blocked). */
function mirrorUpper(g: Float64Array, m: number): void {
  const B = 64;
  for (let ib = 0; ib < m; ib += B) {
    const ie = Math.min(ib + B, m);
    for (let jb = ib; jb < m; jb += B) {
      const je = Math.min(jb + B, m);
      for (let i = ib; i < ie; i++) for (let j = Math.max(jb, i + 1); j < je; j++) g[j * m + i] = g[i * m + j];
    }
  }
}

/** The kernel matrix K_ij = E[relu(a_iᵀx) relu(b_jᵀx)] between the rows of A (p×d) and B (q×d). */
export function reluKernelMatrix(a: Float64Array, p: number, b: Float64Array, q: number, d: number): Mat {
  const na = rowNorms(a, p, d);
  const nb = rowNorms(b, q, d);
  const k = zeros(p, q);
  const same = a === b && p === q;
  for (let i = 0; i < p; i++) {
    for (let j = same ? i : 0; j < q; j++) {
      const den = na[i] * nb[j];
      const v = den === 0 ? 0 : i === j && same ? 0.5 * den : den * arcCosKappa(rowDot(a, i * d, b, j * d, d) / den);
      k.data[i * q + j] = v;
      if (same) k.data[j * q + i] = v;
    }
  }
  return k;
}

/** ‖f‖² = E f(x)² of a neuron sum, exactly. */
export function neuronSumNorm2(f: NeuronSum): number {
  const k = reluKernelMatrix(f.w, f.k, f.w, f.k, f.d);
  return quadForm(k, f.a, f.a);
}

function quadForm(k: Mat, x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < k.rows; i++) {
    let r = 0;
    const o = i * k.cols;
    for (let j = 0; j < k.cols; j++) r += k.data[o + j] * y[j];
    s += x[i] * r;
  }
  return s;
}

/** The mean-field network as a neuron sum (a_i = c_i / m); shares w. */
export function asNeuronSum(net: MeanFieldRelu): NeuronSum {
  return { k: net.m, d: net.d, w: net.w, a: net.c.map((c) => c / net.m) };
}

/** Exact population risk E_x(f(x) − g(x))², x ~ N(0, I_d), of two neuron sums. */
export function populationRisk(f: NeuronSum, g: NeuronSum): number {
  if (f.d !== g.d) throw new RangeError(`populationRisk: dimensions ${f.d} and ${g.d} differ`);
  const kff = reluKernelMatrix(f.w, f.k, f.w, f.k, f.d);
  const kfg = reluKernelMatrix(f.w, f.k, g.w, g.k, f.d);
  const kgg = reluKernelMatrix(g.w, g.k, g.w, g.k, g.d);
  return quadForm(kff, f.a, f.a) - 2 * quadForm(kfg, f.a, g.a) + quadForm(kgg, g.a, g.a);
}

/**
 * The risk E(Σ_i u_i relu(w_iᵀx) − f_t(x))² of output weights u on fixed features, from the feature Gram
 * matrix K (K_ij = E h_i h_j), the cross vector b_i = E[h_i f_t] and ‖f_t‖²: uᵀKu − 2uᵀb + ‖f_t‖².
 */
export function riskOnFeatures(kff: Mat, b: ArrayLike<number>, targetNorm2: number, u: ArrayLike<number>): number {
  return quadForm(kff, u, u) - 2 * dotArr(u, b) + targetNorm2;
}

function dotArr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** b_i = E[relu(w_iᵀx) f(x)] for the rows of W (p×d) against a neuron sum f. */
export function crossVector(w: Float64Array, p: number, f: NeuronSum): Float64Array {
  const k = reluKernelMatrix(w, p, f.w, f.k, f.d);
  const b = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < f.k; j++) s += k.data[i * f.k + j] * f.a[j];
    b[i] = s;
  }
  return b;
}

export interface OutOfSpan {
  /** ‖f − Σ u_i h_i‖² at the (ridge) projection u; equals ‖P⊥f‖² when ridge = 0. */
  value: number;
  /** The projection's output weights. */
  u: Float64Array;
}

/**
 * Out-of-span norm of a target neuron sum f with respect to the span of the features h_i(x) = relu(w_iᵀx),
 * rows of W (p×d), in L²(N(0, I)) (digest §6, eqs. 166–173):
 *   ridge = 0: ‖P⊥f‖² = ‖f‖² − bᵀK⁺b (K the feature Gram, b_i = E[h_i f]; eigenvalues of K below
 *              rcond·λ_max are treated as zero);
 *   ridge λ > 0: the risk ‖f − Σ u_i h_i‖² of u = (K + λI)⁻¹b, the n → ∞ limit of ridge regression
 *              min (1/n)Σ(Σ u_i h_i(x_j) − f(x_j))² + λ‖u‖² on the same features.
 * Precomputed K (and b) may be passed to avoid recomputing them.
 */
export function outOfSpanNorm(
  w: Float64Array,
  p: number,
  f: NeuronSum,
  options: { ridge?: number; rcond?: number; gram?: Mat; cross?: Float64Array; targetNorm2?: number } = {},
): OutOfSpan {
  const ridge = options.ridge ?? 0;
  const tt = options.targetNorm2 ?? neuronSumNorm2(f);
  if (p === 0) return { value: tt, u: new Float64Array(0) };
  const k = options.gram ?? reluKernelMatrix(w, p, w, p, f.d);
  const b = options.cross ?? crossVector(w, p, f);
  let u: Float64Array;
  if (ridge > 0) {
    const kr = zeros(p, p);
    kr.data.set(k.data);
    for (let i = 0; i < p; i++) kr.data[i * p + i] += ridge;
    u = cholSolve(kr, b);
  } else {
    const { values, vectors } = symEig(k);
    const cut = (options.rcond ?? 1e-12) * Math.max(values[0] ?? 0, 0);
    u = new Float64Array(p);
    for (let c = 0; c < p; c++) {
      if (!(values[c] > cut)) continue;
      let proj = 0;
      for (let i = 0; i < p; i++) proj += vectors.data[i * p + c] * b[i];
      proj /= values[c];
      for (let i = 0; i < p; i++) u[i] += proj * vectors.data[i * p + c];
    }
  }
  // A squared distance: clamp the round-off below zero.
  return { value: Math.max(0, riskOnFeatures(k, b, tt, u)), u };
}

/**
 * Mean-field initialisation at scale α: w_i ~ N(0, α² I_d / d), c_i ~ N(0, α²). Small α is the rich
 * (feature-learning) regime: f ≈ 0 at the start and neurons that the task does not recruit stay small.
 */
export function initMeanFieldRelu(d: number, m: number, scale: number, rng: Rng): MeanFieldRelu {
  const w = new Float64Array(m * d);
  const c = new Float64Array(m);
  const sw = scale / Math.sqrt(d);
  for (let i = 0; i < m * d; i++) w[i] = sw * rng.normal();
  for (let i = 0; i < m; i++) c[i] = scale * rng.normal();
  return { m, d, w, c };
}

export function cloneMeanField(net: MeanFieldRelu): MeanFieldRelu {
  return { m: net.m, d: net.d, w: Float64Array.from(net.w), c: Float64Array.from(net.c) };
}

/** Network outputs on the rows of X (n×d). `z` (m·n) receives the pre-activations, neuron-major. */
export function meanFieldForward(net: MeanFieldRelu, x: Mat, out = new Float64Array(x.rows), z = new Float64Array(net.m * x.rows)): Float64Array {
  preActivationsT(net, x, z);
  outputsFromZ(net, z, x.rows, out);
  return out;
}

/** Z (m×n, neuron-major): Z[i·n + j] = w_iᵀx_j. */
function preActivationsT(net: MeanFieldRelu, x: Mat, z: Float64Array): void {
  const { m, d, w } = net;
  const n = x.rows;
  for (let i = 0; i < m; i++) dotsWithRows(w, i * d, x.data, 0, n, d, z, i * n);
}

function outputsFromZ(net: MeanFieldRelu, z: Float64Array, n: number, out: Float64Array): void {
  out.fill(0);
  const { m, c } = net;
  for (let i = 0; i < m; i++) {
    const ci = c[i] / m;
    if (ci === 0) continue;
    const zo = i * n;
    for (let j = 0; j < n; j++) {
      const v = z[zo + j];
      if (v > 0) out[j] += ci * v;
    }
  }
}

/** Preallocated buffers for the empirical loss on n samples. */
export interface EmpiricalWorkspace {
  z: Float64Array;
  f: Float64Array;
  r: Float64Array;
  coef: Float64Array;
}

export function empiricalWorkspace(m: number, n: number): EmpiricalWorkspace {
  return { z: new Float64Array(m * n), f: new Float64Array(n), r: new Float64Array(n), coef: new Float64Array(n) };
}

/**
 * Empirical loss L = (1/n) Σ_j (f(x_j) − y_j)² and its gradient (into gw, gc):
 *   ∂L/∂c_i = (2/(nm)) Σ_j r_j relu(w_iᵀx_j),   ∂L/∂w_i = (2c_i/(nm)) Σ_j r_j 1[w_iᵀx_j > 0] x_j,   r = f − y.
 * No allocation: every buffer comes from `ws`.
 */
export function empiricalLossAndGrad(net: MeanFieldRelu, x: Mat, y: ArrayLike<number>, gw: Float64Array, gc: Float64Array, ws: EmpiricalWorkspace): number {
  const { m, d, c } = net;
  const n = x.rows;
  const { z, f, r, coef } = ws;
  preActivationsT(net, x, z);
  outputsFromZ(net, z, n, f);
  let loss = 0;
  for (let j = 0; j < n; j++) {
    r[j] = f[j] - y[j];
    loss += r[j] * r[j];
  }
  loss /= n;
  const s = 2 / (n * m);
  gw.fill(0);
  for (let i = 0; i < m; i++) {
    const zo = i * n;
    const ci = c[i] * s;
    let gci = 0;
    for (let j = 0; j < n; j++) {
      const v = z[zo + j];
      if (v > 0) {
        gci += r[j] * v;
        coef[j] = ci * r[j];
      } else coef[j] = 0;
    }
    gc[i] = s * gci;
    if (ci !== 0) combineRows(gw, i * d, coef, 0, x.data, n, d);
  }
  return loss;
}

/** Preallocated buffers for the population loss of an m-neuron student against a k-neuron target. */
export interface PopulationWorkspace {
  /** m×m: the student Gram W Wᵀ (upper triangle), overwritten by the symmetric coefficients (2c_ic_j/m²)(π − θ_ij)/(2π). */
  pair: Float64Array;
  /** m×k: cross dot products, overwritten by −(2c_ia_j/m)(π − θ_ij)/(2π). */
  cross: Float64Array;
  norms: Float64Array;
  targetNorms: Float64Array;
  /** Σ_j c_j K_ij (m). */
  kc: Float64Array;
  /** Σ_j a_j K(w_i, v_j) (m). */
  kt: Float64Array;
  /** Σ_j c_j‖w_j‖ sin θ_ij/(2π) and Σ_j a_j‖v_j‖ sin θ_ij/(2π): coefficients of ŵ_i in the gradient (m each). */
  radial: Float64Array;
  radialTarget: Float64Array;
}

export function populationWorkspace(m: number, k: number): PopulationWorkspace {
  return {
    pair: new Float64Array(m * m),
    cross: new Float64Array(m * k),
    norms: new Float64Array(m),
    targetNorms: new Float64Array(k),
    kc: new Float64Array(m),
    kt: new Float64Array(m),
    radial: new Float64Array(m),
    radialTarget: new Float64Array(m),
  };
}

/**
 * Exact population loss L = E_x (f(x) − g(x))², x ~ N(0, I_d), of the mean-field student f against a
 * target neuron sum g, and its gradient (into gw, gc). With K(w, v) = ‖w‖‖v‖κ(u), θ = arccos u,
 *   ∇_w K(w, v) = ((π − θ)/(2π)) v + (‖v‖ sin θ/(2π)) ŵ,
 * so, with K_ij between students and T_ij between student i and target neuron j,
 *   L = (1/m²) cᵀKc − (2/m) cᵀTa + ‖g‖²,
 *   ∂L/∂c_i = (2/m²)(Kc)_i − (2/m)(Ta)_i,
 *   ∂L/∂w_i = (2c_i/m²)[Σ_j c_j(π − θ_ij)/(2π) w_j + ŵ_i Σ_j c_j‖w_j‖ sin θ_ij/(2π)]
 *           − (2c_i/m)[Σ_j a_j(π − θ'_ij)/(2π) v_j + ŵ_i Σ_j a_j‖v_j‖ sin θ'_ij/(2π)]
 * (the j = i term has θ = 0: it contributes c_i² w_i/m², the gradient of c_i²‖w_i‖²/(2m²)).
 * Cost O(m²d + mkd); no allocation. `targetNorm2` = ‖g‖², a constant added to the loss.
 */
export function populationLossAndGrad(
  net: MeanFieldRelu,
  target: NeuronSum,
  targetNorm2: number,
  gw: Float64Array,
  gc: Float64Array,
  ws: PopulationWorkspace,
): number {
  const { m, d, w, c } = net;
  const k = target.k;
  const v = target.w;
  const a = target.a;
  const { pair, cross, norms, targetNorms, kc, kt, radial, radialTarget } = ws;
  const m2 = m * m;
  rowNorms(w, m, d, norms);
  rowNorms(v, k, d, targetNorms);
  for (let i = 0; i + 1 < m; i++) dotsWithRows(w, i * d, w, i + 1, m - i - 1, d, pair, i * m + i + 1);
  for (let i = 0; i < m; i++) dotsWithRows(w, i * d, v, 0, k, d, cross, i * k);
  kc.fill(0);
  radial.fill(0);
  for (let i = 0; i < m; i++) {
    const ni = norms[i];
    const ci = c[i];
    const po = i * m;
    pair[po + i] = (ci * ci) / m2; // (2c_i²/m²)·(π − 0)/(2π)
    kc[i] += ci * 0.5 * ni * ni;
    for (let j = i + 1; j < m; j++) {
      const nj = norms[j];
      const den = ni * nj;
      let theta = Math.PI / 2;
      let sin = 1;
      let kij = 0;
      if (den > 0) {
        let u = pair[po + j] / den;
        u = u > 1 ? 1 : u < -1 ? -1 : u;
        theta = Math.acos(u);
        sin = Math.sqrt(1 - u * u);
        kij = den * (sin + u * (Math.PI - theta)) * INV_TWO_PI;
      }
      const coef = ((2 * ci * c[j]) / m2) * (Math.PI - theta) * INV_TWO_PI;
      pair[po + j] = coef;
      kc[i] += c[j] * kij;
      kc[j] += ci * kij;
      const sn = sin * INV_TWO_PI;
      radial[i] += c[j] * nj * sn;
      radial[j] += ci * ni * sn;
    }
  }
  mirrorUpper(pair, m);
  kt.fill(0);
  radialTarget.fill(0);
  for (let i = 0; i < m; i++) {
    const ni = norms[i];
    const co = i * k;
    const st = (2 * c[i]) / m;
    for (let j = 0; j < k; j++) {
      const nj = targetNorms[j];
      const den = ni * nj;
      let theta = Math.PI / 2;
      let sin = 1;
      let kij = 0;
      if (den > 0) {
        let u = cross[co + j] / den;
        u = u > 1 ? 1 : u < -1 ? -1 : u;
        theta = Math.acos(u);
        sin = Math.sqrt(1 - u * u);
        kij = den * (sin + u * (Math.PI - theta)) * INV_TWO_PI;
      }
      cross[co + j] = -st * a[j] * (Math.PI - theta) * INV_TWO_PI;
      kt[i] += a[j] * kij;
      radialTarget[i] += a[j] * nj * sin * INV_TWO_PI;
    }
  }
  let ckc = 0;
  let ckt = 0;
  for (let i = 0; i < m; i++) {
    ckc += c[i] * kc[i];
    ckt += c[i] * kt[i];
  }
  const loss = ckc / m2 - (2 / m) * ckt + targetNorm2;
  gw.fill(0);
  for (let i = 0; i < m; i++) {
    const go = i * d;
    if (c[i] === 0) continue;
    combineRows(gw, go, pair, i * m, w, m, d);
    combineRows(gw, go, cross, i * k, v, k, d);
    const ni = norms[i];
    if (ni > 0) {
      const coef = ((2 * c[i]) / m2) * radial[i] / ni - ((2 * c[i]) / m) * radialTarget[i] / ni;
      for (let t = 0; t < d; t++) gw[go + t] += coef * w[go + t];
    }
  }
  for (let i = 0; i < m; i++) gc[i] = (2 / m2) * kc[i] - (2 / m) * kt[i];
  return loss;
}

/**
 * Ridge refit of the output layer on frozen features h_i(x) = relu(w_iᵀx) (linear transfer):
 *   u = argmin (1/n)‖Hu − y‖² + λ‖u‖²,   H_ji = h_i(x_j),
 * solved exactly: u = Hᵀ(HHᵀ + nλI)⁻¹y when n ≤ p (dual), (HᵀH + nλI)⁻¹Hᵀy otherwise; λ = 0 gives the
 * minimum-norm least-squares solution (pseudo-inverse through the smaller Gram matrix). The network
 * output is f(x) = Σ_i u_i h_i(x), i.e. c = m·u in the mean-field parameterisation.
 */
export function refitOutputLayer(w: Float64Array, p: number, d: number, x: Mat, y: ArrayLike<number>, ridge: number): Float64Array {
  if (x.cols !== d) throw new RangeError(`refitOutputLayer: inputs have ${x.cols} columns, expected ${d}`);
  const n = x.rows;
  const h = new Float64Array(n * p); // sample-major: H[j·p + i]
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < p; i++) {
      const v = rowDot(x.data, j * d, w, i * d, d);
      h[j * p + i] = v > 0 ? v : 0;
    }
  }
  const dual = n <= p;
  const q = dual ? n : p;
  const g = zeros(q, q);
  if (dual) {
    for (let j = 0; j < n; j++) for (let l = 0; l <= j; l++) {
      const s = rowDot(h, j * p, h, l * p, p);
      g.data[j * n + l] = s;
      g.data[l * n + j] = s;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const ho = j * p;
      for (let i = 0; i < p; i++) {
        const hi = h[ho + i];
        if (hi === 0) continue;
        const go = i * p;
        for (let l = 0; l <= i; l++) g.data[go + l] += hi * h[ho + l];
      }
    }
    for (let i = 0; i < p; i++) for (let l = 0; l < i; l++) g.data[l * p + i] = g.data[i * p + l];
  }
  const rhs = new Float64Array(q);
  if (dual) for (let j = 0; j < n; j++) rhs[j] = y[j];
  else for (let j = 0; j < n; j++) for (let i = 0; i < p; i++) rhs[i] += h[j * p + i] * y[j];
  let sol: Float64Array;
  if (ridge > 0) {
    for (let i = 0; i < q; i++) g.data[i * q + i] += n * ridge;
    sol = cholSolve(g, rhs);
  } else {
    // Minimum-norm solution: the pseudo-inverse of the Gram matrix (dual: u = Hᵀ G⁺ y; primal: u = G⁺Hᵀy).
    const { values, vectors } = symEig(g);
    const cut = Math.max(n, p) * Number.EPSILON * Math.max(values[0] ?? 0, 0);
    sol = new Float64Array(q);
    for (let c = 0; c < q; c++) {
      if (!(values[c] > cut)) continue;
      let proj = 0;
      for (let i = 0; i < q; i++) proj += vectors.data[i * q + c] * rhs[i];
      proj /= values[c];
      for (let i = 0; i < q; i++) sol[i] += proj * vectors.data[i * q + c];
    }
  }
  if (!dual) return sol;
  const u = new Float64Array(p);
  for (let j = 0; j < n; j++) {
    const sj = sol[j];
    if (sj === 0) continue;
    const ho = j * p;
    for (let i = 0; i < p; i++) u[i] += h[ho + i] * sj;
  }
  return u;
}
