/**
 * The three target procedures of Tahir, Ganguli & Rotskoff (ICML 2025), digest §2, on deep linear
 * networks f(x) = W_L ⋯ W_1 x with hidden width k (k = d in the paper) and small initialisation:
 *
 *  - pretraining (Lemma 3.3, Thm 3.4): gradient descent from W_l = α N(0, 1)/√fan-in (l < L), W_L = α N(0, 1)
 *    on the population source loss ½‖w − β_s‖² or on n_s noisy source samples (App. C), to convergence;
 *  - linear transfer (Thm 3.7/3.8): the last layer refit on the frozen features h(x) = W_{L−1} ⋯ W_1 x by
 *    (ridge) least squares — min (1/n)‖y − F W_Lᵀ‖² + λ‖W_L‖², F = X Hᵀ — solved exactly;
 *  - fine-tuning (Thm 3.9) and training from scratch (Thm 3.5/3.6; optional weight decay), each by
 *    gradient descent or gradient flow until converged, or by the implicit-bias limit of the flow.
 *
 * Linear transfer uses the features' numerical span: H = Σ σ_i v_i u_iᵀ keeps the directions with
 * σ_i > featureTol · σ_1. The theory takes α → 0 before anything else, so the features of a pretrained
 * network are exactly rank one; at finite α the other directions carry singular values O(α) (≈ 2α at
 * d = 500), remnants of the initialisation. Refitting on those too would make the unregularised refit
 * interpolate the target with huge coefficients on O(α) features — the instability the authors avoided
 * with λ = 1e-5. With λ > 0 the discarded directions would change the refit by O(α²/λ).
 *
 * Implicit-bias limits (what gradient flow converges to, used as `solver: 'implicit-bias'`):
 *  - scratch, α → 0: the minimum-norm least-squares solution X⁺y (Thm 3.5, Yun et al. 2021); with weight
 *    decay τ on (1/2n)‖Xw − y‖² + (τ/2)Σ‖W_l‖² and L = 2, the minimiser of (1/2n)‖Xw − y‖² + τ‖w‖ (the
 *    balanced factorisation makes Σ‖W_l‖² = 2‖w‖);
 *  - fine-tuning from a pretrained (rank-one, balanced) network with end-to-end vector w₀: the
 *    confinement of updates to the row space plus the conserved balancedness give X⁺y + κ_L (I − P) w₀
 *    (Thm 3.9 with the κ correction of digest §3.4; `solveKappa` of the deep-linear theory).
 */
import { type Mat, dot, zeros } from '../numeric/matrix.js';
import { createRng, type Rng } from '../numeric/rng.js';
import { symEig } from '../numeric/linalg.js';
import { SpectralLeastSquares } from '../numeric/leastSquares.js';
import { type DeepLinearNet, endToEnd, layerShapes } from '../models/deepLinear.js';
import { solveKappa } from '../theory/shachaf/deep.js';
import { type DeepTrainResult, trainDeepLinear } from './deepLinear.js';

export interface DeepLinearSpec {
  d: number;
  depth: number;
  /** Width of every hidden layer (the paper: d). */
  width: number;
  /** α of the small initialisation. */
  initScale: number;
}

/** The paper's 'rand' initialisation: W_l = α N(0,1)/√fan-in for l < L and W_L = α N(0, 1) (digest §2.1). */
export function smallInit(spec: DeepLinearSpec, rng: Rng): DeepLinearNet {
  const widths = Array<number>(spec.depth - 1).fill(spec.width);
  const shapes = layerShapes(spec.d, widths);
  const layers = shapes.map(([rows, cols], j) => {
    const m = zeros(rows, cols);
    rng.fillNormal(m.data, j === shapes.length - 1 ? spec.initScale : spec.initScale / Math.sqrt(cols));
    return m;
  });
  return { d: spec.d, layers };
}

export interface TrainingChoice {
  method: 'gd' | 'flow';
  /** Relative residual (or stationarity) tolerance. */
  tol: number;
  maxIterations: number;
  /** GD step as a fraction of the inverse Frobenius curvature bound (see trainDeepLinear). */
  lrFactor: number;
}

function train(net: DeepLinearNet, loss: Parameters<typeof trainDeepLinear>[1], t: TrainingChoice, weightDecay = 0): DeepTrainResult {
  return trainDeepLinear(net, loss, {
    method: t.method,
    lr: 'frobenius',
    lrFactor: t.lrFactor,
    tol: t.tol,
    maxIterations: t.maxIterations,
    weightDecay,
    rtol: t.method === 'flow' ? Math.min(1e-11, t.tol / 100) : undefined,
  });
}

