/**
 * The views of the ftlab explorer page: for each paper, figures whose theory is recomputed in the browser from the
 * same modules the CLI uses (src/theory/…) as the user moves the controls, and a small simulation (the same job types
 * the CLI runs, src/experiments/jobs/…) whose points are drawn on top. Every theory function of `ftlab theory`
 * (src/theory/registry.ts) is also a view, plotted against a parameter the user picks.
 *
 * A view turns parameter values into a FigureData (src/plots/figure.ts), the picture spec the CLI renders too.
 * Nothing here touches the DOM or Node, so the same code runs in the page, in its Web Worker and in the tests.
 */
import { noteNonFinite, type FigureData, type Series } from '../plots/figure.js';
import { varianceDivergenceReason } from '../theory/shachaf/linear.js';
import { gridSeries, levelSet, linspace } from '../plots/contour.js';
import { summarize } from '../numeric/stats.js';
import { rangeProblem } from '../validation.js';
import type { JobOutput } from '../experiments/jobTypes.js';
import { predictLinearRisk } from '../theory/shachaf/predict.js';
import { linearProblemSchema, type LinearProblemInput } from '../tasks/linearTeachers.js';
import {
  fineTuningTransferability,
  linearTransferability,
  linearTransferabilityFinite,
  ridgeLinearTransferability,
} from '../theory/tahir/transfer.js';
import { replicaCurve, type ReplicaPoint } from '../theory/anguita/replica.js';
import { replicaCurveSeries } from '../theory/anguita/replicaSeries.js';
import { THEORY, fourGroupBounds, type CrossBounds, type TheoryFunction, type TheoryParam } from '../theory/registry.js';

/**
 * A theory parameter (name, meaning, default, allowed range, typical range) with how its control looks. The slider
 * covers the typical range (src/explorer/sliders.ts); the number box accepts the whole allowed range.
 */
export interface ExplorerParam extends TheoryParam {
  /** Short label with units, shown beside the control. */
  label: string;
  /** Force the slider's scale: log10 (true, needs a positive range) or linear (false); default: log10 beyond two decades. */
  log?: boolean;
  /** Slider step on a linear scale (default: the typical range in 200 steps, 1 for integers). */
  step?: number;
  /** A number box without a slider (e.g. the ends of a theory view's x range). */
  boxOnly?: boolean;
}

/** A choice among named options (kept as a string in the view state). */
export interface ExplorerChoice {
  name: string;
  label: string;
  options: readonly string[];
  default: string;
}

export type ParamValues = Record<string, number>;
export type ChoiceValues = Record<string, string>;

/** One job of a view's simulation: a registered job type, its parameters and seed, and where its point goes. */
export interface SimulationJob {
  type: string;
  params: unknown;
  seed: number;
  /** The x value and the series group of the point this job contributes to. */
  x: number;
  group: string;
}

export interface SimulationResult {
  job: SimulationJob;
  output: JobOutput;
}

export interface ExplorerSimulation {
  /** What runs, e.g. "GD to convergence, d = 100, 3 seeds per n". */
  label: string;
  jobs(p: ParamValues, c: ChoiceValues): SimulationJob[];
  /** Points (mean ± s.e. over seeds) from the finished jobs. */
  series(p: ParamValues, c: ChoiceValues, results: readonly SimulationResult[]): Series[];
}

export interface ExplorerView {
  id: string;
  paper: string;
  title: string;
  description: string;
  params: readonly ExplorerParam[];
  choices?: readonly ExplorerChoice[];
  /** `ftlab reproduce` figures whose stored simulation points belong on this view. */
  presets?: readonly string[];
  /** Parameter values that follow from a choice (e.g. the x range of the chosen x parameter). */
  choiceDefaults?(c: ChoiceValues): Partial<ParamValues>;
  /** Checks across parameters (beyond each one's range); throws a RangeError naming the field. */
  check?(p: ParamValues, c: ChoiceValues): void;
  /** The bounds those cross-parameter rules put on each parameter at the others' values (sliders follow them). */
  bounds?(p: ParamValues, c: ChoiceValues): CrossBounds;
  /** The parameter plotted on x (its control gives way to the x range's boxes `from` and `to`). */
  xAxis?: { param(c: ChoiceValues): string; from: string; to: string };
  theory(p: ParamValues, c: ChoiceValues): FigureData;
  simulation?: ExplorerSimulation;
}

