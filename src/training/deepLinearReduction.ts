/**
 * Exact low-dimensional reductions of deep linear network training on the square loss (Shachaf et al. digest §4,
 * Tahir et al. digest §3): the parameters that gradient descent or gradient flow can change lie in a fixed subspace,
 * so the run can be carried out on a much smaller network and lifted back without approximation.
 *
 * The layer gradients are rank one, ∇_{W_j} l = a_j h_jᵀ with h_1 = g = Xᵀr/n ∈ S = rowspace(X),
 * h_{j+1} = W_j h_j and a_j = (W_L ⋯ W_{j+1})ᵀ. If orthonormal bases B_0 (of R^d), B_1 … B_{L−1} (of the hidden
 * spaces) and B_L = [1] satisfy, for all time, W_j = W_j(0) + B_j Δ_j B_{j−1}ᵀ and the end-to-end vector
 * w = B_0 w̃, then the reduced network W̃_j = B_jᵀ W_j B_{j−1} trained on X̃ = X B_0 follows the full run exactly:
 * the residual, the gradient norms, ‖w‖ and λ_max(X̃ᵀX̃/n) = λ_max(XᵀX/n) are the same numbers. Two cases where
 * such bases exist and are small:
 *
 *  - **rank-one chain** (any depth; the balanced rank-one pretrained network of Shachaf et al. §4.1): W_1 = v_1 b_1ᵀ,
 *    W_j = α_j v_j v_{j−1}ᵀ, W_L = α_L v_{L−1}ᵀ. Then a_j ∝ v_j and h_{j+1} ∝ v_j, every update keeps the form, and
 *    B_j = [v_j], B_0 = an orthonormal basis of span(S ∪ {b_1}): hidden widths 1 and input dimension ≤ n + 1.
 *  - **depth two, any initialisation** (Tahir et al.'s L = 2 network pretrained from a small random start):
 *    W_2ᵀ(t) and W_1(t)P stay in U = span{W_2(0)ᵀ, W_1(0)S} (dimension ≤ n + 1), because W_2 moves along W_1 g and
 *    W_1 P along W_2ᵀ; W_1's part outside S never moves, and it reaches w only through W_1(0)ᵀU. So B_1 = a basis of
 *    U and B_0 = a basis of S + W_1(0)ᵀU (dimension ≤ 2n + 1).
 *
 * Deeper networks with generic hidden layers have no such fixed subspace (the spaces grow like Krylov spaces), and
 * weight decay shrinks the parts outside the subspace, so neither is reduced. Bases are built by classical
 * Gram–Schmidt with reorthogonalisation, dropping a vector only when its new part is at rounding level relative to
 * its norm (written by hand: ml-matrix's SVD takes 0.6 s at 500 × 100, longer than the runs it would shorten).
 */
import type { Mat } from '../numeric/matrix.js';
import { zeros } from '../numeric/matrix.js';
import { gemv, gemvT } from '../kernels/linear.js';
import { type DeepLinearNet, endToEnd } from '../models/deepLinear.js';

export interface DeepLinearReduction {
  kind: 'rank-one-chain' | 'depth-two';
  /** The reduced network W̃_j = B_jᵀ W_j B_{j−1}. */
  net: DeepLinearNet;
  /** The reduced data X̃ = X B_0 (n × inputDim). */
  x: Mat;
  inputDim: number;
  hiddenWidths: number[];
  /** The full network W_j(0) + B_j (W̃_j − W̃_j(0)) B_{j−1}ᵀ of a reduced one. */
  lift(reduced: DeepLinearNet): DeepLinearNet;
}

/** Relative size below which a vector's part outside the current basis is rounding, not a new direction. */
const DROP = 1e3 * Number.EPSILON;

/**
 * Extend the orthonormal `basis` (vectors of length `dim`) by the parts of `candidates` outside it: classical
 * Gram–Schmidt applied twice ("twice is enough"), keeping a part only when it exceeds DROP × the candidate's norm.
 */
