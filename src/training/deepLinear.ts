/**
 * Training deep linear networks on the square loss (Shachaf et al. digest §4): full-batch gradient
 * descent and gradient flow (adaptive Dormand–Prince), on all layers or with any set of layers frozen,
 * each run until converged and reporting how it stopped.
 *
 * Losses: the empirical l(w) = (1/2n)‖Xw − y‖² (fine-tuning), or the population source loss
 * ½(w − θ)ᵀΣ(w − θ) (pretraining on infinite source data). Both enter only through the end-to-end
 * gradient g = ∇_w l, pushed to the layers by `layerGradients`.
 *
 * Stopping: "residual" when ‖Xw − y‖ ≤ tol · ‖Xw₀ − y‖ (for the population loss: ‖Σ^{1/2}(w − θ)‖ ≤
 * tol · initial); "stationary" when the residual is orthogonal to what the trainable layers can move, to
 * working accuracy — ‖∇_θ l‖ ≤ tol · ‖J‖ ‖r‖/n with ‖J‖² ≈ n λ_max L ‖w‖^{2−2/L} the squared Jacobian
 * norm of a balanced network (the LSQR test; it fires at the fixed point of a frozen network that
 * cannot interpolate, and is independent of how close to stationary the run started); "stuck" (not converged)
 * when the gradient vanishes together with ‖J‖ — the saddle of a zero init, or an init so small that the squared
 * gradient norm underflows (then ‖w‖² ~ α^{2L} has underflowed too); otherwise
 * "max-iterations" / "time-limit" (flow reached t = 1e12) / "diverged" (not converged).
 *
 * GD step: `lr` may be a number or 'auto' = lrFactor / (L ‖w‖^{2−2/L} λ_max), recomputed every step from
 * the current ‖w‖ — the inverse of the end-to-end curvature of a balanced network, so the step stays
 * stable as ‖w‖ changes. The implicit bias matches gradient flow up to O(lr).
 * 'frobenius' = lrFactor / H with H a bound on the parameter Hessian that holds away from balance too
 * (e.g. at a small random initialisation): H = λ_max Σ_j Π_{i≠j} ‖W_i‖_F² (the Gauss–Newton part) +
 * ‖g‖ Σ_{i<j} Π_{k∉{i,j}} ‖W_k‖_F (the residual part, which dominates near the saddle at 0) + weight
 * decay. The same Frobenius bound then gives ‖J‖ in the stationarity test.
 *
 * Weight decay τ (`weightDecay`): the objective becomes l(w) + (τ/2) Σ_j ‖W_j‖_F² over the trained
 * layers (torch's SGD `weight_decay` on the loss l); the run then stops only on stationarity.
 *
 * Plain GD without weight decay runs on `createRankOneEngine`: every layer gradient is rank one, a_j h_jᵀ, so the step
 * is applied in place from the two factors in the same pass that forms the next backward product W_jᵀ a_j, and the
 * data pass is the fused r = Xw − y, g = Xᵀr kernel — two reads of each hidden matrix per step, on the WebAssembly
 * SIMD kernels by default (`kernel`), with the TypeScript twins as the reference. λ_max of the data (the step rules'
 * curvature) comes from a Lanczos iteration (`largestCurvature`).
 */
import type { Mat } from '../numeric/matrix.js';
import { dopri5 } from '../numeric/ode.js';
import { type Covariance, fromEigenbasis, toEigenbasis } from '../numeric/covariance.js';
import { gemv, gemvT, rankOneUpdateGemvT, residualAndGradient } from '../kernels/linear.js';
import { checkKernelChoice, type KernelChoice, type WasmArray, workspaceFor } from '../kernels/wasm.js';
import { type DeepLinearNet, cloneNet, endToEnd, layerGradients, zerosLike } from '../models/deepLinear.js';
import { largestCurvature } from './gd.js';
import { type DeepLinearReduction, reduceDeepLinear } from './deepLinearReduction.js';

export type DeepLoss =
  | { kind: 'data'; x: Mat; y: Float64Array }
  | { kind: 'population'; cov: Covariance; theta: Float64Array };

