/**
 * Fully connected ReLU networks (multilayer perceptrons) with hand-written backpropagation, for the
 * nonlinear check of Anguita et al. (2026), digest `anguita-pretraining-inductive-bias.md` §9: the paper
 * checks its diagonal-network predictions on CIFAR-100 ResNets; ftlab checks them on Fashion-MNIST with
 * an MLP, because ftlab runs on a couple of CPU cores in plain TypeScript (no tensor library), where a
 * convolutional network trained over a grid of initialisations and seeds would take days. What the three
 * initialisation knobs act on carries over unchanged: "early" layers are the first hidden layers (the input
 * side, the diagonal network's first layer w), "late" layers are the last hidden layer and the readout
 * (the diagonal network's readout v, which is re-initialised before fine-tuning).
 *
 * f(x) = W_L ρ(… ρ(W_2 ρ(W_1 x + b_1) + b_2) …) + b_L with ρ = ReLU; layer l maps sizes[l] → sizes[l+1].
 * All parameters live in one Float64Array (`params`), weights of layer l stored sizes[l] × sizes[l+1]
 * row-major (row k = the outgoing weights of input unit k), so a batch's pre-activations Z = A W are
 * computed in i-k-j order with contiguous inner loops, and optimisers update one flat vector.
 *
 * Initialisation (`initMlp`): the default is He, N(0, 2/fan_in), for every layer followed by a ReLU, and
 * LeCun, N(0, 1/fan_in), for the linear readout; biases 0. The knobs multiply it:
 *  - scale c (the paper's c_PT): every weight × c;
 *  - balance κ (the λ_PT analogue): the first ⌊L/2⌋ weight matrices × κ, the last ⌊L/2⌋ × 1/κ, a middle
 *    one (odd L) × 1. With zero biases ReLU networks are positively homogeneous layer by layer, so f at
 *    initialisation is exactly the same function for every κ: κ changes only how the scale is shared
 *    between early and late layers, like λ_PT at fixed c_PT (κ < 1: small earlier layers, λ_PT < 0).
 * Every weight is c · factor_l · std_l · z with z one standard normal drawn in layer order from the given
 * stream, so networks of one seed at different (c, κ) share their random directions.
 *
 * Losses: mean softmax cross-entropy over K classes, or the mean logistic loss log(1 + e^{−s·f}) of a
 * single logit with s = ±1 (binary tasks). `lossAndGradient` runs the forward pass, the loss and
 * backpropagation into a flat gradient, allocating nothing (an `MlpWorkspace` holds every buffer).
 */
import type { Mat } from '../numeric/matrix.js';
import type { Rng } from '../numeric/rng.js';

export type MlpLoss = 'softmax' | 'logistic';

export interface Mlp {
  /** Layer widths [d_in, h_1, …, d_out]. */
  readonly sizes: readonly number[];
  /** All parameters: for each layer its weights then its biases. */
  readonly params: Float64Array;
  /** Views into `params`: weights[l] is sizes[l] × sizes[l+1] row-major. */
  readonly weights: Float64Array[];
  /** Views into `params`: biases[l] has sizes[l+1] entries. */
  readonly biases: Float64Array[];
}

export interface MlpInitOptions {
  /** Global multiplier c of the default initialisation (default 1). */
  scale?: number;
  /** Early × κ, late × 1/κ (default 1). */
  kappa?: number;
}

function checkSizes(sizes: readonly number[]): void {
  if (!Array.isArray(sizes) || sizes.length < 2) throw new RangeError(`sizes: expected at least an input and an output width (got ${JSON.stringify(sizes)})`);
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1 || s > 100_000) throw new RangeError(`sizes[${i}]: expected an integer in [1, 100000] (got ${s})`);
  });
}

/** Number of parameters of an MLP with these widths. */
export function parameterCount(sizes: readonly number[]): number {
  checkSizes(sizes);
  let total = 0;
  for (let l = 0; l + 1 < sizes.length; l++) total += sizes[l] * sizes[l + 1] + sizes[l + 1];
  return total;
}

/** An MLP over `params` (zeros when absent); the layer arrays are views into it. */
export function createMlp(sizes: readonly number[], params?: Float64Array): Mlp {
  const total = parameterCount(sizes);
  const p = params ?? new Float64Array(total);
  if (p.length !== total) throw new RangeError(`params: expected ${total} entries for sizes ${JSON.stringify(sizes)} (got ${p.length})`);
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  let o = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nw = sizes[l] * sizes[l + 1];
    weights.push(p.subarray(o, o + nw));
    o += nw;
    biases.push(p.subarray(o, o + sizes[l + 1]));
    o += sizes[l + 1];
  }
  return { sizes: [...sizes], params: p, weights, biases };
}

