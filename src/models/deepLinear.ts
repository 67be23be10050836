/**
 * Deep linear networks with scalar output, f(x) = W_L ⋯ W_1 x, with W_1 ∈ R^{k_1×d}, W_j ∈ R^{k_j×k_{j−1}}
 * and W_L ∈ R^{1×k_{L−1}} (Shachaf et al. digest §4.1). The end-to-end vector is w = (W_L ⋯ W_1)ᵀ.
 *
 * For a loss l(w) with gradient g = ∇_w l, the layer gradients are rank one:
 *   ∇_{W_j} l = a_j (W_{j−1} ⋯ W_1 g)ᵀ,   a_j = (W_L ⋯ W_{j+1})ᵀ,
 * computed here with one forward sweep of g and one backward sweep of a — O(Σ k_j k_{j−1}) per step on
 * top of the cost of g itself. Also: the exactly balanced rank-one network with end-to-end vector θ_S
 * (W_1 = s v_1 uᵀ, W_j = s v_j v_{j−1}ᵀ, W_L = s v_{L−1}ᵀ, s = ‖θ_S‖^{1/L}, u = θ_S/‖θ_S‖) and small
 * random initialisations.
 */
import { type Mat, zeros } from '../numeric/matrix.js';
import { gemv, gemvT } from '../kernels/linear.js';
import type { Rng } from '../numeric/rng.js';

export interface DeepLinearNet {
  /** Input dimension d. */
  readonly d: number;
  /** W_1 … W_L, row-major. */
  readonly layers: Mat[];
}

export function depth(net: DeepLinearNet): number {
  return net.layers.length;
}

/** Layer shapes for input dimension d and hidden widths k_1 … k_{L−1} (depth L = widths.length + 1). */
export function layerShapes(d: number, hiddenWidths: readonly number[]): [number, number][] {
  const dims = [d, ...hiddenWidths, 1];
  return dims.slice(1).map((rows, j) => [rows, dims[j]] as [number, number]);
}

export function cloneNet(net: DeepLinearNet): DeepLinearNet {
  return { d: net.d, layers: net.layers.map((m) => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) })) };
}

/** Number of parameters of a network on R^d with hidden widths k_1 … k_{L−1}: d·k_1 + Σ k_j k_{j+1} + k_{L−1}. */
export function shapeParameterCount(d: number, hiddenWidths: readonly number[]): number {
  const sizes = [d, ...hiddenWidths, 1];
  let total = 0;
  for (let j = 1; j < sizes.length; j++) total += sizes[j - 1] * sizes[j];
  return total;
}

/** Total number of parameters. */
export function parameterCount(net: DeepLinearNet): number {
  return net.layers.reduce((s, m) => s + m.data.length, 0);
}

/** Copy all parameters into one flat vector (layer by layer, row-major). */
export function flatten(net: DeepLinearNet, out = new Float64Array(parameterCount(net))): Float64Array {
  let off = 0;
  for (const m of net.layers) {
    out.set(m.data, off);
    off += m.data.length;
  }
  return out;
}

/** Load parameters from a flat vector (inverse of flatten). */
export function unflattenInto(net: DeepLinearNet, flat: ArrayLike<number>): void {
  let off = 0;
  for (const m of net.layers) {
    for (let i = 0; i < m.data.length; i++) m.data[i] = flat[off + i];
    off += m.data.length;
  }
}

/** w = (W_L ⋯ W_1)ᵀ. */
export function endToEnd(net: DeepLinearNet): Float64Array {
  const L = net.layers.length;
  let v: Float64Array = Float64Array.from(net.layers[L - 1].data); // 1 × k_{L−1}
  for (let j = L - 2; j >= 0; j--) {
    const m = net.layers[j];
    const next = new Float64Array(m.cols);
    gemvT(m.data, m.rows, m.cols, v, next); // row vector times W_j = W_jᵀ v
    v = next;
  }
  return v;
}

/**
 * The rank-one factors of the layer gradients for end-to-end gradient g: grad_j = a[j] h[j]ᵀ with h[0] = g,
 * h[j] = W_j h[j−1] (forward sweep) and a[L−1] = [1], a[j] = W_{j+1}ᵀ a[j+1] (backward sweep); 0-based layers.
 */