/**
 * The smallest scale α of a small random initialisation (entries of size α, or α/√fan-in as in the 'rand' init of
 * training/transfer.ts) at which a depth-L network can start to train in float64. A layer's gradient at the init
 * is a product of the other L − 1 layers, O(α^{L−1}), and the optimiser's step and stop tests
 * use its squared norm, O(α^{2(L−1)}). Requiring α^{2(L−1)} ≥ 1e-300 — a normal float64 (≥ 2.2e-308) with eight
 * orders of magnitude to spare for the 1/√fan-in factors of the entries — gives α ≥ 10^(−150/(L−1)): 1e-150 at
 * L = 2, 1e-75 at L = 3, 1e-30 at L = 6. Below it the squared gradient norm underflows to 0 and the run cannot move
 * (`trainDeepLinear` reports such a start as 'stuck').
 */
export function minInitScale(depth: number): number {
  return Number((10 ** (-150 / (depth - 1))).toPrecision(3));
}

export interface DeepTrainOptions {
  method?: 'gd' | 'flow';
  lr?: number | 'auto' | 'frobenius';
  /** Weight decay τ ≥ 0 on the trained layers (see module comment). */
  weightDecay?: number;
  /** Fraction of the inverse curvature used by lr 'auto' (default 0.5). */
  lrFactor?: number;
  tol?: number;
  maxIterations?: number;
  /** 1-based indices of layers that are not trained (W_1 is layer 1). */
  frozen?: readonly number[];
  /**
   * Relative tolerance of the gradient-flow integrator (default 1e-11). The residual a flow run can
   * reach is limited to roughly 100× this by integration error, so `tol` for flow defaults to 1e-8.
   */
  rtol?: number;
  /** Observe the network after every GD step or accepted flow step (trajectory tests). */
  onStep?: (iteration: number, net: DeepLinearNet) => void;
  /**
   * Kernels of plain GD without weight decay (the rank-one path, see module comment): 'wasm' (WebAssembly SIMD),
   * 'js' (the TypeScript reference twins) or 'auto' (default: wasm when built). Flow and weight decay run in
   * TypeScript.
   */
  kernel?: KernelChoice;
  /**
   * 'auto' (default): train the exact low-dimensional reduction of `deepLinearReduction.ts` when one exists and makes a
   * step at least twice cheaper — data loss, no weight decay, no 'frobenius' step rule, no `onStep` — and lift the
   * result; 'none': always train the full network.
   */
  reduction?: 'auto' | 'none';
}

/**
 * How a run ended; converged = 'residual' or 'stationary'. 'stuck' (not converged): the gradient vanished while the
 * Jacobian estimate ‖J‖ of the stationarity test is 0 too — the network sits at (or, in float64, numerically at) the
 * saddle of a zero or underflowed initialisation, which is not a minimum of a loss above its floor.
 */
export type DeepStop = 'residual' | 'stationary' | 'max-iterations' | 'time-limit' | 'diverged' | 'stuck';

export interface DeepTrainResult {
  net: DeepLinearNet;
  w: Float64Array;
  converged: boolean;
  iterations: number;
  /** ‖Xw − y‖/√n (data) or ‖Σ^{1/2}(w − θ)‖ (population) at the end. */
  residual: number;
  stop: DeepStop;
  /** Gradient flow only: the time reached. */
  time?: number;
  /** Which kernels ran the layer and data passes. */
  kernel: 'js' | 'wasm';
  /** The exact reduction the run was carried out on, if any (input dimension and hidden widths of the reduced net). */
  reduction: { kind: DeepLinearReduction['kind']; inputDim: number; hiddenWidths: number[] } | null;
}

/** End-to-end gradient g and the residual norm (‖Xw − y‖ or ‖Σ^{1/2}(w − θ)‖). */
function endToEndGradient(loss: DeepLoss, w: Float64Array, g: Float64Array, scratch: Float64Array): number {
  if (loss.kind === 'data') {
    const { x, y } = loss;
    gemv(x.data, x.rows, x.cols, w, scratch);
    let rss = 0;
    for (let i = 0; i < x.rows; i++) {
      scratch[i] -= y[i];
      rss += scratch[i] * scratch[i];
    }
    gemvT(x.data, x.rows, x.cols, scratch, g);
    for (let j = 0; j < g.length; j++) g[j] /= x.rows;
    return Math.sqrt(rss);
  }
  const e = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) e[i] = w[i] - loss.theta[i];
  const c = toEigenbasis(loss.cov, e);
  let q = 0;
  for (let i = 0; i < c.length; i++) {
    q += loss.cov.spectrum[i] * c[i] * c[i];
    c[i] *= loss.cov.spectrum[i];
  }
  g.set(fromEigenbasis(loss.cov, c));
  return Math.sqrt(q);
}

