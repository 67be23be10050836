/**
 * Figure `shachaf-linear-risk` (Shachaf et al. 2021, digest §3.2–3.3): population risk of the
 * fine-tuned and the from-scratch linear regressor against the number of target samples n, simulated
 * and predicted by theory, for isotropic, power-law and low-rank input covariance, with a similar source
 * (fine-tuning helps) and a dissimilar source (fine-tuning is worse than scratch: negative transfer).
 * The simulated points come from the solver the user picks (`--solver`, job `linear-finetune`'s
 * `training.solver`): full-batch GD to convergence (the default, as before the choice existed), or the
 * closed form of its limit, θ_S + X⁺(y − Xθ_S) and X⁺y (digest §3.1), without iterating.
 */
import type { JobSpec } from '../job.js';
import { noteNonFinite, type FigureData, type Series } from '../../plots/figure.js';
import { varianceDivergenceReason } from '../../theory/shachaf/linear.js';
import { linearProblemSchema, type LinearProblemInput } from '../../tasks/linearTeachers.js';
import { describeSpectrum } from '../../tasks/gaussianInputs.js';
import { predictLinearRisk } from '../../theory/shachaf/predict.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';
import type { SpectrumSpec } from '../../numeric/covariance.js';

/** Solvers of the simulated points, the default first. */
export const LINEAR_SOLVERS = ['gd', 'closed-form'] as const;
type LinearSolver = (typeof LINEAR_SOLVERS)[number];

function solverOf(o: Pick<PresetOptions, 'solver'>): LinearSolver {
  const s = o.solver ?? LINEAR_SOLVERS[0];
  if (!(LINEAR_SOLVERS as readonly string[]).includes(s)) throw new RangeError(`--solver: expected one of ${LINEAR_SOLVERS.join(', ')} (got "${s}")`);
  return s as LinearSolver;
}

const SOLVER_LABEL: Record<LinearSolver, string> = { gd: 'GD', 'closed-form': 'closed form' };

function solverText(solver: LinearSolver): string {
  return solver === 'gd'
    ? 'Simulation (--solver gd, the default): full-batch GD on (1/2n)‖Xw − y‖² from θ_S (fine-tune) and from 0 (scratch), fixed step 2/(λ_max + λ_min⁺), run until the ' +
        'training residual falls below 1e-10 of its start or the residual is orthogonal to the data to that accuracy; '
    : 'Simulation (--solver closed-form): no iterations; each seed’s predictor is the limit GD provably reaches on its data, θ_S + X⁺(y − Xθ_S) (fine-tune) and X⁺y (scratch); ';
}

function description(solver: LinearSolver): string {
  return (
    `d = ${D}, x ~ N(0, Σ) with Σ isotropic, power law λ_i = 1/i, or rank 40 with s² = 2.5 (identity eigenbasis); ` +
    `θ_S ~ N(0, I/d), θ_T = α θ_S + ε ξ with ε = 0.5 and α = 1 (similar) or −0.5 (dissimilar: fine-tuning is worse than scratch); one fixed teacher pair per panel (instance seed 1); label noise σ = ${NOISE}. ` +
    solverText(solver) +
    'exact population risk (w − θ_T)ᵀΣ(w − θ_T), mean ± 2 s.e. over seeds. ' +
    'Theory: exact expectation (isotropic, low rank; digest §3.3b–c) or the ridgeless deterministic equivalent (power law).'
  );
}

const D = 100;
const NOISE = 0.1;
const SPECTRA: SpectrumSpec[] = [
  { kind: 'isotropic', scale: 1 },
  { kind: 'powerLaw', exponent: 1 },
  { kind: 'lowRank', rank: 40, scale: 2.5 },
];
const TEACHERS = [
  { label: 'similar θ_S (α=1)', teachers: { kind: 'scaled' as const, alpha: 1, eps: 0.5 } },
  { label: 'dissimilar θ_S (α=−0.5)', teachers: { kind: 'scaled' as const, alpha: -0.5, eps: 0.5 } },
];

function nGrid(quick: boolean): number[] {
  return quick ? [10, 30, 50, 70] : [5, 10, 20, 30, 35, 45, 50, 60, 70, 80];
}

function problem(spectrum: SpectrumSpec, teachers: (typeof TEACHERS)[number]['teachers'], n: number): LinearProblemInput {
  return { d: D, n, covariance: { spectrum, basis: 'identity' }, teachers, noise: NOISE, instanceSeed: 1 };
}

