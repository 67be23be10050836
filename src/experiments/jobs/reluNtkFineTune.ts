/**
 * Job "relu-ntk-finetune": one seed of fine-tuning wide two-layer ReLU networks (Shachaf et al. digest §5).
 * A network of width m is pretrained by GD on n_S source samples (unit-norm inputs, labels θ_Sᵀx), then,
 * for each task distance δ, fine-tuned from the pretrained weights on n target samples with labels
 * θ_Tᵀx, θ_T = θ_S + δ ξ (ξ a random unit vector). Reported per δ (prefix `k.` for the k-th δ): the
 * test MSE of the fine-tuned network, the test MSE of the NTK kernel-regression prediction on the
 * residual (the theory), the generalisation term √(2 rᵀH⁻¹r/n), the measure bound 2√2‖PΔ‖/√n,
 * ‖P(θ_T − θ_S)‖ and convergence.
 */
import { z } from 'zod';
import { intIn, numAbove, numIn } from '../../validation.js';
import { createRng } from '../../numeric/rng.js';
import { matVec } from '../../numeric/matrix.js';
import { analyticNtk, empiricalNtk, initTwoLayerRelu, reluForward, sphereInputs } from '../../models/twoLayerRelu.js';
import { trainTwoLayerRelu } from '../../training/twoLayerRelu.js';
import { ntkGeneralizationTerm, ntkMeasureBound, projectedTaskDistance, residualKernelPrediction } from '../../theory/shachaf/ntk.js';
import type { JobOutput, JobType } from '../jobTypes.js';
import { float64Term, type MemoryTerm } from '../memory.js';

export const reluNtkParams = z
  .object({
    d: intIn(2, 1000).default(20),
    width: intIn(2, 100000).default(400),
    nSource: intIn(1, 100000).default(100),
    nTarget: intIn(1, 100000).default(10),
    deltas: z.array(numIn(0, 100)).min(1).max(64),
    nTest: intIn(10, 1_000_000).default(2000),
    tol: numAbove(0, 1e-1).default(1e-6),
    pretrainTol: numAbove(0, 1e-1).default(1e-4),
    maxIterations: intIn(1, 1e8).default(200_000),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.width % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['width'], message: 'expected an even integer (antisymmetric initialisation pairs neurons)' });
  });

export type ReluNtkParams = z.output<typeof reluNtkParams>;

