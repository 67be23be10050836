/**
 * Full-batch gradient descent on the first layer of a two-layer ReLU network (NTK parameterisation),
 * loss (1/2n)Σ_i (f(x_i) − y_i)², run until the training residual is tol times its start (or the
 * iteration cap, reported as not converged). Step: lrFactor / λ_max(K/n) with K the empirical NTK Gram
 * at the starting weights — the kernel-GD step, stable in the lazy regime.
 */
import type { Mat } from '../numeric/matrix.js';
import { symEig } from '../numeric/linalg.js';
import { type TwoLayerRelu, cloneRelu, empiricalNtk, preActivations } from '../models/twoLayerRelu.js';

export interface ReluTrainOptions {
  tol?: number;
  maxIterations?: number;
  lrFactor?: number;
}

export interface ReluTrainResult {
  net: TwoLayerRelu;
  converged: boolean;
  iterations: number;
  /** RMS training residual at the end. */
  residual: number;
  /** Relative change of the first-layer weights ‖W − W₀‖_F/‖W₀‖_F (small = lazy regime). */
  relativeWeightChange: number;
}

export function trainTwoLayerRelu(net0: TwoLayerRelu, x: Mat, y: Float64Array, options: ReluTrainOptions = {}): ReluTrainResult {
  const net = cloneRelu(net0);
  const n = x.rows;
  const d = x.cols;
  const m = net.w.rows;
  const tol = options.tol ?? 1e-6;
  const maxIterations = options.maxIterations ?? 200_000;
  const lambdaMax = symEig(empiricalNtk(net, x, x)).values[0] / n;
  const lr = (options.lrFactor ?? 1) / lambdaMax;
  const scale = 1 / Math.sqrt(m);
  const z = new Float64Array(n * m);
  const res = new Float64Array(n);
  const residualNorm = () => {
    preActivations(net, x, z);
    let ss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let r = 0; r < m; r++) {
        const v = z[i * m + r];
        if (v > 0) s += net.a[r] * v;
      }
      res[i] = s * scale - y[i];
      ss += res[i] * res[i];
    }
    return Math.sqrt(ss);
  };
  let rn = residualNorm();
  const r0 = rn;
  let it = 0;
  const coef = new Float64Array(n);
  while (rn > tol * r0 && it < maxIterations) {
    if (!Number.isFinite(rn)) break;
    it++;
    for (let i = 0; i < n; i++) coef[i] = (lr * scale * res[i]) / n;
    for (let r = 0; r < m; r++) {
      const ar = net.a[r];
      const wo = r * d;
      for (let i = 0; i < n; i++) {
        if (z[i * m + r] <= 0) continue;
        const c = coef[i] * ar;
        const xo = i * d;
        for (let j = 0; j < d; j++) net.w.data[wo + j] -= c * x.data[xo + j];
      }
    }
    rn = residualNorm();
  }
  let dw = 0;
  let w0 = 0;
  for (let i = 0; i < net.w.data.length; i++) {
    dw += (net.w.data[i] - net0.w.data[i]) ** 2;
    w0 += net0.w.data[i] ** 2;
  }
  return { net, converged: Number.isFinite(rn) && rn <= tol * r0, iterations: it, residual: rn / Math.sqrt(n), relativeWeightChange: Math.sqrt(dw / w0) };
}