// ---------------------------------------------------------------------------------------------------
// Validation shared by the page, the worker and the tests

/** The view's parameter values: defaults overridden by `given`; a RangeError naming the field for a bad value. */
export function resolveValues(view: ExplorerView, given: Partial<Record<string, number>> = {}, choices: Partial<Record<string, string>> = {}): { params: ParamValues; choices: ChoiceValues } {
  const params: ParamValues = {};
  for (const p of view.params) {
    const v = given[p.name] ?? p.default;
    const problem = rangeProblem(p, v);
    if (problem) throw new RangeError(`${p.name}: ${problem}`);
    params[p.name] = v;
  }
  const chosen: ChoiceValues = {};
  for (const c of view.choices ?? []) {
    const v = choices[c.name] ?? c.default;
    if (!c.options.includes(v)) throw new RangeError(`${c.name}: expected one of ${c.options.join(', ')} (got ${JSON.stringify(v)})`);
    chosen[c.name] = v;
  }
  view.check?.(params, chosen);
  return { params, choices: chosen };
}

function meanSeries(
  name: string,
  group: string,
  panel: string | undefined,
  xName: string,
  yName: string,
  points: { x: number; value: number; converged: boolean }[],
  params: unknown,
): Series {
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const stats = xs.map((x) => {
    const at = points.filter((p) => p.x === x && Number.isFinite(p.value));
    const s = summarize(at.map((p) => p.value));
    return { x, mean: s.mean, stderr: s.stderr, n: s.n, converged: at.every((p) => p.converged) };
  });
  return {
    name,
    kind: 'simulation',
    panel,
    group,
    params,
    x: { name: xName, values: stats.map((s) => s.x) },
    y: { name: yName, values: stats.map((s) => s.mean), stderr: stats.map((s) => s.stderr) },
    converged: stats.map((s) => s.converged),
    seeds: stats.map((s) => s.n),
  };
}

function figure(view: ExplorerView, params: unknown, series: Series[], plot: FigureData['plot']): FigureData {
  return { figure: view.id, title: view.title, description: view.description, paper: view.paper, params, series, plot, provenance: { source: 'ftlab explorer' } };
}

// ---------------------------------------------------------------------------------------------------
// Shachaf et al. (2021): linear fine-tuning against scratch

const SHACHAF = 'Shachaf, Brutzkus & Globerson (NeurIPS 2021)';

/**
 * The citation shown for a theory function: its paper by authors, venue and year, and any third-party source it
 * names after a ";" (the registry's `paper` text also carries section pointers for the CLI's listing).
 */
function citationOf(registryPaper: string): string {
  const [own, ...others] = registryPaper.split(';').map((part) => part.trim());
  const paper = /^Shachaf/.test(own) ? SHACHAF : /^Tahir/.test(own) ? TAHIR : /^Anguita/.test(own) ? ANGUITA : own.replace(/,?\s*digest.*$/, '');
  return [paper, ...others].join('; ');
}

function shachafProblem(p: ParamValues, n: number): LinearProblemInput {
  return {
    d: p.d,
    n,
    covariance: { spectrum: { kind: 'isotropic', scale: 1 }, basis: 'identity' },
    teachers: { kind: 'scaled', alpha: p.alpha, eps: p.eps },
    noise: p.noise,
    instanceSeed: 1,
  };
}