function lossCurvature(loss: DeepLoss): number {
  return loss.kind === 'data' ? largestCurvature(loss.x) : Math.max(...loss.cov.spectrum);
}

/**
 * The rank-one GD step of plain GD (no weight decay) on preallocated buffers. One call of `step(lr)`:
 *  1. for j = L … 1, one pass over W_j that applies W_j ← W_j − lr a_j h_jᵀ (the factors of the previous evaluation)
 *     and forms the next backward vector a_{j−1} = W_jᵀ a_j from the updated rows (`rankOneUpdateGemvT`); the last
 *     of them is the end-to-end vector w = W_1ᵀ a_1, so no separate product chain is needed;
 *  2. r = Xw − y and g = Xᵀr/n in one pass over X (population loss: g = Σ(w − θ));
 *  3. the forward factors h_1 = g, h_{j+1} = W_j h_j (one gemv per hidden layer).
 * Each hidden matrix is read twice per step. With step(0) it is the first evaluation. On 'wasm' every array lives in
 * one WebAssembly memory sized up front (nothing grows or is allocated inside the loop); `net` holds views on it.
 */
interface RankOneEngine {
  readonly net: DeepLinearNet;
  readonly kernel: 'js' | 'wasm';
  readonly w: Float64Array;
  readonly g: Float64Array;
  /** Update the trainable layers by lr (0: none), then re-evaluate; returns the residual norm. */
  step(lr: number): number;
  /** Σ over trainable layers of ‖∇_{W_j}‖_F² = ‖a_j‖²‖h_j‖². */
  gradNorm2(): number;
}

function createRankOneEngine(net0: DeepLinearNet, loss: DeepLoss, trainable: readonly boolean[], choice: KernelChoice): RankOneEngine {
  const L = net0.layers.length;
  const d = net0.d;
  const shapes = net0.layers.map((m) => [m.rows, m.cols] as const);
  const n = loss.kind === 'data' ? loss.x.rows : 0;
  const layerFloats = shapes.reduce((t, [r, c]) => t + r * c + 2 * r + c, 0);
  const floats = layerFloats + d + (loss.kind === 'data' ? n * d + 2 * n + d : d) + 16 * (3 * L + 6);
  const ws = workspaceFor(choice, floats, `a depth-${L} network with ${layerFloats} parameters on ${n}×${d} data`);
  type Buf = { view: Float64Array; arr: WasmArray | null };
  const buf = (length: number, from?: ArrayLike<number>): Buf => {
    if (ws) {
      const arr = ws.alloc(length, from);
      return { view: arr.view, arr };
    }
    const view = new Float64Array(length);
    if (from) view.set(from);
    return { view, arr: null };
  };
  const W = net0.layers.map((m) => buf(m.data.length, m.data));
  const net: DeepLinearNet = { d, layers: net0.layers.map((m, j) => ({ rows: m.rows, cols: m.cols, data: W[j].view })) };
  const one = buf(1, [1]);
  // a[j] = (W_L ⋯ W_{j+1})ᵀ ∈ R^{k_j}: the current and the previous evaluation's, swapped every step.
  let aCur: Buf[] = shapes.map(([r], j) => (j === L - 1 ? one : buf(r)));
  let aPrev: Buf[] = shapes.map(([r], j) => (j === L - 1 ? one : buf(r)));
  const g = buf(d);
  // h[0] = g, h[j] = W_j h[j−1] ∈ R^{k_{j−1}} (0-based layers).
  const h: Buf[] = shapes.map(([, c], j) => (j === 0 ? g : buf(c)));
  const w = buf(d);
  const data =
    loss.kind === 'data'
      ? { x: buf(n * d, loss.x.data), y: buf(n, loss.y), r: buf(n) }
      : null;
  const scratch = new Float64Array(0);
  const sq = (v: Float64Array): number => {
    let t = 0;
    for (let i = 0; i < v.length; i++) t += v[i] * v[i];
    return t;
  };
  return {
    net,
    kernel: ws ? 'wasm' : 'js',
    w: w.view,
    g: g.view,
    step(lr: number): number {
      [aPrev, aCur] = [aCur, aPrev];
      for (let j = L - 1; j >= 0; j--) {
        const [rows, cols] = shapes[j];
        const stepJ = trainable[j] ? lr : 0;
        const out = j > 0 ? aCur[j - 1] : w;
        if (ws) ws.rankOneUpdateGemvT(W[j].arr!, rows, cols, aPrev[j].arr!, stepJ, h[j].arr!, aCur[j].arr!, out.arr!);
        else rankOneUpdateGemvT(W[j].view, rows, cols, aPrev[j].view, stepJ, h[j].view, aCur[j].view, out.view);
      }
      let res: number;
      if (data) {
        const rss = ws
          ? ws.residualAndGradient(data.x.arr!, n, d, w.arr!, data.y.arr!, data.r.arr!, g.arr!)
          : residualAndGradient(data.x.view, n, d, w.view, data.y.view, data.r.view, g.view);
        const gv = g.view;
        for (let i = 0; i < d; i++) gv[i] /= n;
        res = Math.sqrt(rss);
      } else res = endToEndGradient(loss, w.view, g.view, scratch);
      for (let j = 0; j + 1 < L; j++) {
        const [rows, cols] = shapes[j];
        if (ws) ws.gemv(W[j].arr!, rows, cols, h[j].arr!, h[j + 1].arr!);
        else gemv(W[j].view, rows, cols, h[j].view, h[j + 1].view);
      }
      return res;
    },
    gradNorm2(): number {
      let s = 0;
      for (let j = 0; j < L; j++) if (trainable[j]) s += sq(aCur[j].view) * sq(h[j].view);
      return s;
    },
  };
}