/** Pretraining on the population loss ½‖w − β_s‖² (x ~ N(0, I)). */
export function pretrainPopulation(spec: DeepLinearSpec, betaS: Float64Array, seed: number, t: TrainingChoice): DeepTrainResult {
  const net = smallInit(spec, createRng(seed, 'init', 0));
  const cov = { d: spec.d, spectrum: new Float64Array(spec.d).fill(1), basis: null };
  return train(net, { kind: 'population', cov, theta: betaS }, t);
}

/** Pretraining on a finite source sample (X_s, y_s) (digest App. C). */
export function pretrainSamples(spec: DeepLinearSpec, x: Mat, y: Float64Array, seed: number, t: TrainingChoice): DeepTrainResult {
  const net = smallInit(spec, createRng(seed, 'init', 0));
  return train(net, { kind: 'data', x, y }, t);
}

/** Training from scratch on (X, y) from a fresh small initialisation (stream `index`). */
export function trainScratch(spec: DeepLinearSpec, x: Mat, y: Float64Array, seed: number, index: number, t: TrainingChoice, weightDecay = 0): DeepTrainResult {
  const net = smallInit(spec, createRng(seed, 'init', 1 + index));
  return train(net, { kind: 'data', x, y }, t, weightDecay);
}

/** Fine-tuning every layer of the pretrained network on (X, y). */
export function trainFineTune(pretrained: DeepLinearNet, x: Mat, y: Float64Array, t: TrainingChoice): DeepTrainResult {
  return train(pretrained, { kind: 'data', x, y }, t);
}

/** The leading singular triplets of the feature map H = W_{L−1} ⋯ W_1 (k×d). */
export interface FeatureSpan {
  /** Retained singular values σ_1 ≥ … ≥ σ_r > featureTol · σ_1. */
  sigma: number[];
  /** Input-side singular vectors u_i ∈ R^d (H = Σ σ_i v_i u_iᵀ). */
  u: Float64Array[];
  /** Output-side singular vectors v_i ∈ R^k. */
  v: Float64Array[];
  /** The first discarded singular value, relative to σ_1 (0 if none): how clean the rank is. */
  nextRelative: number;
}

function applyFeatures(net: DeepLinearNet, x: Float64Array): Float64Array {
  let h = x;
  for (let j = 0; j < net.layers.length - 1; j++) {
    const m = net.layers[j];
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let s = 0;
      const off = r * m.cols;
      for (let c = 0; c < m.cols; c++) s += m.data[off + c] * h[c];
      out[r] = s;
    }
    h = out;
  }
  return h;
}

function applyFeaturesT(net: DeepLinearNet, v: Float64Array): Float64Array {
  let a = v;
  for (let j = net.layers.length - 2; j >= 0; j--) {
    const m = net.layers[j];
    const out = new Float64Array(m.cols);
    for (let r = 0; r < m.rows; r++) {
      const ar = a[r];
      if (ar === 0) continue;
      const off = r * m.cols;
      for (let c = 0; c < m.cols; c++) out[c] += ar * m.data[off + c];
    }
    a = out;
  }
  return a;
}

/**
 * Numerical span of the features by subspace iteration on HᵀH with Rayleigh–Ritz (block of `block`
 * vectors, doubled while every Ritz value passes the cut); the dominant directions of a pretrained
 * network are separated from the O(α) bulk by many orders of magnitude, so few iterations suffice.
 */
export function featureSpan(net: DeepLinearNet, featureTol: number, seed: number, block = 4): FeatureSpan {
  const L = net.layers.length;
  const d = net.d;
  if (L < 2) throw new RangeError('featureSpan: a depth-1 network has no hidden features');
  const maxRank = Math.min(d, ...net.layers.slice(0, L - 1).map((m) => m.rows));
  const b = Math.min(block, maxRank);
  const rng = createRng(seed, 'evaluation', 7);
  let q: Float64Array[] = Array.from({ length: b }, () => rng.fillNormal(new Float64Array(d)));
  const orthonormalise = (vs: Float64Array[]) => {
    for (let i = 0; i < vs.length; i++) {
      for (let j = 0; j < i; j++) {
        const c = dot(vs[i], vs[j]);
        for (let t = 0; t < d; t++) vs[i][t] -= c * vs[j][t];
      }
      const nrm = Math.sqrt(dot(vs[i], vs[i]));
      for (let t = 0; t < d; t++) vs[i][t] = nrm > 0 ? vs[i][t] / nrm : 0;
    }
  };
  orthonormalise(q);
  for (let it = 0; it < 30; it++) {
    q = q.map((v) => applyFeaturesT(net, applyFeatures(net, v)));
    orthonormalise(q);
  }
  // Rayleigh–Ritz: the b×b matrix (HQ)ᵀ(HQ).
  const hq = q.map((v) => applyFeatures(net, v));
  const small = zeros(b, b);
  for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) small.data[i * b + j] = dot(hq[i], hq[j]);
  const { values, vectors } = symEig(small);
  const sig = Array.from(values, (v) => Math.sqrt(Math.max(v, 0)));
  const cut = featureTol * sig[0];
  const kept = sig.filter((s) => s > cut).length;
  if (kept === b && b < maxRank) return featureSpan(net, featureTol, seed, Math.min(2 * b, maxRank));
  const u: Float64Array[] = [];
  const v: Float64Array[] = [];
  for (let c = 0; c < kept; c++) {
    const ui = new Float64Array(d);
    for (let i = 0; i < b; i++) {
      const w = vectors.data[i * b + c];
      for (let t = 0; t < d; t++) ui[t] += w * q[i][t];
    }
    u.push(ui);
    const hv = applyFeatures(net, ui);
    v.push(hv.map((x) => x / sig[c]));
  }
  // σ_1 = 0 (features vanished or underflowed): an empty span.
  return { sigma: sig.slice(0, kept), u, v, nextRelative: kept < b && sig[0] > 0 ? sig[kept] / sig[0] : 0 };
}