const shachafRisk: ExplorerView = {
  id: 'shachaf-risk',
  paper: SHACHAF,
  title: 'Fine-tuning from θ_S against training from scratch: risk against n',
  description:
    'Inputs $x \\sim \\mathcal N(0, I_d)$, target teacher $\\theta_T = \\alpha\\,\\theta_S + \\varepsilon\\,\\xi$ and labels $y = \\theta_T^\\top x + \\sigma z$. Lines: the exact expected population risk $R(w) = \\mathbb E\\,\\lVert w - \\theta_T \\rVert^2$ of the minimum-distance interpolator of the n target samples, started from the source teacher $\\theta_S$ (fine-tuning) or from $0$ (scratch). Below the interpolation threshold, fine-tuning gives $R = (1 - n/d)\\,\\lVert \\theta_S - \\theta_T \\rVert^2 + \\sigma^2 \\frac{n}{d - n - 1}$; the noise term diverges at $n = d$. Points: full-batch gradient descent run to convergence on seeded data.',
  params: [
    { name: 'd', label: 'd (input dimension)', description: 'input dimension', default: 100, min: 10, max: 400, integer: true, typical: [10, 400] },
    { name: 'alpha', label: 'α (θ_T = αθ_S + εξ)', description: 'source similarity α', default: 1, min: -1, max: 2, step: 0.05, typical: [-1, 2] },
    { name: 'eps', label: 'ε (target-specific part)', description: 'size ε of the target-specific direction', default: 0.5, min: 0, max: 2, step: 0.05, typical: [0, 2] },
    { name: 'noise', label: 'σ (label noise s.d.)', description: 'label noise standard deviation σ', default: 0.1, min: 0, max: 1, step: 0.01, typical: [0, 1] },
  ],
  presets: ['shachaf-linear-risk'],
  theory(p) {
    // With label noise the risk is infinite for d − 1 ≤ n ≤ d + 1: those n are kept (and flagged) so that the
    // picture marks the divergence instead of joining its two sides into a finite peak.
    const ns = [...new Set([...linspace(1, 2 * p.d, 60).map(Math.round), ...(p.noise > 0 ? [p.d - 1, p.d, p.d + 1] : [])])].sort((a, b) => a - b);
    const curve = (start: 'source' | 'zero') => ns.map((n) => predictLinearRisk(linearProblemSchema.parse(shachafProblem(p, n)), start));
    const series: Series[] = (['source', 'zero'] as const).map((start) => {
      const pts = curve(start);
      const name = start === 'source' ? 'fine-tuning from θ_S' : 'scratch (from 0)';
      return {
        name,
        kind: 'theory',
        group: name,
        method: pts[0].method,
        params: { ...p, start },
        x: { name: 'n', values: ns },
        y: { name: 'population risk', values: pts.map((q) => q.risk) },
        converged: pts.map((q) => q.converged),
      };
    });
    for (const s of series) noteNonFinite(s, (field, _i, v) => (field === 'y' && v === Infinity ? varianceDivergenceReason('d') : undefined));
    return figure(this, p, series, { xLabel: 'n (target samples)', yLabel: 'population risk', yScale: 'log' });
  },
  simulation: {
    label: 'GD to convergence (tol 1e-10), 3 seeds at 6 values of n',
    jobs(p) {
      const ns = [...new Set([0.1, 0.3, 0.5, 0.7, 1.4, 1.8].map((f) => Math.max(1, Math.round(f * p.d))))];
      return ns.flatMap((n) =>
        [0, 1, 2].map((seed) => ({ type: 'linear-finetune', params: { problem: shachafProblem(p, n), training: { solver: 'gd', tol: 1e-10 } }, seed, x: n, group: 'both' })),
      );
    },
    series(p, _c, results) {
      return (['fineTune', 'scratch'] as const).map((proc) =>
        meanSeries(
          proc === 'fineTune' ? 'fine-tuning from θ_S (GD)' : 'scratch (GD)',
          proc === 'fineTune' ? 'fine-tuning from θ_S' : 'scratch (from 0)',
          undefined,
          'n',
          'population risk',
          results.map((r) => ({ x: r.job.x, value: r.output.metrics[`${proc}.risk`], converged: r.output.metrics[`${proc}.converged`] === 1 })),
          { ...p, job: 'linear-finetune' },
        ),
      );
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// Tahir, Ganguli & Rotskoff (2025): the transferability phase diagram and a slice with simulation

const TAHIR = 'Tahir, Ganguli & Rotskoff (ICML 2025), "Features are fate"';
/** The label-noise parameter shared by the Tahir views. */
const TAHIR_SIGMA: ExplorerParam = { name: 'sigma', label: 'σ (label noise s.d.)', description: 'label noise standard deviation σ', default: 0.2, min: 0, max: 1, step: 0.01, typical: [0, 1] };

const tahirPhase: ExplorerView = {
  id: 'tahir-phase',
  paper: TAHIR,
  title: 'Transferability phase diagram over (θ, γ)',
  description:
    'Transferability $T = R_{\\mathrm{sc}} - R$, the risk of training from scratch minus the risk after pretraining, over the angle $\\theta$ between the source and target teachers and the sample ratio $\\gamma = n/d$, in the limit $d \\to \\infty$: blue where pretraining helps ($T > 0$), red where it hurts; the black line is $T = 0$. Linear transfer refits a linear readout on the pretrained features with ridge $\\lambda$ (Theorem 3.7, eq. 11; eq. 13 for $\\lambda > 0$); fine-tuning trains the whole two-layer linear network (Theorem 3.9, with the balancedness $\\kappa$).',
  params: [
    TAHIR_SIGMA,
    { name: 'lambda', label: 'λ (linear-transfer ridge)', description: 'ridge λ of the linear-transfer refit', default: 0, min: 0, max: 1, step: 0.01, typical: [0, 1] },
  ],
  choices: [{ name: 'procedure', label: 'procedure', options: ['linear transfer', 'fine-tuning'], default: 'linear transfer' }],
  presets: ['tahir-lt-phase', 'tahir-ft-phase'],
  theory(p, c) {
    const thetas = linspace(0, Math.PI / 2, 31);
    const gammas = linspace(0.05, 2, 31);
    const t = (theta: number, gamma: number): number => {
      if (c.procedure === 'fine-tuning') return fineTuningTransferability(theta, gamma, p.sigma, { kappa: true });
      return p.lambda > 0 ? ridgeLinearTransferability(theta, gamma, p.sigma, p.lambda) : linearTransferability(theta, gamma, p.sigma);
    };
    const grid = gridSeries(thetas, gammas, (th, g) => {
      const v = t(th, g);
      return Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : NaN;
    });
    const zero = levelSet(thetas, gammas, grid.field, 0);
    const series: Series[] = [
      {
        name: `T (${c.procedure})`,
        kind: 'theory',
        panel: 'phase diagram',
        style: 'heatmap',
        method: 'closed form (d → ∞), clamped to [−1, 1]',
        params: { ...p, ...c },
        x: { name: 'θ (radians)', values: grid.x },
        y: { name: 'γ = n/d', values: grid.y },
        z: { name: 'T', values: grid.z },
      },
      {
        name: 'T = 0',
        kind: 'theory',
        panel: 'phase diagram',
        style: 'contour',
        group: 'T = 0',
        params: { ...p, ...c, level: 0 },
        x: { name: 'θ (radians)', values: zero.x },
        y: { name: 'γ = n/d', values: zero.y },
      },
    ];
    return figure(this, { ...p, ...c }, series, { xLabel: 'θ (radians)', yLabel: 'γ = n/d', zLabel: 'T = R_sc − R', zDomain: [-1, 1] });
  },
};

const tahirSlice: ExplorerView = {
  id: 'tahir-slice',
  paper: TAHIR,
  title: 'Transferability against γ = n/d at one angle θ, with simulation',
  description:
    'Transferability against $\\gamma = n/d$ at a fixed angle $\\theta$: $T_{\\mathrm{lt}} = R_{\\mathrm{sc}} - R_{\\mathrm{lt}}$ for linear transfer (exact mean at finite $d$, Theorem 3.7) and $T_{\\mathrm{ft}} = R_{\\mathrm{sc}} - R_{\\mathrm{ft}}$ for fine-tuning (Theorem 3.9 with $\\kappa$, $d \\to \\infty$). The scratch risk has the noise term $\\sigma^2 \\gamma / (1 - \\gamma)$, which diverges at $\\gamma = 1$. Points: two-layer linear networks pretrained on the source teacher, then transferred or fine-tuned in their implicit-bias limit and compared with scratch training from a small initialisation; mean over instances.',
  params: [
    { name: 'thetaDeg', label: 'θ (degrees)', description: 'angle θ between the source and target teachers, in degrees', default: 45, min: 0, max: 90, step: 1, typical: [0, 90] },
    TAHIR_SIGMA,
    { name: 'd', label: 'd (simulation and finite-d theory)', description: 'input dimension of the simulation and of the finite-d theory', default: 60, min: 20, max: 200, integer: true, typical: [20, 200] },
  ],
  presets: ['tahir-lt-phase'],
  theory(p) {
    const theta = (p.thetaDeg * Math.PI) / 180;
    // With label noise the finite-d mean is infinite for |n − d| ≤ 1: kept, so that the divergence is marked.
    const ns = [...new Set(linspace(3, 2 * p.d, 50).map(Math.round))].filter((n) => Math.abs(n - p.d) > 2);
    if (p.sigma > 0) ns.push(p.d - 1, p.d, p.d + 1);
    ns.sort((a, b) => a - b);
    const lt = ns.map((n) => linearTransferabilityFinite(theta, n, p.d, p.sigma));
    const gammas = linspace(0.02, 2, 100).filter((g) => Math.abs(g - 1) > 0.02);
    const ft = gammas.map((g) => fineTuningTransferability(theta, g, p.sigma, { kappa: true }));
    const series: Series[] = [
      { name: 'T_lt (exact finite d)', kind: 'theory', group: 'linear transfer', method: 'exact expectation', params: { ...p }, x: { name: 'γ = n/d', values: ns.map((n) => n / p.d) }, y: { name: 'T', values: lt } },
      { name: 'T_ft (d → ∞, κ)', kind: 'theory', group: 'fine-tuning', method: 'closed form', params: { ...p }, x: { name: 'γ = n/d', values: gammas }, y: { name: 'T', values: ft } },
    ];
    return figure(this, p, series, { xLabel: 'γ = n/d', yLabel: 'transferability T = R_sc − R', yDomain: [-2, 1] });
  },
  simulation: {
    label: '4 instances at 6 values of γ (implicit-bias limits; pretraining by gradient flow)',
    jobs(p) {
      const theta = (p.thetaDeg * Math.PI) / 180;
      const ns = [...new Set([0.2, 0.4, 0.6, 0.8, 1.3, 1.8].map((g) => Math.max(1, Math.round(g * p.d))))];
      return ns.flatMap((n) =>
        [0, 1, 2, 3].map((seed) => ({ type: 'tahir-transfer', params: { d: p.d, n, sigma: p.sigma, thetas: [theta], solver: 'implicit-bias' }, seed, x: n / p.d, group: 'all' })),
      );
    },
    series(p, _c, results) {
      const point = (r: SimulationResult, key: 'lt' | 'ft') => {
        const m = r.output.metrics;
        const sc = m['sc.0.0.risk'];
        const other = key === 'lt' ? m['lt.0.0.risk'] : m['ft.0.risk'];
        const ok = m['sc.0.0.converged'] !== 0 && (key === 'lt' || m['ft.0.converged'] !== 0);
        return { x: r.job.x, value: sc - other, converged: ok };
      };
      return [
        meanSeries('T_lt (simulation)', 'linear transfer', undefined, 'γ = n/d', 'T', results.map((r) => point(r, 'lt')), { ...p, job: 'tahir-transfer' }),
        meanSeries('T_ft (simulation)', 'fine-tuning', undefined, 'γ = n/d', 'T', results.map((r) => point(r, 'ft')), { ...p, job: 'tahir-transfer' }),
      ];
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// Anguita et al. (2026): replica curves for the user's initialisation and task

const ANGUITA = 'Anguita et al. (2026), "A Theory of How Pretraining Shapes Inductive Bias in Fine-Tuning"';
const REPLICA_ALPHAS = linspace(0.02, 0.6, 30);
const CANONICAL = [
  { id: 'I', ratio: -1, gammaFT: 1e-6 },
  { id: 'II', ratio: 0, gammaFT: 0 },
  { id: 'III', ratio: 0, gammaFT: 10 },
  { id: 'IV', ratio: -0.99, gammaFT: 0 },
] as const;

/** Replica curves of the canonical regimes depend only on the task and c_PT: cached while the other sliders move. */
const canonicalCache = new Map<string, ReplicaPoint[]>();

function replicaLine(name: string, group: string, params: Parameters<typeof replicaCurve>[0]): Series {
  const key = JSON.stringify(params);
  let curve = canonicalCache.get(key);
  if (!curve) {
    curve = replicaCurve(params);
    if (canonicalCache.size > 200) canonicalCache.clear();
    canonicalCache.set(key, curve);
  }
  return replicaCurveSeries(curve, { name, group, params });
}

const anguitaReplica: ExplorerView = {
  id: 'anguita-replica',
  paper: ANGUITA,
  title: 'Fine-tuning a diagonal network: replica error against α for your initialisation',
  description:
    'Replica-symmetric prediction of the generalisation error $\\varepsilon_g = \\tfrac1d \\lVert \\hat\\beta - \\beta^* \\rVert^2$ of a two-layer diagonal linear network fine-tuned on $n = \\alpha d$ samples, for the initialisation you set (scale $c_{\\mathrm{PT}}$, layer imbalance $\\lambda_{\\mathrm{PT}}$, readout re-initialisation $\\gamma_{\\mathrm{FT}}$), beside the four canonical fine-tuning regimes at the same $c_{\\mathrm{PT}}$. Task: a sparse pretraining teacher of density $\\rho_{\\mathrm{PT}}$ and a fine-tuning teacher of density $\\rho_{\\mathrm{FT}}$, a fraction $\\omega$ of whose support lies inside the pretraining support. Points: networks trained to their implicit-bias limit (Theorem 4.1) on seeded data at $d = 300$; red crosses mark points whose runs did not converge.',
  params: [
    { name: 'rhoPT', label: 'ρ_PT (pretraining density)', description: 'pretraining density ρ_PT', default: 0.1, min: 0, max: 1, step: 0.01, typical: [0, 1] },
    { name: 'rhoFT', label: 'ρ_FT (fine-tuning density)', description: 'fine-tuning density ρ_FT', default: 0.1, min: 0.005, max: 1, log: true, typical: [0.005, 1] },
    { name: 'omega', label: 'ω (overlap with PT support)', description: 'fraction of the fine-tuning support inside the pretraining support', default: 0.5, min: 0, max: 1, step: 0.01, typical: [0, 1] },
    { name: 'cPT', label: 'c_PT (absolute scale)', description: 'absolute initialisation scale c_PT', default: 1e-3, min: 1e-4, max: 10, log: true, typical: [1e-4, 10] },
    { name: 'lambdaRatio', label: 'λ_PT / c_PT (layer imbalance)', description: 'relative layer imbalance λ_PT/c_PT (−1: vanishing first layer)', default: -0.99, min: -1, max: 1, step: 0.01, typical: [-1, 1] },
    { name: 'gammaFT', label: 'γ_FT (readout re-init scale)', description: 'readout re-initialisation scale γ_FT', default: 0, min: 0, max: 10, step: 0.01, typical: [0, 10] },
    { name: 'noise', label: 'σ0² (label-noise variance)', description: 'label-noise variance σ0²', default: 0, min: 0, max: 1, step: 0.01, typical: [0, 1] },
  ],
  presets: ['anguita-fig3', 'anguita-fig3-sim'],
  bounds: (p) => fourGroupBounds(p),
  check(p) {
    if (p.omega * p.rhoFT > p.rhoPT + 1e-12) throw new RangeError(`omega: expected ω·ρ_FT ≤ ρ_PT, i.e. ω ≤ ${(p.rhoPT / p.rhoFT).toPrecision(3)} (got ${p.omega})`);
    if (p.rhoPT + (1 - p.omega) * p.rhoFT > 1 + 1e-12) throw new RangeError(`rhoFT: expected ρ_PT + (1 − ω)ρ_FT ≤ 1 (got ${(p.rhoPT + (1 - p.omega) * p.rhoFT).toPrecision(4)})`);
    if (p.lambdaRatio === -1 && p.gammaFT === 0) throw new RangeError('gammaFT: expected a number > 0 when λ_PT = −c_PT (the network is stuck at β = 0)');
  },
  theory(p) {
    const task = { rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, noise: p.noise, alphas: REPLICA_ALPHAS };
    const series = [
      replicaLine('your initialisation', 'your initialisation', { ...task, cPT: p.cPT, lambdaPT: p.lambdaRatio * p.cPT, gammaFT: p.gammaFT }),
      ...CANONICAL.map((r) => replicaLine(`regime ${r.id}`, `regime ${r.id}`, { ...task, cPT: p.cPT, lambdaPT: r.ratio * p.cPT, gammaFT: r.gammaFT })),
    ];
    return figure(this, p, series, { xLabel: 'α = n/d', yLabel: 'generalisation error (1/d)‖β̂ − β*‖²', yDomain: [0, 1.6] });
  },
  simulation: {
    label: 'implicit-bias solver at d = 300, 3 seeds at 6 values of α',
    jobs(p) {
      const d = 300;
      return [0.05, 0.1, 0.2, 0.3, 0.4, 0.5].flatMap((alpha) =>
        [0, 1, 2].map((seed) => ({
          type: 'anguita-diagonal',
          params: { d, n: Math.round(alpha * d), rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, cPT: p.cPT, lambdaPT: p.lambdaRatio * p.cPT, gammaFT: p.gammaFT, noise: p.noise },
          seed,
          x: Math.round(alpha * d) / d,
          group: 'your initialisation',
        })),
      );
    },
    series(p, _c, results) {
      return [
        meanSeries('simulation (d = 300)', 'your initialisation', undefined, 'α = n/d', 'generalisation error', results.map((r) => ({ x: r.job.x, value: r.output.metrics.mse, converged: r.output.metrics.converged === 1 })), { ...p, job: 'anguita-diagonal' }),
      ];
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// Every `ftlab theory` function, against a parameter of the user's choice

const THEORY_POINTS = 41;

/** One x of a theory view where the function gave no value, and why (the function's own message). */
export interface PointFailure {
  x: number;
  message: string;
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

/**
 * What to tell the user about the x values where a theory function gave no value: the commonest reason (messages
 * alike but for their numbers count as one), in the function's own words (those of `ftlab theory`) at the x nearest
 * `at` (the value the CLI would use), and where along x it happened; `points` is how many x values were tried.
 */
export function describeFailures(failures: readonly PointFailure[], points: number, xName: string, at: number): string {
  const groups = new Map<string, PointFailure[]>();
  for (const f of failures) {
    const key = f.message.replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const common = [...groups.values()].sort((a, b) => b.length - a.length)[0];
  // The same words at every x tried: the reason does not depend on x.
  if (common.length === points && common.every((f) => f.message === common[0].message)) return common[0].message;
  const nearest = common.reduce((best, f) => (Math.abs(f.x - at) < Math.abs(best.x - at) ? f : best));
  const xs = common.map((f) => f.x);
  const where = common.length === 1 ? `${xName} = ${fmt(xs[0])}` : `${xName} in [${fmt(Math.min(...xs))}, ${fmt(Math.max(...xs))}]`;
  const count = common.length === points ? `all ${points}` : `${common.length} of the ${points}`;
  return `${nearest.message} — at ${count} values of ${xName} tried, ${where}`;
}

function theoryFunctionView(fn: TheoryFunction): ExplorerView {
  const xOptions = fn.params.map((q) => q.name);
  const first = fn.params.find((q) => !q.integer) ?? fn.params[0];
  const xRange = (q: (typeof fn.params)[number]) => {
    const to = Number.isFinite(q.max) && q.max <= Math.max(10 * Math.abs(q.default), 10) ? q.max : Math.max(2 * Math.abs(q.default), q.min + 1);
    // Within the typical range where that ends sooner (e.g. B ≤ s² = 1 of shachaf-deep-kappa).
    return { from: q.min, to: q.typical && q.typical[1] > q.min ? Math.min(to, q.typical[1]) : to };
  };
  const params: ExplorerParam[] = fn.params.map((q) => ({ ...q, label: q.name }));
  params.push(
    { name: 'xFrom', label: 'x from', description: 'start of the x range (within the x parameter\'s range)', default: xRange(first).from, min: -1e12, max: 1e12, boxOnly: true },
    { name: 'xTo', label: 'x to', description: 'end of the x range (within the x parameter\'s range)', default: xRange(first).to, min: -1e12, max: 1e12, boxOnly: true },
  );
  return {
    id: `theory:${fn.name}`,
    paper: citationOf(fn.paper),
    title: `${fn.name}`,
    description: fn.description,
    params,
    choices: [{ name: 'x', label: 'x axis', options: xOptions, default: first.name }],
    xAxis: { param: (c) => c.x, from: 'xFrom', to: 'xTo' },
    choiceDefaults(c) {
      const r = xRange(fn.params.find((q) => q.name === c.x) ?? first);
      return { xFrom: r.from, xTo: r.to };
    },
    bounds: fn.bounds ? (p) => fn.bounds!(p) : undefined,
    check(p, c) {
      const q = fn.params.find((r) => r.name === c.x)!;
      for (const end of ['xFrom', 'xTo'] as const) {
        const problem = rangeProblem(q, p[end]);
        if (problem) throw new RangeError(`${end}: the x parameter ${q.name} ${problem}`);
      }
      if (!(p.xTo > p.xFrom)) throw new RangeError(`xTo: expected a number > xFrom = ${p.xFrom} (got ${p.xTo})`);
    },
    theory(p, c) {
      const q = fn.params.find((r) => r.name === c.x)!;
      // The x range within the bounds the other values put on x (e.g. ω·ρ_FT ≤ ρ_PT ≤ 1 − (1 − ω)ρ_FT for x = ρ_PT).
      const bound = fn.bounds?.(p)[c.x] ?? {};
      let [from, to] = [Math.max(p.xFrom, bound.min ?? -Infinity), Math.min(p.xTo, bound.max ?? Infinity)];
      if (q.integer) [from, to] = [Math.ceil(from), Math.floor(to)];
      if (!(to > from)) [from, to] = [p.xFrom, p.xTo];
      let xs = linspace(from, to, THEORY_POINTS);
      if (q.integer) xs = [...new Set(xs.map(Math.round))];
      const failures: PointFailure[] = [];
      const rows: (Record<string, number> | null | undefined)[] = xs.map(() => undefined);
      const evaluateAt = (i: number) => {
        const at = { ...p, [c.x]: xs[i] };
        try {
          fn.check?.(at);
          rows[i] = fn.evaluate(at);
        } catch (e) {
          // Outside the function's domain at this x (e.g. an unconverged fixed point): a gap in the line.
          failures.push({ x: xs[i], message: e instanceof Error ? e.message : String(e) });
          rows[i] = null;
        }
      };
      // First the x nearest the user's value (the point the CLI would evaluate), the ends and the quartiles: where
      // all of these fail (an unconverged fixed point can cost seconds each) the rest is not tried.
      const n = xs.length;
      const nearest = xs.reduce((best, x, i) => (Math.abs(x - p[c.x]) < Math.abs(xs[best] - p[c.x]) ? i : best), 0);
      const probes = [...new Set([nearest, 0, n - 1, n >> 2, n >> 1, (3 * n) >> 2])];
      probes.forEach(evaluateAt);
      // Nothing to draw: say why in the function's own words, at the user's value of x (as the CLI would).
      if (failures.length === probes.length) throw new RangeError(describeFailures(failures, probes.length, c.x, p[c.x]));
      xs.forEach((_x, i) => rows[i] === undefined && evaluateAt(i));
      if (failures.length === n) throw new RangeError(describeFailures(failures, n, c.x, p[c.x]));
      const series: Series[] = fn.outputs.map((out) => ({
        name: out,
        kind: 'theory',
        panel: out,
        group: out,
        params: { function: fn.name, ...p, x: c.x },
        x: { name: c.x, values: xs },
        y: { name: out, values: rows.map((r) => (r ? r[out] : NaN)) },
        converged: rows.map((r) => r !== null),
      }));
      const fig = figure(this, { function: fn.name, ...p, x: c.x }, series, { xLabel: `${c.x} (${q.description})`, yLabel: 'value', independent: true, columns: Math.min(2, fn.outputs.length) });
      if (failures.length > 0) fig.provenance.notDrawn = `Not drawn: ${describeFailures(failures, xs.length, c.x, p[c.x])}.`;
      return fig;
    },
  };
}

export const EXPLORER_VIEWS: readonly ExplorerView[] = [shachafRisk, tahirPhase, tahirSlice, anguitaReplica, ...THEORY.map(theoryFunctionView)];

export function getView(id: string): ExplorerView {
  const v = EXPLORER_VIEWS.find((x) => x.id === id);
  if (!v) throw new RangeError(`view: unknown id "${id}"`);
  return v;
}