function extendBasis(basis: Float64Array[], candidates: Iterable<Float64Array>): Float64Array[] {
  for (const c of candidates) {
    const v = Float64Array.from(c);
    let norm0 = 0;
    for (let i = 0; i < v.length; i++) norm0 += v[i] * v[i];
    norm0 = Math.sqrt(norm0);
    if (norm0 === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let s = 0;
        for (let i = 0; i < v.length; i++) s += v[i] * q[i];
        for (let i = 0; i < v.length; i++) v[i] -= s * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm <= DROP * norm0) continue;
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    basis.push(v);
  }
  return basis;
}

function* rowsOf(m: Mat): Generator<Float64Array> {
  for (let i = 0; i < m.rows; i++) yield m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

const dotVec = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * B_jᵀ W B_{j−1} (left.length × right.length), with as few passes over W as the smaller basis allows; `leftProducts`
 * (Wᵀ l for every l in `left`) are used when the caller already has them.
 */
function project(w: Mat, left: Float64Array[], right: Float64Array[], leftProducts?: Float64Array[]): Mat {
  const out = zeros(left.length, right.length);
  if (leftProducts || left.length <= right.length) {
    const t = new Float64Array(w.cols);
    left.forEach((l, a) => {
      const wl = leftProducts ? leftProducts[a] : (gemvT(w.data, w.rows, w.cols, l, t), t); // Wᵀ l
      right.forEach((r, b) => (out.data[a * right.length + b] = dotVec(wl, r)));
    });
  } else {
    const t = new Float64Array(w.rows);
    right.forEach((r, b) => {
      gemv(w.data, w.rows, w.cols, r, t); // W r
      left.forEach((l, a) => (out.data[a * right.length + b] = dotVec(l, t)));
    });
  }
  return out;
}

/** The hidden directions v_1 … v_{L−1} if `net` is an exact rank-one chain (module comment), else null. */
function chainDirections(net: DeepLinearNet): Float64Array[] | null {
  const L = net.layers.length;
  const dirs: Float64Array[] = new Array(L - 1);
  // v_{L−1} from W_L (a row), then v_{j−1} ∝ W_jᵀ v_j going down.
  let v = Float64Array.from(net.layers[L - 1].data);
  for (let j = L - 1; j >= 1; j--) {
    const n = Math.hypot(...v);
    if (!(n > 0)) return null;
    for (let i = 0; i < v.length; i++) v[i] /= n;
    dirs[j - 1] = v;
    if (j === 1) break;
    const m = net.layers[j - 1]; // W_j (0-based j − 1) maps v_{j−1} to v_j
    const next = new Float64Array(m.cols);
    gemvT(m.data, m.rows, m.cols, v, next);
    v = next;
  }
  // Check every layer below the top is exactly v_j (v_jᵀ W_j) (and, for hidden layers, (W_j v_{j−1}) v_{j−1}ᵀ).
  for (let j = 0; j < L - 1; j++) {
    const m = net.layers[j];
    const left = dirs[j];
    const right = j === 0 ? null : dirs[j - 1];
    const row = new Float64Array(m.cols);
    gemvT(m.data, m.rows, m.cols, left, row); // v_jᵀ W_j
    let scale = 0;
    for (const x of m.data) scale = Math.max(scale, Math.abs(x));
    const rs = right ? dotVec(row, right) : 0;
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        const want = right ? left[r] * rs * right[c] : left[r] * row[c];
        if (Math.abs(m.data[r * m.cols + c] - want) > 1e-13 * scale) return null;
      }
    }
  }
  return dirs;
}

/**
 * The exact reduction of training `net` on data `x` (module comment), or null when the network has no fixed small
 * subspace or the reduction would not make a step at least `minSaving` times cheaper (default 2; cost of a step ≈
 * Σ_j |W_j| + n · input dimension).
 */