function jobSpec(p: LinearProblemInput, seed: number, solver: LinearSolver): JobSpec {
  return { type: 'linear-finetune', params: { problem: p, training: { solver, tol: 1e-10 } }, seed };
}

export const shachafLinearRisk: FigurePreset = {
  id: 'shachaf-linear-risk',
  title: 'Fine-tuning vs scratch in linear regression: risk against n',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), §3',
  description: description('gd') + ' Other solver: --solver closed-form (the limit GD reaches, without iterating).',
  defaultSeeds: 20,
  quickSeeds: 4,
  solvers: LINEAR_SOLVERS,
  jobs(o: PresetOptions): JobSpec[] {
    const { seeds, quick } = o;
    const solver = solverOf(o);
    const specs: JobSpec[] = [];
    for (const spectrum of SPECTRA)
      for (const t of TEACHERS)
        for (const n of nGrid(quick)) for (let s = 0; s < seeds; s++) specs.push(jobSpec(problem(spectrum, t.teachers, n), s, solver));
    return specs;
  },
  build(lookup: ResultLookup, o: PresetOptions): FigureData {
    const { seeds, quick } = o;
    const solver = solverOf(o);
    const series: Series[] = [];
    const ns = nGrid(quick);
    const theoryNs = Array.from({ length: 95 }, (_, i) => i + 1);
    for (const spectrum of SPECTRA) {
      for (const t of TEACHERS) {
        const panel = `${describeSpectrum(spectrum)} · ${t.label}`;
        for (const [procedure, start, label] of [
          ['fineTune', 'source', 'fine-tune from θ_S'],
          ['scratch', 'zero', 'scratch from 0'],
        ] as const) {
          const theory = theoryNs.map((n) => predictLinearRisk(linearProblemSchema.parse(problem(spectrum, t.teachers, n)), start));
          series.push({
            name: `${label} (theory) · ${panel}`,
            kind: 'theory',
            panel,
            group: label,
            method: theory[0].method,
            params: { function: 'predictLinearRisk', start, problem: { ...problem(spectrum, t.teachers, 1), n: 'x.values' } },
            x: { name: 'n', values: theoryNs },
            y: { name: 'population risk', values: theory.map((p) => p.risk) },
            converged: theory.map((p) => p.converged),
          });
          // The exact expectation's noise term diverges around n = rank(Σ) (d when isotropic).
          noteNonFinite(series[series.length - 1], (field, _i, v) => (field === 'y' && v === Infinity ? varianceDivergenceReason('rank(Σ)') : undefined));
          const xs: number[] = [];
          const ys: number[] = [];
          const se: number[] = [];
          const conv: boolean[] = [];
          const counts: number[] = [];
          for (const n of ns) {
            const specs = Array.from({ length: seeds }, (_, s) => jobSpec(problem(spectrum, t.teachers, n), s, solver));
            const agg = aggregateMetric(lookup, specs, `${procedure}.risk`, `${procedure}.converged`);
            if (!agg) continue;
            xs.push(n);
            ys.push(agg.mean);
            se.push(agg.stderr);
            conv.push(agg.converged);
            counts.push(agg.n);
          }
          series.push({
            name: `${label} (${SOLVER_LABEL[solver]}) · ${panel}`,
            kind: 'simulation',
            panel,
            group: label,
            params: { job: { type: 'linear-finetune', params: { problem: { ...problem(spectrum, t.teachers, 1), n: 'x.values' }, training: { solver, tol: 1e-10 } } }, metric: `${procedure}.risk`, seeds: `0..${seeds - 1}` },
            x: { name: 'n', values: xs },
            y: { name: 'population risk', values: ys, stderr: se },
            converged: conv,
            seeds: counts,
          });
        }
      }
    }
    return {
      figure: this.id,
      title: this.title,
      description: description(solver),
      paper: this.paper,
      params: { d: D, noise: NOISE, spectra: SPECTRA, teachers: TEACHERS, nGrid: ns, seeds, solver },
      series,
      plot: { xLabel: 'target samples n', yLabel: 'population risk (w − θ_T)ᵀΣ(w − θ_T)', yScale: 'log', columns: 2 },
      provenance: {},
    };
  },
};
