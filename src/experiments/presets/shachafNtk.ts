/**
 * Figure `shachaf-ntk` (Shachaf et al. 2021, digest §5): wide two-layer ReLU networks pretrained on a
 * linear source task and fine-tuned on linear target tasks at growing distance. The measured test error
 * of the fine-tuned networks (GD to convergence) is set against the NTK theory — kernel regression on
 * the residual from the pretrained network (a prediction of the fine-tuned function) — and against the
 * generalisation term √(2 rᵀH⁻¹r/n) and its measure bound 2√2‖P(θ_T − θ_S)‖/√n, as ‖P(θ_T − θ_S)‖ varies.
 */
import type { JobSpec } from '../job.js';
import type { FigureData, Series } from '../../plots/figure.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';

const DELTAS = [0.05, 0.1, 0.2, 0.5, 1, 2];
const PARAMS = { d: 20, width: 400, nSource: 100, nTarget: 10, nTest: 2000, tol: 1e-6, pretrainTol: 1e-4 };

function jobs(seeds: number): JobSpec[] {
  return Array.from({ length: seeds }, (_, s) => ({ type: 'relu-ntk-finetune', params: { ...PARAMS, deltas: DELTAS }, seed: s }));
}

export const shachafNtk: FigurePreset = {
  id: 'shachaf-ntk',
  title: 'Fine-tuning wide ReLU networks: error against ‖P(θ_T − θ_S)‖',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), §5 (NTK regime)',
  description:
    `Two-layer ReLU network f(x) = m^{-1/2} Σ a_r ReLU(w_rᵀx), width m = ${PARAMS.width}, antisymmetric N(0, I) init, unit-norm inputs in d = ${PARAMS.d}. ` +
    `Pretrained by GD on ${PARAMS.nSource} samples of θ_Sᵀx (‖θ_S‖ = 1) to residual 1e-4; fine-tuned by GD on n = ${PARAMS.nTarget} samples of θ_Tᵀx, ` +
    'θ_T = θ_S + δξ, to residual 1e-6. Simulation: test RMSE over 2000 fresh inputs. Theory: RMSE of the NTK kernel regression on the residual ' +
    'y − f_S(X) at the pretrained weights; the generalisation term √(2 rᵀH⁻¹r/n) (infinite-width H) and its bound 2√2‖PΔ‖/√n. ' +
    'At small δ the term exceeds the measure bound because f_S only approximates θ_Sᵀx.',
  defaultSeeds: 20,
  quickSeeds: 3,
  jobs({ seeds }: PresetOptions): JobSpec[] {
    return jobs(seeds);
  },
  build(lookup: ResultLookup, { seeds }: PresetOptions): FigureData {
    const specs = jobs(seeds);
    const x = DELTAS.map((_, k) => aggregateMetric(lookup, specs, `${k}.pDelta`)?.mean ?? NaN);
    const line = (metric: string, convergedMetric?: string) => DELTAS.map((_, k) => aggregateMetric(lookup, specs, `${k}.${metric}`, convergedMetric ? `${k}.${convergedMetric}` : undefined));
    const series: Series[] = [];
    const params = { job: { type: 'relu-ntk-finetune', params: { ...PARAMS, deltas: DELTAS } }, seeds: `0..${seeds - 1}`, x: 'mean of k.pDelta' };
    const sim = line('rmse', 'converged');
    series.push({
      name: 'fine-tuned network (GD)',
      kind: 'simulation',
      group: 'fine-tuned network: test RMSE',
      params: { ...params, metric: 'k.rmse' },
      x: { name: '‖P(θ_T − θ_S)‖', values: x },
      y: { name: 'test RMSE', values: sim.map((a) => a?.mean ?? NaN), stderr: sim.map((a) => a?.stderr ?? NaN) },
      converged: sim.map((a) => a?.converged ?? false),
      seeds: sim.map((a) => a?.n ?? 0),
    });
    for (const [metric, label, method] of [
      ['kernelRmse', 'NTK kernel regression on the residual', 'prediction'],
      ['boundData', 'generalisation term √(2 rᵀH⁻¹r/n)', 'bound'],
      ['boundMeasure', 'measure bound 2√2‖PΔ‖/√n', 'bound'],
    ] as const) {
      const agg = line(metric);
      series.push({
        name: label,
        kind: 'theory',
        group: label,
        method,
        params: { ...params, metric: `k.${metric}` },
        x: { name: '‖P(θ_T − θ_S)‖', values: x },
        y: { name: 'test RMSE', values: agg.map((a) => a?.mean ?? NaN) },
      });
    }
    return {
      figure: this.id,
      title: this.title,
      description: this.description,
      paper: this.paper,
      params: { ...PARAMS, deltas: DELTAS, seeds },
      series,
      plot: { xLabel: '‖P(θ_T − θ_S)‖ (mean over seeds)', yLabel: 'test RMSE', xScale: 'log', yScale: 'log' },
      provenance: {},
    };
  },
};