export function reduceDeepLinear(net: DeepLinearNet, x: Mat, minSaving = 2): DeepLinearReduction | null {
  const L = net.layers.length;
  const d = net.d;
  const n = x.rows;
  if (L < 2 || n >= d) return null;
  const fullCost = net.layers.reduce((t, m) => t + m.data.length, 0) + n * d;
  const chain = chainDirections(net);
  let bases: Float64Array[][];
  let kind: DeepLinearReduction['kind'];
  let leftProducts: Float64Array[] | undefined; // W_1ᵀ B_1 (depth two), reused for the reduced W̃_1
  if (chain) {
    kind = 'rank-one-chain';
    const b1 = new Float64Array(d);
    gemvT(net.layers[0].data, net.layers[0].rows, d, chain[0], b1); // W_1 = v_1 b_1ᵀ
    const cost = L - 2 + 2 * (n + 1) + n * (n + 1); // before building anything: the largest the bases can be
    if (cost * minSaving > fullCost) return null;
    bases = [extendBasis(extendBasis([], rowsOf(x)), [b1]), ...chain.map((v) => [v])];
  } else if (L === 2) {
    kind = 'depth-two';
    const w1 = net.layers[0];
    const k = w1.rows;
    const [hiddenMax, inputMax] = [Math.min(k, n + 1), Math.min(d, 2 * n + 1)];
    if ((hiddenMax * (inputMax + 1) + n * inputMax) * minSaving > fullCost) return null; // before building anything
    const p = extendBasis([], rowsOf(x));
    const hidden = extendBasis([], [net.layers[1].data, ...p.map((v) => {
      const t = new Float64Array(k);
      gemv(w1.data, k, d, v, t);
      return t;
    })]);
    leftProducts = hidden.map((u) => {
      const t = new Float64Array(d);
      gemvT(w1.data, k, d, u, t); // W_1ᵀ u: the directions through which W_1's unmoving part reaches w
      return t;
    });
    bases = [extendBasis(p, leftProducts), hidden];
  } else return null;
  bases.push([Float64Array.of(1)]);
  const inputDim = bases[0].length;
  const reducedCost = net.layers.reduce((t, _, j) => t + bases[j + 1].length * bases[j].length, 0) + n * inputDim;
  if (reducedCost * minSaving > fullCost) return null;

  const reduced: DeepLinearNet = { d: inputDim, layers: net.layers.map((m, j) => project(m, bases[j + 1], bases[j], j === 0 ? leftProducts : undefined)) };
  const xr = zeros(n, inputDim);
  bases[0].forEach((b, c) => {
    const col = new Float64Array(n);
    gemv(x.data, n, d, b, col);
    for (let i = 0; i < n; i++) xr.data[i * inputDim + c] = col[i];
  });
  // Guard: the reduced network must have the full end-to-end vector (w = B_0 w̃); otherwise a basis is wrong.
  const w = endToEnd(net);
  const wr = endToEnd(reduced);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let c = 0; c < inputDim; c++) s += bases[0][c][i] * wr[c];
    err = Math.max(err, Math.abs(s - w[i]));
    scale = Math.max(scale, Math.abs(w[i]));
  }
  if (err > 1e-12 * Math.max(scale, 1e-300)) return null;

  const start = reduced.layers.map((m) => Float64Array.from(m.data));
  const lift = (r: DeepLinearNet): DeepLinearNet => ({
    d,
    layers: net.layers.map((m, j) => {
      const out = { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
      const left = bases[j + 1];
      const right = bases[j];
      const delta = r.layers[j].data;
      const rowBuf = new Float64Array(m.cols);
      for (let a = 0; a < left.length; a++) {
        rowBuf.fill(0);
        for (let b = 0; b < right.length; b++) {
          const dv = delta[a * right.length + b] - start[j][a * right.length + b];
          if (dv === 0) continue;
          const rb = right[b];
          for (let c = 0; c < m.cols; c++) rowBuf[c] += dv * rb[c];
        }
        const la = left[a];
        for (let rr = 0; rr < m.rows; rr++) {
          const s = la[rr];
          if (s === 0) continue;
          const off = rr * m.cols;
          for (let c = 0; c < m.cols; c++) out.data[off + c] += s * rowBuf[c];
        }
      }
      return out;
    }),
  });
  return { kind, net: reduced, x: xr, inputDim, hiddenWidths: bases.slice(1, L).map((b) => b.length), lift };
}