/**
 * Linear transfer: the refit of W_L on the retained features, ridge λ ≥ 0 in the paper's convention
 * min (1/n)‖y − F c‖² + λ‖c‖² (F = X U_r diag(σ)), returning the end-to-end vector Σ c_i σ_i u_i.
 * With one feature z = σ Xu this is the scalar regression (zᵀy)/(‖z‖² + nλ) (digest §2.3).
 */
export function linearTransfer(span: FeatureSpan, x: Mat, y: Float64Array, lambda: number): Float64Array {
  if (!(lambda >= 0)) throw new RangeError(`lambda: expected a number ≥ 0 (got ${lambda})`);
  const n = x.rows;
  const d = x.cols;
  const r = span.sigma.length;
  if (r === 0) return new Float64Array(d); // no feature to refit: the end-to-end vector is 0
  // Columns of F.
  const f = span.u.map((u, i) => {
    const col = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let s = 0;
      const off = a * d;
      for (let t = 0; t < d; t++) s += x.data[off + t] * u[t];
      col[a] = span.sigma[i] * s;
    }
    return col;
  });
  const gram = zeros(r, r);
  const rhs = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    rhs[i] = dot(f[i], y);
    for (let j = 0; j < r; j++) gram.data[i * r + j] = dot(f[i], f[j]) + (i === j ? n * lambda : 0);
  }
  // Solve the r×r system through its eigendecomposition (r is tiny; handles a singular λ = 0 system).
  const { values, vectors } = symEig(gram);
  const c = new Float64Array(r);
  const cut = r * Number.EPSILON * Math.max(values[0] ?? 0, 0);
  for (let e = 0; e < r; e++) {
    if (!(values[e] > cut)) continue;
    let p = 0;
    for (let i = 0; i < r; i++) p += vectors.data[i * r + e] * rhs[i];
    p /= values[e];
    for (let i = 0; i < r; i++) c[i] += p * vectors.data[i * r + e];
  }
  const beta = new Float64Array(d);
  span.u.forEach((u, i) => {
    const w = c[i] * span.sigma[i];
    for (let t = 0; t < d; t++) beta[t] += w * u[t];
  });
  return beta;
}

/** The implicit-bias limit of fine-tuning (balanced rank-one start with end-to-end w₀; module comment). */
export function fineTuneLimit(ls: SpectralLeastSquares, y: Float64Array, w0: Float64Array, depth: number): { w: Float64Array; kappa: number; converged: boolean } {
  const minNorm = ls.minNorm(y);
  // ‖w₀‖² = 0 (a pretraining that never left the saddle of a tiny init, ‖w₀‖² underflowing): the κ term vanishes.
  if (!(dot(w0, w0) > 0)) return { w: minNorm, kappa: 0, converged: true };
  const pw = ls.project(w0);
  const perp = Float64Array.from(w0, (v, i) => v - pw[i]);
  const k = solveKappa({ a: dot(minNorm, minNorm), b: dot(perp, perp), s: Math.sqrt(dot(w0, w0)), pNorm: Math.sqrt(dot(pw, pw)) }, depth);
  return { w: Float64Array.from(minNorm, (v, i) => v + k.value * perp[i]), kappa: k.value, converged: k.converged };
}

/** The implicit-bias limit of training from scratch: X⁺y, or with weight decay τ (L = 2) the ‖w‖-penalised solution. */
export function scratchLimit(ls: SpectralLeastSquares, y: Float64Array, depth: number, weightDecay: number): { w: Float64Array; converged: boolean } {
  if (weightDecay === 0) return { w: ls.minNorm(y), converged: true };
  if (depth !== 2) throw new RangeError(`weightDecay: the implicit-bias limit with weight decay > 0 is implemented for depth 2 only (got depth ${depth}); use solver "gd"`);
  const sol = ls.groupPenaltySolution(y, weightDecay);
  return { w: sol.value, converged: sol.converged };
}

/** End-to-end vector of a network (re-exported for the job). */
export { endToEnd };
