/**
 * Figure `shachaf-similarity` (Shachaf et al. 2021, RQ1; digest §3.3(d) and §3.5): which measure of
 * source–target similarity predicts the fine-tuned risk? Across many random (Σ, θ_S, θ_T) triples, the
 * Monte-Carlo fine-tuned risk is set against candidate measures — the parameter distance ‖Δ‖², the
 * zero-shot risk ΔᵀΣΔ, the head/tail measure S_k, a norm bound ‖Δ‖² tr Σ / n, the Bartlett et al. (2020)
 * bias bound, the scratch-style ‖θ_T‖², and the deterministic-equivalent prediction — with Pearson and
 * Spearman correlations in a table.
 */
import type { JobSpec } from '../job.js';
import type { FigureData, Series } from '../../plots/figure.js';
import { linearInstance, linearProblemSchema, type LinearInstance, type LinearProblemInput } from '../../tasks/linearTeachers.js';
import { createRng } from '../../numeric/rng.js';
import { dot, sub } from '../../numeric/matrix.js';
import { sigmaNorm2, toEigenbasis, effectiveRank } from '../../numeric/covariance.js';
import { similarityHeadTail } from '../../theory/shachaf/linear.js';
import { predictLinearRisk } from '../../theory/shachaf/predict.js';
import { pearson, spearman } from '../../numeric/stats.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';

const D = 100;
const N = 20;
const EXPONENTS = [0.5, 1, 1.5, 2];

function triples(quick: boolean): number {
  return quick ? 24 : 120;
}

/** The k-th random triple: power-law exponent, eigen-band of Δ, and ‖Δ‖ drawn from the triple's own stream. */
function tripleProblem(k: number): LinearProblemInput {
  const rng = createRng(k, 'evaluation', 7);
  const width = 5 + rng.int(26);
  const bandStart = rng.int(D - width + 1);
  const deltaNorm = Math.exp(Math.log(0.2) + rng.uniform() * Math.log(10));
  return {
    d: D,
    n: N,
    covariance: { spectrum: { kind: 'powerLaw', exponent: EXPONENTS[k % EXPONENTS.length] }, basis: 'identity' },
    teachers: { kind: 'band', bandStart, bandEnd: bandStart + width, deltaNorm },
    noise: 0,
    instanceSeed: 1000 + k,
  };
}

function jobSpec(p: LinearProblemInput, seed: number): JobSpec {
  return { type: 'linear-finetune', params: { problem: p, training: { solver: 'closed-form' }, procedures: ['fineTune'] }, seed };
}

interface Measure {
  name: string;
  compute(p: LinearProblemInput, inst: LinearInstance): number;
}

const MEASURES: Measure[] = [
  {
    name: '‖Δ‖² (parameter distance)',
    compute: (p, inst) => {
      const delta = sub(inst.thetaT, inst.thetaS);
      return dot(delta, delta);
    },
  },
  {
    name: 'ΔᵀΣΔ (zero-shot risk)',
    compute: (p, inst) => {
      return sigmaNorm2(inst.cov, sub(inst.thetaT, inst.thetaS));
    },
  },
  {
    name: `S_k, k = n/2 (head/tail)`,
    compute: (p, inst) => {
      return similarityHeadTail(inst.cov, sub(inst.thetaT, inst.thetaS), Math.floor(p.n / 2), p.n);
    },
  },
  {
    name: '‖Δ‖² tr Σ / n (norm bound)',
    compute: (p, inst) => {
      const delta = sub(inst.thetaT, inst.thetaS);
      const trace = inst.cov.spectrum.reduce((a, b) => a + b, 0);
      return (dot(delta, delta) * trace) / p.n;
    },
  },
  {
    name: '‖Δ‖²‖Σ‖ max(√(r₀/n), r₀/n) (Bartlett et al.)',
    compute: (p, inst) => {
      const delta = sub(inst.thetaT, inst.thetaS);
      const r0 = effectiveRank(inst.cov, 0);
      return dot(delta, delta) * inst.cov.spectrum[0] * Math.max(Math.sqrt(r0 / p.n), r0 / p.n);
    },
  },
  {
    name: '‖θ_T‖² (scratch-style)',
    compute: (p, inst) => {
      return dot(inst.thetaT, inst.thetaT);
    },
  },
  {
    name: 'deterministic equivalent (theory)',
    compute: (p) => predictLinearRisk(linearProblemSchema.parse(p), 'source').risk,
  },
];

export const shachafSimilarity: FigurePreset = {
  id: 'shachaf-similarity',
  title: 'Which similarity measure predicts the fine-tuned risk?',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), RQ1',
  description:
    `Random triples (Σ, θ_S, θ_T): d = ${D}, n = ${N}, power-law Σ with a ∈ {0.5, 1, 1.5, 2}, θ_S ~ N(0, I/d), ` +
    'θ_T = θ_S + Δ with Δ spread over a random band of 5–30 consecutive eigendirections, ‖Δ‖ log-uniform in [0.2, 2], noiseless labels. ' +
    'y: fine-tuned risk averaged over seeded datasets (closed-form limit of GD from θ_S; equal to GD to 1e-8, see tests). ' +
    'x: each candidate measure. S_k uses k = n/2. Correlations are over triples.',
  defaultSeeds: 10,
  quickSeeds: 4,
  jobs({ seeds, quick }: PresetOptions): JobSpec[] {
    const specs: JobSpec[] = [];
    for (let k = 0; k < triples(quick); k++) for (let s = 0; s < seeds; s++) specs.push(jobSpec(tripleProblem(k), s));
    return specs;
  },
  build(lookup: ResultLookup, { seeds, quick }: PresetOptions): FigureData {
    const risks: number[] = [];
    const stderrs: number[] = [];
    const problems: LinearProblemInput[] = [];
    for (let k = 0; k < triples(quick); k++) {
      const p = tripleProblem(k);
      const agg = aggregateMetric(lookup, Array.from({ length: seeds }, (_, s) => jobSpec(p, s)), 'fineTune.risk');
      if (!agg) continue;
      problems.push(p);
      risks.push(agg.mean);
      stderrs.push(agg.stderr);
    }
    const instances = problems.map((p) => linearInstance(linearProblemSchema.parse(p)));
    const series: Series[] = [];
    const rows: (string | number)[][] = [];
    for (const m of MEASURES) {
      const values = problems.map((p, i) => m.compute(p, instances[i]));
      series.push({
        name: m.name,
        kind: 'simulation',
        panel: m.name,
        group: m.name,
        params: { measure: m.name, triples: problems, seeds: `0..${seeds - 1}` },
        x: { name: m.name, values },
        y: { name: 'fine-tuned risk', values: risks, stderr: stderrs },
      });
      const ok = problems.length >= 3;
      rows.push([
        m.name,
        ok ? round(pearson(values, risks)) : NaN,
        ok ? round(pearson(values.map(Math.log), risks.map(Math.log))) : NaN,
        ok ? round(spearman(values, risks)) : NaN,
      ]);
    }
    return {
      figure: this.id,
      title: this.title,
      description: this.description,
      paper: this.paper,
      params: { d: D, n: N, exponents: EXPONENTS, triples: problems.length, seeds },
      series,
      tables: [{ title: 'Correlation of each measure with the fine-tuned risk', columns: ['measure', 'pearson', 'pearson (log-log)', 'spearman'], rows }],
      plot: { xLabel: 'measure', yLabel: 'fine-tuned risk', xScale: 'log', yScale: 'log', style: 'scatter', columns: 4, independent: true },
      provenance: {},
    };
  },
};

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