function unitVector(d: number, seed: number, purpose: string): Float64Array {
  const v = createRng(seed, purpose).fillNormal(new Float64Array(d));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/**
 * The pre-activations of the source fit (training and its empirical NTK), the source NTK with its
 * eigenvectors, the test inputs with their pre-activations and the test × target kernels, and the weights.
 */
function reluNtkTerms(p: ReluNtkParams): MemoryTerm[] {
  return [
    float64Term('the pre-activations of the source fit', '3·nSource·width', 3 * p.nSource * p.width, { nSource: p.nSource, width: p.width }),
    float64Term('the source NTK and its eigenvectors', '3·nSource²', 3 * p.nSource ** 2, { nSource: p.nSource }),
    float64Term('the test pre-activations', '2·nTest·width', 2 * p.nTest * p.width, { nTest: p.nTest, width: p.width }),
    float64Term('the test inputs', 'nTest·d', p.nTest * p.d, { nTest: p.nTest, d: p.d }),
    float64Term('the test × target kernels', 'nTest·nTarget', p.nTest * p.nTarget, { nTest: p.nTest, nTarget: p.nTarget }),
    float64Term('the weights and their training state', '4·width·d', 4 * p.width * p.d, { width: p.width, d: p.d }),
  ];
}

export const reluNtkFineTuneJob: JobType<typeof reluNtkParams> = {
  name: 'relu-ntk-finetune',
  version: 1,
  description: 'Pretrain a wide two-layer ReLU network on a linear source task, fine-tune it on target tasks at several distances; NTK prediction and bounds.',
  schema: reluNtkParams,
  estimateBytes: reluNtkTerms,
  run(p: ReluNtkParams, seed: number): JobOutput {
    const thetaS = unitVector(p.d, seed, 'teacher');
    const xi = unitVector(p.d, seed, 'noise');
    const xs = sphereInputs(p.nSource, p.d, createRng(seed, 'data', 0));
    const pre = trainTwoLayerRelu(initTwoLayerRelu(p.d, p.width, createRng(seed, 'init')), xs, matVec(xs, thetaS), {
      tol: p.pretrainTol,
      maxIterations: p.maxIterations,
    });
    const xt = sphereInputs(p.nTarget, p.d, createRng(seed, 'data', 1));
    const xTest = sphereInputs(p.nTest, p.d, createRng(seed, 'evaluation'));
    const fsTrain = reluForward(pre.net, xt);
    const fsTest = reluForward(pre.net, xTest);
    const kTrain = empiricalNtk(pre.net, xt, xt);
    const kTest = empiricalNtk(pre.net, xTest, xt);
    const h = analyticNtk(xt, xt);
    const metrics: Record<string, number> = {
      'pretrain.converged': pre.converged ? 1 : 0,
      'pretrain.iterations': pre.iterations,
      'pretrain.relativeWeightChange': pre.relativeWeightChange,
      'pretrain.sourceTestMse': mse(fsTest, matVec(xTest, thetaS)),
    };
    let converged = pre.converged;
    let iterations = pre.iterations;
    let residual = 0;
    p.deltas.forEach((delta, k) => {
      const thetaT = thetaS.map((v, i) => v + delta * xi[i]);
      const y = matVec(xt, thetaT);
      const yTest = matVec(xTest, thetaT);
      const ft = trainTwoLayerRelu(pre.net, xt, y, { tol: p.tol, maxIterations: p.maxIterations });
      const r = Float64Array.from(y, (v, i) => v - fsTrain[i]);
      const pDelta = projectedTaskDistance(xt, thetaS, thetaT);
      metrics[`${k}.delta`] = delta;
      metrics[`${k}.pDelta`] = pDelta;
      metrics[`${k}.risk`] = mse(reluForward(ft.net, xTest), yTest);
      metrics[`${k}.kernelRisk`] = mse(residualKernelPrediction(kTest, kTrain, r, fsTest), yTest);
      metrics[`${k}.rmse`] = Math.sqrt(metrics[`${k}.risk`]);
      metrics[`${k}.kernelRmse`] = Math.sqrt(metrics[`${k}.kernelRisk`]);
      metrics[`${k}.zeroShotRisk`] = mse(fsTest, yTest);
      metrics[`${k}.boundData`] = ntkGeneralizationTerm(h, r);
      metrics[`${k}.boundMeasure`] = ntkMeasureBound(pDelta, p.nTarget);
      metrics[`${k}.relativeWeightChange`] = ft.relativeWeightChange;
      metrics[`${k}.converged`] = ft.converged ? 1 : 0;
      metrics[`${k}.iterations`] = ft.iterations;
      converged &&= ft.converged;
      iterations = Math.max(iterations, ft.iterations);
      residual = Math.max(residual, ft.residual);
    });
    return { metrics, status: { converged, iterations, residual } };
  },
  metricNames(p: ReluNtkParams): string[] {
    const perDelta = ['delta', 'pDelta', 'risk', 'kernelRisk', 'rmse', 'kernelRmse', 'zeroShotRisk', 'boundData', 'boundMeasure', 'relativeWeightChange', 'converged', 'iterations'];
    return [
      'pretrain.converged',
      'pretrain.iterations',
      'pretrain.relativeWeightChange',
      'pretrain.sourceTestMse',
      ...p.deltas.flatMap((_, k) => perDelta.map((m) => `${k}.${m}`)),
    ];
  },
};
