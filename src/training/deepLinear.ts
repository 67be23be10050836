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
 * cannot interpolate, and is independent of how close to stationary the run started); otherwise
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
 */
import type { Mat } from '../numeric/matrix.js';
import { dopri5 } from '../numeric/ode.js';
import { type Covariance, fromEigenbasis, toEigenbasis } from '../numeric/covariance.js';
import { gemv, gemvT } from '../kernels/linear.js';
import { type DeepLinearNet, cloneNet, endToEnd, layerGradientFactors, layerGradients, zerosLike } from '../models/deepLinear.js';
import { curvatureRange } from './gd.js';

export type DeepLoss =
  | { kind: 'data'; x: Mat; y: Float64Array }
  | { kind: 'population'; cov: Covariance; theta: Float64Array };

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
}

export type DeepStop = 'residual' | 'stationary' | 'max-iterations' | 'time-limit' | 'diverged';

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
  return loss.kind === 'data' ? curvatureRange(loss.x).max : Math.max(...loss.cov.spectrum);
}

/** Train a copy of `net` on `loss` until converged (see module comment). */
export function trainDeepLinear(net0: DeepLinearNet, loss: DeepLoss, options: DeepTrainOptions = {}): DeepTrainResult {
  const net = cloneNet(net0);
  const L = net.layers.length;
  const frozen = new Set(options.frozen ?? []);
  for (const f of frozen) if (!Number.isInteger(f) || f < 1 || f > L) throw new RangeError(`frozen: layer ${f} is not in [1, ${L}]`);
  const trainable = net.layers.map((_, j) => !frozen.has(j + 1));
  const isFlow = options.method === 'flow';
  const rtol = options.rtol ?? 1e-11;
  const tol = options.tol ?? (isFlow ? 1e-8 : 1e-10);
  if (isFlow && tol < 100 * rtol) throw new RangeError(`tol: gradient flow cannot reach a residual below ~100 × rtol = ${100 * rtol}; got tol = ${tol}`);
  const maxIterations = options.maxIterations ?? 2_000_000;
  const d = net.d;
  const g = new Float64Array(d);
  const scratch = new Float64Array(loss.kind === 'data' ? loss.x.rows : 0);
  const grads = zerosLike(net); // dense layer gradients (gradient flow, weight decay)
  const scaleResidual = loss.kind === 'data' ? 1 / Math.sqrt(loss.x.rows) : 1;

  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new RangeError(`weightDecay: expected a number ≥ 0 (got ${weightDecay})`);
  const frobeniusMode = options.lr === 'frobenius';
  const frob2 = new Float64Array(L);

  // The layer norms ‖W_j‖_F² are needed only by the Frobenius step rule and by weight decay: skip the pass otherwise.
  const needLayerNorms = frobeniusMode || weightDecay > 0;
  // Plain GD without weight decay never needs the dense layer gradients: each is rank one, a_j h_jᵀ, so its norm is
  // ‖a_j‖‖h_j‖ and the step is applied in place from the two factors (one pass over W_j instead of three).
  const rankOne = !isFlow && weightDecay === 0;
  const current: { factors: { a: Float64Array[]; h: Float64Array[] } | null } = { factors: null };
  const sq = (v: Float64Array): number => {
    let t = 0;
    for (let i = 0; i < v.length; i++) t += v[i] * v[i];
    return t;
  };
  // Plain loops with local accumulators: in closures over forEach, V8 boxed the running sums on every element.
  const evaluate = (): { res: number; gradNorm: number; w: Float64Array; gNorm: number; paramNorm2: number } => {
    const w = endToEnd(net);
    const res = endToEndGradient(loss, w, g, scratch);
    if (rankOne) current.factors = layerGradientFactors(net, g);
    else layerGradients(net, g, grads);
    let s = 0;
    let paramNorm2 = 0;
    for (let j = 0; j < L; j++) {
      const p = net.layers[j].data;
      if (needLayerNorms) {
        let f2 = 0;
        for (let i = 0; i < p.length; i++) f2 += p[i] * p[i];
        frob2[j] = f2;
        if (trainable[j]) paramNorm2 += f2;
      }
      if (!trainable[j]) continue;
      if (rankOne && current.factors) {
        s += sq(current.factors.a[j]) * sq(current.factors.h[j]);
        continue;
      }
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
  /** tol · ‖J‖‖r‖/n for the current state (see module comment). */
  const stationaryThreshold = (): number => {
    const decay = weightDecay * Math.sqrt(state.paramNorm2);
    if (frobeniusMode) return tol * (Math.sqrt(frobeniusFactors().gaussNewton * lambdaMax) * perSample * state.res + decay);
    let wn = 0;
    for (const v of state.w) wn += v * v;
    return tol * (Math.sqrt(L * Math.pow(Math.max(wn, 1e-300), 1 - 1 / L) * lambdaMax) * perSample * state.res + decay);
  };
  let state = evaluate();
  const res0 = state.res;
  const finish = (stop: DeepStop, iterations: number, time?: number): DeepTrainResult => ({
    net,
    w: endToEnd(net),
    converged: stop === 'residual' || stop === 'stationary',
    iterations,
    residual: state.res * scaleResidual,
    stop,
    time,
  });
  const check = (): DeepStop | null => {
    if (!Number.isFinite(state.res) || state.res > 1e8 * Math.max(res0, 1e-300)) return 'diverged';
    if (weightDecay === 0 && state.res <= tol * res0) return 'residual';
    if (state.gradNorm <= stationaryThreshold()) return 'stationary';
    return null;
  };
  if (res0 === 0) return finish('residual', 0);
  if (state.gradNorm === 0) return finish('stationary', 0);

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
      for (let j = 0; j < L; j++) {
        if (!trainable[j]) continue;
        const m = net.layers[j];
        const p = m.data;
        if (rankOne && current.factors) {
          const aj = current.factors.a[j];
          const hj = current.factors.h[j];
          for (let r = 0; r < m.rows; r++) {
            const step = lr * aj[r];
            if (step === 0) continue;
            const off = r * m.cols;
            for (let c = 0; c < m.cols; c++) p[off + c] -= step * hj[c];
          }
          continue;
        }
        const gm = grads[j].data;
        for (let i = 0; i < p.length; i++) p[i] -= lr * gm[i];
      }
      state = evaluate();
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