export function cloneMlp(net: Mlp): Mlp {
  return createMlp(net.sizes, Float64Array.from(net.params));
}

/** Number of weight matrices L. */
export const layerCount = (net: Pick<Mlp, 'sizes'>): number => net.sizes.length - 1;

/** Default init standard deviation of layer l of L: He √(2/fan_in) before a ReLU, LeCun √(1/fan_in) for the readout. */
export function defaultInitStd(sizes: readonly number[], l: number): number {
  const last = l === sizes.length - 2;
  return Math.sqrt((last ? 1 : 2) / sizes[l]);
}

/** The balance factor of layer l of L: κ for the first ⌊L/2⌋ layers, 1/κ for the last ⌊L/2⌋, 1 for a middle one. */
export function balanceFactor(l: number, layers: number, kappa: number): number {
  const half = Math.floor(layers / 2);
  if (l < half) return kappa;
  if (l >= layers - half) return 1 / kappa;
  return 1;
}

/** Which layers the balance knob calls early (× κ) and late (× 1/κ). */
export function layerRole(l: number, layers: number): 'early' | 'late' | 'middle' {
  const half = Math.floor(layers / 2);
  return l < half ? 'early' : l >= layers - half ? 'late' : 'middle';
}

/** The initialisation of the module comment: weight = c · factor_l · std_l · z, biases 0. */
export function initMlp(sizes: readonly number[], rng: Rng, options: MlpInitOptions = {}): Mlp {
  const c = options.scale ?? 1;
  const kappa = options.kappa ?? 1;
  if (!(c > 0 && Number.isFinite(c))) throw new RangeError(`scale: expected a finite number > 0 (got ${c})`);
  if (!(kappa > 0 && Number.isFinite(kappa))) throw new RangeError(`kappa: expected a finite number > 0 (got ${kappa})`);
  const net = createMlp(sizes);
  const layers = sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const std = c * balanceFactor(l, layers, kappa) * defaultInitStd(sizes, l);
    rng.fillNormal(net.weights[l], std);
  }
  return net;
}

/**
 * A copy of `net` with its readout replaced by a fresh `outputs`-wide linear layer, weights N(0, γ²/fan_in)
 * (γ = 1 is the default LeCun readout), bias 0; every other layer is copied.
 */
export function replaceReadout(net: Mlp, outputs: number, gamma: number, rng: Rng): Mlp {
  if (!(gamma >= 0 && Number.isFinite(gamma))) throw new RangeError(`gammaFT: expected a finite number ≥ 0 (got ${gamma})`);
  const sizes = [...net.sizes.slice(0, -1), outputs];
  const out = createMlp(sizes);
  const layers = sizes.length - 1;
  for (let l = 0; l + 1 < layers; l++) {
    out.weights[l].set(net.weights[l]);
    out.biases[l].set(net.biases[l]);
  }
  rng.fillNormal(out.weights[layers - 1], gamma / Math.sqrt(sizes[layers - 1]));
  return out;
}

export interface MlpWorkspace {
  /** Largest batch the buffers hold. */
  readonly capacity: number;
  /** acts[l] (l ≥ 1): capacity × sizes[l]; post-ReLU for hidden layers, logits for the last. */
  readonly acts: Float64Array[];
  /** deltas[l] (l ≥ 1): ∂loss/∂(pre-activation of layer l). */
  readonly deltas: Float64Array[];
  /** Scratch: a transposed layer input (capacity × max width) and a list of non-zero indices. */
  readonly transposed: Float64Array;
  readonly nonzero: Int32Array;
}