/** Train a copy of `net` on `loss` until converged (see module comment). */
export function trainDeepLinear(net0: DeepLinearNet, loss: DeepLoss, options: DeepTrainOptions = {}): DeepTrainResult {
  const L = net0.layers.length;
  const frozen = new Set(options.frozen ?? []);
  for (const f of frozen) if (!Number.isInteger(f) || f < 1 || f > L) throw new RangeError(`frozen: layer ${f} is not in [1, ${L}]`);
  const trainable = net0.layers.map((_, j) => !frozen.has(j + 1));
  const isFlow = options.method === 'flow';
  const kernelChoice = checkKernelChoice(options.kernel);
  if (options.reduction !== undefined && options.reduction !== 'auto' && options.reduction !== 'none') throw new RangeError(`reduction: expected 'auto' or 'none' (got ${String(options.reduction)})`);
  if ((options.reduction ?? 'auto') === 'auto' && loss.kind === 'data' && !(options.weightDecay! > 0) && options.lr !== 'frobenius' && !options.onStep) {
    const reduction = reduceDeepLinear(net0, loss.x);
    if (reduction) {
      // Exact (module comment of deepLinearReduction.ts): the reduced run has the same residuals, gradient norms, ‖w‖
      // and λ_max, so it takes the same steps and stops at the same iteration.
      const run = trainDeepLinear(reduction.net, { kind: 'data', x: reduction.x, y: loss.y }, { ...options, reduction: 'none' });
      const net = reduction.lift(run.net);
      return { ...run, net, w: endToEnd(net), reduction: { kind: reduction.kind, inputDim: reduction.inputDim, hiddenWidths: reduction.hiddenWidths } };
    }
  }
  const rtol = options.rtol ?? 1e-11;
  const tol = options.tol ?? (isFlow ? 1e-8 : 1e-10);
  if (isFlow && tol < 100 * rtol) throw new RangeError(`tol: gradient flow cannot reach a residual below ~100 × rtol = ${100 * rtol}; got tol = ${tol}`);
  const maxIterations = options.maxIterations ?? 2_000_000;
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new RangeError(`weightDecay: expected a number ≥ 0 (got ${weightDecay})`);
  // Plain GD without weight decay never needs the dense layer gradients: each is rank one, a_j h_jᵀ, so its norm is
  // ‖a_j‖‖h_j‖ and the step is applied in place from the two factors, fused with the next backward product
  // (`createRankOneEngine`: two passes over each hidden W_j per step instead of five).
  const engine = !isFlow && weightDecay === 0 ? createRankOneEngine(net0, loss, trainable, kernelChoice) : null;
  const net = engine ? engine.net : cloneNet(net0);
  const d = net.d;
  const g = engine ? engine.g : new Float64Array(d);
  const scratch = new Float64Array(loss.kind === 'data' && !engine ? loss.x.rows : 0);
  const grads = engine ? [] : zerosLike(net); // dense layer gradients (gradient flow, weight decay)
  const scaleResidual = loss.kind === 'data' ? 1 / Math.sqrt(loss.x.rows) : 1;

  const frobeniusMode = options.lr === 'frobenius';
  const frob2 = new Float64Array(L);

  // The layer norms ‖W_j‖_F² are needed only by the Frobenius step rule and by weight decay: skip the pass otherwise.
  const needLayerNorms = frobeniusMode || weightDecay > 0;
  // Plain loops with local accumulators: in closures over forEach, V8 boxed the running sums on every element.
  // `lr` > 0 (rank-one engine only): apply the GD step first, fused with the evaluation.
  const evaluate = (lr = 0): { res: number; gradNorm: number; w: Float64Array; gNorm: number; paramNorm2: number } => {
    let w: Float64Array;
    let res: number;
    let s = 0;
    if (engine) {
      res = engine.step(lr);
      w = engine.w;
      s = engine.gradNorm2();
    } else {
      w = endToEnd(net);
      res = endToEndGradient(loss, w, g, scratch);
      layerGradients(net, g, grads);
    }
    let paramNorm2 = 0;
    for (let j = 0; j < L; j++) {
      const p = net.layers[j].data;
      if (needLayerNorms) {
        let f2 = 0;
        for (let i = 0; i < p.length; i++) f2 += p[i] * p[i];
        frob2[j] = f2;
        if (trainable[j]) paramNorm2 += f2;
      }
      if (!trainable[j] || engine) continue;
      const m = grads[j].data;
      if (weightDecay > 0) for (let i = 0; i < m.length; i++) m[i] += weightDecay * p[i];
      let sj = 0;
      for (let i = 0; i < m.length; i++) sj += m[i] * m[i];
      s += sj;
    }
    let gNorm = 0;
    for (let i = 0; i < g.length; i++) gNorm += g[i] * g[i];
    return { res, gradNorm: Math.sqrt(s), w, gNorm: Math.sqrt(gNorm), paramNorm2 };
  };

  /** Σ_j Π_{i≠j} ‖W_i‖_F² and Σ_{i<j} Π_{k∉{i,j}} ‖W_k‖_F (the Frobenius curvature bound's factors). */
  const frobeniusFactors = (): { gaussNewton: number; residual: number } => {
    let gaussNewton = 0;
    let residual = 0;
    for (let j = 0; j < L; j++) {
      let p = 1;
      for (let i = 0; i < L; i++) if (i !== j) p *= frob2[i];
      gaussNewton += p;
      for (let k = j + 1; k < L; k++) {
        let q = 1;
        for (let i = 0; i < L; i++) if (i !== j && i !== k) q *= Math.sqrt(frob2[i]);
        residual += q;
      }
    }
    return { gaussNewton, residual };
  };

  const lambdaMax = lossCurvature(loss);
  const perSample = loss.kind === 'data' ? 1 / Math.sqrt(loss.x.rows) : 1;
  /** tol · ‖J‖‖r‖/n for the current state (see module comment); 0 when ‖J‖ is 0 (or underflows) and τ = 0. */
  const stationaryThreshold = (): number => {
    const decay = weightDecay * Math.sqrt(state.paramNorm2);
    if (frobeniusMode) return tol * (Math.sqrt(frobeniusFactors().gaussNewton * lambdaMax) * perSample * state.res + decay);
    let wn = 0;
    for (const v of state.w) wn += v * v;
    return tol * (Math.sqrt(L * Math.pow(wn, 1 - 1 / L) * lambdaMax) * perSample * state.res + decay);
  };
  /** A vanished gradient: stationary when the test has a scale (‖J‖ > 0 or τ > 0), else stuck at a saddle. */
  const stationaryOrStuck = (threshold: number): DeepStop => (threshold > 0 ? 'stationary' : 'stuck');
  let state = evaluate();
  const res0 = state.res;
  const finish = (stop: DeepStop, iterations: number, time?: number): DeepTrainResult => ({
    net: engine ? cloneNet(net) : net, // detached from the engine's memory
    w: endToEnd(net),
    converged: stop === 'residual' || stop === 'stationary',
    iterations,
    residual: state.res * scaleResidual,
    stop,
    time,
    kernel: engine ? engine.kernel : 'js',
    reduction: null,
  });
  const check = (): DeepStop | null => {
    if (!Number.isFinite(state.res) || state.res > 1e8 * Math.max(res0, 1e-300)) return 'diverged';
    if (weightDecay === 0 && state.res <= tol * res0) return 'residual';
    const threshold = stationaryThreshold();
    if (state.gradNorm <= threshold) return stationaryOrStuck(threshold);
    return null;
  };
  if (res0 === 0) return finish('residual', 0);
  if (state.gradNorm === 0) return finish(stationaryOrStuck(stationaryThreshold()), 0);

  if ((options.method ?? 'gd') === 'gd') {
    const factor = options.lrFactor ?? 0.5;
    for (let it = 1; it <= maxIterations; it++) {
      let lr: number;
      if (options.lr === 'frobenius') {
        const f = frobeniusFactors();
        lr = factor / (lambdaMax * f.gaussNewton + state.gNorm * f.residual + weightDecay);
      } else if (options.lr === undefined || options.lr === 'auto') {
        let wn = 0;
        for (const v of state.w) wn += v * v;
        wn = Math.max(Math.sqrt(wn), 1e-12);
        lr = factor / (L * Math.pow(wn, 2 - 2 / L) * lambdaMax);
      } else lr = options.lr;
      if (engine) state = evaluate(lr);
      else {
        for (let j = 0; j < L; j++) {
          if (!trainable[j]) continue;
          const p = net.layers[j].data;
          const gm = grads[j].data;
          for (let i = 0; i < p.length; i++) p[i] -= lr * gm[i];
        }
        state = evaluate();
      }
      options.onStep?.(it, net);
      const stop = check();
      if (stop) return finish(stop, it);
    }
    return finish('max-iterations', maxIterations);
  }

  // Gradient flow on the trainable parameters.
  const idx: { layer: number; offset: number; size: number }[] = [];
  let total = 0;
  net.layers.forEach((m, j) => {
    if (!trainable[j]) return;
    idx.push({ layer: j, offset: total, size: m.data.length });
    total += m.data.length;
  });
  const load = (theta: Float64Array) => {
    for (const { layer, offset, size } of idx) net.layers[layer].data.set(theta.subarray(offset, offset + size));
  };
  const y0 = new Float64Array(total);
  for (const { layer, offset } of idx) y0.set(net.layers[layer].data, offset);
  let steps = 0;
  let stopReason: DeepStop | null = null;
  const result = dopri5(
    (_t, theta, dtheta) => {
      load(theta);
      evaluate();
      for (const { layer, offset, size } of idx) {
        const gm = grads[layer].data;
        for (let i = 0; i < size; i++) dtheta[offset + i] = -gm[i];
      }
    },
    y0,
    0,
    1e12,
    {
      rtol,
      atol: 1e-14,
      maxSteps: maxIterations,
      stop: (_t, theta) => {
        load(theta);
        state = evaluate();
        steps++;
        options.onStep?.(steps, net);
        stopReason = check();
        return stopReason !== null;
      },
    },
  );
  load(result.value);
  state = evaluate();
  if (stopReason) return finish(stopReason, result.accepted, result.t);
  // 'end': the flow reached t = 1e12 without converging (e.g. stuck at the saddle of a tiny init).
  const reason: DeepStop = result.stoppedBy === 'not-finite' ? 'diverged' : result.stoppedBy === 'end' ? 'time-limit' : 'max-iterations';
  return finish(reason, result.accepted, result.t);
}