export function layerGradientFactors(net: DeepLinearNet, g: Float64Array): { a: Float64Array[]; h: Float64Array[] } {
  const L = net.layers.length;
  const h: Float64Array[] = [g];
  for (let j = 0; j < L - 1; j++) {
    const m = net.layers[j];
    const out = new Float64Array(m.rows);
    gemv(m.data, m.rows, m.cols, h[j], out);
    h.push(out);
  }
  const a: Float64Array[] = new Array(L);
  a[L - 1] = new Float64Array([1]);
  for (let j = L - 1; j > 0; j--) {
    const m = net.layers[j];
    const next = new Float64Array(m.cols);
    gemvT(m.data, m.rows, m.cols, a[j], next);
    a[j - 1] = next;
  }
  return { a, h };
}

/**
 * Layer gradients for end-to-end gradient g: grads[j] = a_j (W_{j−1} ⋯ W_1 g)ᵀ, written into `grads`
 * (same shapes as the layers).
 */
export function layerGradients(net: DeepLinearNet, g: Float64Array, grads: Mat[]): void {
  const { a, h } = layerGradientFactors(net, g);
  for (let j = 0; j < net.layers.length; j++) {
    const grad = grads[j];
    const aj = a[j];
    const hj = h[j];
    for (let r = 0; r < grad.rows; r++) {
      const ar = aj[r];
      const off = r * grad.cols;
      for (let c = 0; c < grad.cols; c++) grad.data[off + c] = ar * hj[c];
    }
  }
}

/** Zero-filled matrices with the layers' shapes. */
export function zerosLike(net: DeepLinearNet): Mat[] {
  return net.layers.map((m) => zeros(m.rows, m.cols));
}

/** Unit vectors v_j ∈ R^{k_j}: the first basis vector, or uniformly random directions. */
function unitVector(k: number, rng?: Rng): Float64Array {
  const v = new Float64Array(k);
  if (!rng) {
    v[0] = 1;
    return v;
  }
  let norm = 0;
  while (norm === 0) {
    rng.fillNormal(v);
    norm = Math.hypot(...v);
  }
  for (let i = 0; i < k; i++) v[i] /= norm;
  return v;
}

/**
 * The exactly balanced rank-one network with end-to-end vector θ (digest §4.1). `rng` picks random unit
 * vectors v_j for the hidden directions (default: first basis vectors). Balancedness
 * W_{j+1}ᵀW_{j+1} = W_j W_jᵀ holds exactly.
 */
export function balancedRankOne(theta: ArrayLike<number>, hiddenWidths: readonly number[], rng?: Rng): DeepLinearNet {
  const d = theta.length;
  const L = hiddenWidths.length + 1;
  const norm = Math.hypot(...Array.from(theta));
  if (!(norm > 0)) throw new RangeError('balancedRankOne: θ must be non-zero');
  const s = Math.pow(norm, 1 / L);
  const u = Float64Array.from(theta, (t) => t / norm);
  const dirs = [u, ...hiddenWidths.map((k) => unitVector(k, rng)), new Float64Array([1])];
  const layers = layerShapes(d, hiddenWidths).map(([rows, cols], j) => {
    const m = zeros(rows, cols);
    const left = dirs[j + 1];
    const right = dirs[j];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.data[r * cols + c] = s * left[r] * right[c];
    return m;
  });
  return { d, layers };
}

/** Entries i.i.d. N(0, scale²): a small random initialisation when scale ≪ 1. */
export function randomInit(d: number, hiddenWidths: readonly number[], scale: number, rng: Rng): DeepLinearNet {
  const layers = layerShapes(d, hiddenWidths).map(([rows, cols]) => {
    const m = zeros(rows, cols);
    rng.fillNormal(m.data, scale);
    return m;
  });
  return { d, layers };
}

/** max_j ‖W_{j+1}ᵀW_{j+1} − W_j W_jᵀ‖_F: zero for a balanced network, conserved by gradient flow. */
export function balanceResidual(net: DeepLinearNet): number {
  let worst = 0;
  for (let j = 0; j + 1 < net.layers.length; j++) {
    const a = net.layers[j]; // k_j × k_{j−1}
    const b = net.layers[j + 1]; // k_{j+1} × k_j
    const k = a.rows;
    let s = 0;
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < k; q++) {
        let btb = 0;
        for (let r = 0; r < b.rows; r++) btb += b.data[r * k + p] * b.data[r * k + q];
        let aat = 0;
        for (let c = 0; c < a.cols; c++) aat += a.data[p * a.cols + c] * a.data[q * a.cols + c];
        s += (btb - aat) ** 2;
      }
    }
    worst = Math.max(worst, Math.sqrt(s));
  }
  return worst;
}