export function mlpWorkspace(sizes: readonly number[], capacity: number): MlpWorkspace {
  checkSizes(sizes);
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity: expected an integer ≥ 1 (got ${capacity})`);
  const acts = sizes.map((s, l) => (l === 0 ? new Float64Array(0) : new Float64Array(capacity * s)));
  const deltas = sizes.map((s, l) => (l === 0 ? new Float64Array(0) : new Float64Array(capacity * s)));
  const widest = Math.max(...sizes);
  return { capacity, acts, deltas, transposed: new Float64Array(capacity * widest), nonzero: new Int32Array(Math.max(capacity, widest)) };
}

/**
 * out[o + j] += Σ_t coef[c + nz[t]] · M[nz[t]·nOut + j] for j < nOut: the rows of M picked by the first m indices
 * of nz (the non-zero coefficients), four at a time so each load/store of out serves four rows. The forward pass
 * (rows of W weighted by one sample's inputs) and the weight gradient (rows of δ weighted by one input's column) are
 * both this.
 */
function addSparseRows(out: Float64Array, o: number, coef: Float64Array, c: number, nz: Int32Array, m: number, M: Float64Array, nOut: number): void {
  let t = 0;
  for (; t + 3 < m; t += 4) {
    const k0 = nz[t];
    const k1 = nz[t + 1];
    const k2 = nz[t + 2];
    const k3 = nz[t + 3];
    const a0 = coef[c + k0];
    const a1 = coef[c + k1];
    const a2 = coef[c + k2];
    const a3 = coef[c + k3];
    const m0 = k0 * nOut;
    const m1 = k1 * nOut;
    const m2 = k2 * nOut;
    const m3 = k3 * nOut;
    for (let j = 0; j < nOut; j++) out[o + j] += a0 * M[m0 + j] + a1 * M[m1 + j] + a2 * M[m2 + j] + a3 * M[m3 + j];
  }
  for (; t < m; t++) {
    const k = nz[t];
    const a = coef[c + k];
    const mo = k * nOut;
    for (let j = 0; j < nOut; j++) out[o + j] += a * M[mo + j];
  }
}

/**
 * out (rows × nOut) = inp (rows × nIn) · w (nIn × nOut) + b, row by row (i-k-j order). The non-zero inputs
 * of a row (half of the Fashion-MNIST pixels; the active ReLUs) are first listed in `nz`, then taken four at a
 * time, so each pass over the output row adds four scaled rows of w (one load and store of out per four
 * multiply-adds).
 */
function affine(inp: Float64Array, rows: number, nIn: number, w: Float64Array, b: Float64Array, nOut: number, out: Float64Array, nz: Int32Array): void {
  for (let i = 0; i < rows; i++) {
    const oo = i * nOut;
    const io = i * nIn;
    for (let j = 0; j < nOut; j++) out[oo + j] = b[j];
    let m = 0;
    for (let k = 0; k < nIn; k++) if (inp[io + k] !== 0) nz[m++] = k;
    addSparseRows(out, oo, inp, io, nz, m, w, nOut);
  }
}

/** Forward pass on the first `rows` rows of x (rows × sizes[0]); returns the logits buffer (rows × d_out). */
export function forward(net: Mlp, x: Float64Array, rows: number, ws: MlpWorkspace): Float64Array {
  const sizes = net.sizes;
  const layers = sizes.length - 1;
  if (rows > ws.capacity) throw new RangeError(`rows: expected at most the workspace capacity ${ws.capacity} (got ${rows})`);
  if (x.length < rows * sizes[0]) throw new RangeError(`x: expected at least ${rows} × ${sizes[0]} entries (got ${x.length})`);
  let inp = x;
  for (let l = 0; l < layers; l++) {
    const out = ws.acts[l + 1];
    const nOut = sizes[l + 1];
    affine(inp, rows, sizes[l], net.weights[l], net.biases[l], nOut, out, ws.nonzero);
    if (l + 1 < layers) {
      const end = rows * nOut;
      for (let t = 0; t < end; t++) if (out[t] < 0) out[t] = 0;
    }
    inp = out;
  }
  return ws.acts[layers];
}

/** log(1 + e^t) without overflow. */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/**
 * The mean loss of the logits (rows × k) against integer targets, with ∂(mean loss)/∂logits written to
 * `dLogits` when given. softmax: targets in 0…k−1; logistic (k = 1): targets 0 or 1, s = 2t − 1.
 */
export function lossOfLogits(kind: MlpLoss, logits: Float64Array, rows: number, k: number, targets: ArrayLike<number>, dLogits?: Float64Array): number {
  let total = 0;
  const inv = 1 / rows;
  if (kind === 'logistic') {
    if (k !== 1) throw new RangeError(`logistic loss: expected a single output (got ${k})`);
    for (let i = 0; i < rows; i++) {
      const s = targets[i] === 1 ? 1 : -1;
      const m = s * logits[i];
      total += softplus(-m);
      if (dLogits) {
        // ∂/∂f log(1 + e^{−s f}) = −s σ(−s f).
        const sig = m >= 0 ? Math.exp(-m) / (1 + Math.exp(-m)) : 1 / (1 + Math.exp(m));
        dLogits[i] = -s * sig * inv;
      }
    }
    return total * inv;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[o + j] - max);
    const lse = max + Math.log(sum);
    const t = targets[i];
    total += lse - logits[o + t];
    if (dLogits) {
      for (let j = 0; j < k; j++) dLogits[o + j] = (Math.exp(logits[o + j] - lse) - (j === t ? 1 : 0)) * inv;
    }
  }
  return total * inv;
}

function subtractOffset(logits: Float64Array, offset: Float64Array, count: number): void {
  if (offset.length < count) throw new RangeError(`offset: expected at least ${count} entries (one per logit), got ${offset.length}`);
  for (let t = 0; t < count; t++) logits[t] -= offset[t];
}

/**
 * Mean loss of `net` on the first `rows` rows of x against `targets`, with its gradient with respect to
 * `net.params` written into `grad` (same layout). With `offset` (rows × d_out) the model is the centred
 * f(x) − offset(x): the loss sees logits minus the offset (the gradient is unchanged in form). Allocates nothing.
 */
export function lossAndGradient(net: Mlp, x: Float64Array, rows: number, targets: ArrayLike<number>, kind: MlpLoss, grad: Float64Array, ws: MlpWorkspace, offset?: Float64Array): number {
  const sizes = net.sizes;
  const layers = sizes.length - 1;
  if (grad.length !== net.params.length) throw new RangeError(`grad: expected ${net.params.length} entries (got ${grad.length})`);
  const logits = forward(net, x, rows, ws);
  if (offset) subtractOffset(logits, offset, rows * sizes[layers]);
  const loss = lossOfLogits(kind, logits, rows, sizes[layers], targets, ws.deltas[layers]);
  const g = createGradViews(net.sizes, grad);
  for (let l = layers - 1; l >= 0; l--) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    const inp = l === 0 ? x : ws.acts[l];
    const delta = ws.deltas[l + 1];
    const gw = g.weights[l];
    const gb = g.biases[l];
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < rows; i++) {
      const dO = i * nOut;
      for (let j = 0; j < nOut; j++) gb[j] += delta[dO + j];
    }
    // gw = inpᵀ delta: for each input unit k, the batch rows where it is non-zero (read from the transposed
    // input), four at a time, so each pass over row k of gw adds four scaled delta rows.
    const inpT = ws.transposed;
    for (let i = 0; i < rows; i++) {
      const io = i * nIn;
      for (let k = 0; k < nIn; k++) inpT[k * rows + i] = inp[io + k];
    }
    const nz = ws.nonzero;
    for (let k = 0; k < nIn; k++) {
      const wo = k * nOut;
      const to = k * rows;
      let m = 0;
      for (let i = 0; i < rows; i++) if (inpT[to + i] !== 0) nz[m++] = i;
      addSparseRows(gw, wo, inpT, to, nz, m, delta, nOut);
    }
    if (l > 0) {
      const w = net.weights[l];
      const prev = ws.deltas[l];
      const act = ws.acts[l];
      // prev[i, k] = delta[i, :] · w[k, :] on active units (0 elsewhere), four units k per pass over delta[i, :].
      const nzk = ws.nonzero;
      for (let i = 0; i < rows; i++) {
        const io = i * nIn;
        const dO = i * nOut;
        let m = 0;
        for (let k = 0; k < nIn; k++) {
          if (act[io + k] > 0) nzk[m++] = k;
          else prev[io + k] = 0;
        }
        let t = 0;
        for (; t + 3 < m; t += 4) {
          const k0 = nzk[t];
          const k1 = nzk[t + 1];
          const k2 = nzk[t + 2];
          const k3 = nzk[t + 3];
          const w0 = k0 * nOut;
          const w1 = k1 * nOut;
          const w2 = k2 * nOut;
          const w3 = k3 * nOut;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let j = 0; j < nOut; j++) {
            const dj = delta[dO + j];
            s0 += dj * w[w0 + j];
            s1 += dj * w[w1 + j];
            s2 += dj * w[w2 + j];
            s3 += dj * w[w3 + j];
          }
          prev[io + k0] = s0;
          prev[io + k1] = s1;
          prev[io + k2] = s2;
          prev[io + k3] = s3;
        }
        for (; t < m; t++) {
          const k = nzk[t];
          const wo = k * nOut;
          let s = 0;
          for (let j = 0; j < nOut; j++) s += delta[dO + j] * w[wo + j];
          prev[io + k] = s;
        }
      }
    }
  }
  return loss;
}

/** Weight and bias views of a flat gradient (subarray views: no copy of the data). */
function createGradViews(sizes: readonly number[], grad: Float64Array): { weights: Float64Array[]; biases: Float64Array[] } {
  const cached = gradViewCache.get(grad);
  if (cached && sameSizes(cached.sizes, sizes)) return cached;
  const m = createMlp(sizes, grad);
  const views = { sizes, weights: m.weights, biases: m.biases };
  gradViewCache.set(grad, views);
  return views;
}

function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const gradViewCache = new WeakMap<Float64Array, { sizes: readonly number[]; weights: Float64Array[]; biases: Float64Array[] }>();

/** Predicted class of each row: argmax (softmax) or f > 0 (logistic). */
export function predictClass(kind: MlpLoss, logits: Float64Array, i: number, k: number): number {
  if (kind === 'logistic') return logits[i] > 0 ? 1 : 0;
  const o = i * k;
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[o + j] > logits[o + best]) best = j;
  return best;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

/** Mean loss and accuracy of `net` (minus `offset`, rows × d_out, when given) on the rows of x, in batches of `batch`. */
export function evaluateMlp(net: Mlp, x: Mat, targets: ArrayLike<number>, kind: MlpLoss, batch = 512, offset?: Float64Array): Evaluation {
  if (x.cols !== net.sizes[0]) throw new RangeError(`x: expected ${net.sizes[0]} columns (got ${x.cols})`);
  if (targets.length !== x.rows) throw new RangeError(`targets: expected ${x.rows} entries (got ${targets.length})`);
  if (x.rows === 0) throw new RangeError('x: expected at least one row');
  const k = net.sizes[net.sizes.length - 1];
  const cap = Math.min(batch, x.rows);
  const ws = mlpWorkspace(net.sizes, cap);
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < x.rows; start += cap) {
    const rows = Math.min(cap, x.rows - start);
    const xs = x.data.subarray(start * x.cols, (start + rows) * x.cols);
    const ts = targetsView(targets, start, rows);
    const logits = forward(net, xs, rows, ws);
    if (offset) subtractOffset(logits, offset.subarray(start * k), rows * k);
    loss += lossOfLogits(kind, logits, rows, k, ts) * rows;
    for (let i = 0; i < rows; i++) if (predictClass(kind, logits, i, k) === ts[i]) correct++;
  }
  return { loss: loss / x.rows, accuracy: correct / x.rows };
}

/** The network's outputs on every row of x (rows × d_out), in batches of `batch`. */
export function outputsOf(net: Mlp, x: Mat, batch = 512): Float64Array {
  if (x.cols !== net.sizes[0]) throw new RangeError(`x: expected ${net.sizes[0]} columns (got ${x.cols})`);
  const k = net.sizes[net.sizes.length - 1];
  const out = new Float64Array(x.rows * k);
  if (x.rows === 0) return out;
  const cap = Math.min(batch, x.rows);
  const ws = mlpWorkspace(net.sizes, cap);
  for (let start = 0; start < x.rows; start += cap) {
    const rows = Math.min(cap, x.rows - start);
    out.set(forward(net, x.data.subarray(start * x.cols, (start + rows) * x.cols), rows, ws).subarray(0, rows * k), start * k);
  }
  return out;
}

function targetsView(t: ArrayLike<number>, start: number, rows: number): ArrayLike<number> {
  if (t instanceof Int32Array || t instanceof Uint8Array || t instanceof Float64Array) return t.subarray(start, start + rows);
  return Array.from({ length: rows }, (_, i) => t[start + i]);
}

/** ‖a − b‖ / ‖b‖ over the weights of layer l of two networks of equal sizes (a diagnostic of how far training moved). */
export function relativeWeightChange(a: Mlp, b: Mlp, l: number): number {
  const wa = a.weights[l];
  const wb = b.weights[l];
  if (wa.length !== wb.length) throw new RangeError(`layer ${l}: expected equal shapes (${wa.length} vs ${wb.length} weights)`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < wa.length; i++) {
    num += (wa[i] - wb[i]) ** 2;
    den += wb[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

/** Euclidean norm of layer l's weights. */
export function weightNorm(net: Mlp, l: number): number {
  let s = 0;
  for (const v of net.weights[l]) s += v * v;
  return Math.sqrt(s);
}
