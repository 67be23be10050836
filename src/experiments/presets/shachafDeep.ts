/**
 * Deep-linear figures of Shachaf et al. 2021 (digest §4 and §6): `shachaf-depth` (risk against depth,
 * Fig. 2a analogue), `shachaf-scale` (a 7-layer network with the source or the target rescaled, Fig. 2b
 * analogue) and `shachaf-freeze` (risk against n with all layers trained, W_1 frozen, or only W_1 trained).
 * Simulations fine-tune real layered networks from the balanced rank-one pretrained network to convergence,
 * by the solver the user picks (`--solver`, job `deep-linear-finetune`'s `training.method`): gradient flow
 * (adaptive Dormand–Prince; the default, as before the choice existed), full-batch GD, or the closed-form
 * limit without training; the theory is the implicit-bias closed form evaluated on the same datasets. Both
 * are averaged over the same seeds. L = ∞ points are theory only: their jobs train nothing and keep the
 * default method whatever the solver, so every solver shares them.
 */
import type { JobSpec } from '../job.js';
import type { FigureData, FigureTable, Series } from '../../plots/figure.js';
import { DEEP_SOLVERS, type DeepSolver } from '../jobs/deepLinearFineTune.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';

const INFINITY_X = 100; // where L = ∞ is drawn on the depth axis

interface DeepPoint {
  d: number;
  n: number;
  alpha: number;
  eps: number;
  depth: number | 'Infinity';
  sourceScale?: number;
  targetScale?: number;
  frozen?: number[];
}

/** The solver of a run of the figure: `--solver`, or the default (gradient flow). */
export function deepSolverOf(o: Pick<PresetOptions, 'solver'>): DeepSolver {
  const s = o.solver ?? DEEP_SOLVERS[0];
  if (!(DEEP_SOLVERS as readonly string[]).includes(s)) throw new RangeError(`--solver: expected one of ${DEEP_SOLVERS.join(', ')} (got "${s}")`);
  return s as DeepSolver;
}

/** How the simulated series is labelled, by solver (gradient flow keeps the figures' original names). */
const SOLVER_LABEL: Record<DeepSolver, string> = { flow: 'gradient flow', gd: 'GD', 'closed-form': 'closed-form solver' };

/** One sentence for the figure's description: which solver produced the simulated points, and how. */
function solverText(solver: DeepSolver, regimes: string, limit: string): string {
  switch (solver) {
    case 'flow':
      return `Solver (--solver flow, the default): ${regimes} by gradient flow (Dormand–Prince, rtol 1e-11) until the training residual is 1e-8 of its start (or the gradient is negligible where the network cannot interpolate).`;
    case 'gd':
      return `Solver (--solver gd): ${regimes} by full-batch GD with step 0.5/(L‖w‖^{2−2/L}λ_max), recomputed every step, until the training residual is 1e-10 of its start (or the gradient is negligible); GD's end point is O(step) from the flow's, so the points sit a step-size bias away from the theory.`;
    case 'closed-form':
      return `Solver (--solver closed-form): no training; each seed’s end-to-end vector is the gradient-flow limit the theory gives on that seed’s data (${limit}), so the points lie on the theory by construction — test/deep-solver.test.ts holds this solver to flow and GD runs of the same jobs.`;
  }
}

function deepJob(p: DeepPoint, seed: number, solver: DeepSolver): JobSpec {
  return {
    type: 'deep-linear-finetune',
    params: {
      problem: {
        d: p.d,
        n: p.n,
        covariance: { spectrum: { kind: 'isotropic', scale: 1 }, basis: 'identity' },
        teachers: { kind: 'scaled', alpha: p.alpha, eps: p.eps },
        noise: 0,
        instanceSeed: seed, // a fresh teacher pair per seed, as in digest §6.4
      },
      depth: p.depth,
      sourceScale: p.sourceScale ?? 1,
      targetScale: p.targetScale ?? 1,
      // L = ∞ trains nothing (theory only): its job keeps the default method, shared by every solver
      training: { method: p.depth === 'Infinity' ? DEEP_SOLVERS[0] : solver, frozen: p.frozen ?? [] },
    },
    seed,
  };
}

function seedsOf(p: DeepPoint, seeds: number, solver: DeepSolver): JobSpec[] {
  return Array.from({ length: seeds }, (_, s) => deepJob(p, s, solver));
}

interface Curve {
  xs: number[];
  ys: number[];
  se: number[];
  conv: boolean[];
  counts: number[];
}

function curve(lookup: ResultLookup, points: { x: number; p: DeepPoint }[], seeds: number, solver: DeepSolver, metric: string, convergedMetric?: string): Curve {
  const c: Curve = { xs: [], ys: [], se: [], conv: [], counts: [] };
  for (const { x, p } of points) {
    const agg = aggregateMetric(lookup, seedsOf(p, seeds, solver), metric, convergedMetric);
    if (!agg) continue;
    c.xs.push(x);
    c.ys.push(agg.mean);
    c.se.push(agg.stderr);
    c.conv.push(agg.converged);
    c.counts.push(agg.n);
  }
  return c;
}

function pushPair(series: Series[], lookup: ResultLookup, seeds: number, solver: DeepSolver, label: string, panel: string, xName: string, points: { x: number; p: DeepPoint }[], simulate: boolean, yName: string, metric = 'normalizedRisk'): void {
  const jobParams = { job: deepJob(points[0].p, 0, solver), varies: xName, seeds: `0..${seeds - 1}` };
  // Finite depths are a curve; the L = ∞ limit is drawn as a separate marker, not joined to it.
  for (const limit of [false, true]) {
    const pts = points.filter((q) => (q.p.depth === 'Infinity') === limit);
    if (pts.length === 0) continue;
    const th = curve(lookup, pts, seeds, solver, `theory.${metric}`, 'theory.converged');
    series.push({
      name: `${label} (theory${limit ? ', L = ∞' : ''}) · ${panel}`,
      kind: 'theory',
      panel,
      group: label,
      style: limit && pts.length === 1 ? 'markers' : 'line',
      method: 'implicit-bias closed form on the same datasets',
      params: { ...jobParams, job: deepJob(pts[0].p, 0, solver), metric: `theory.${metric}` },
      x: { name: xName, values: th.xs },
      y: { name: yName, values: th.ys, stderr: th.se },
      converged: th.conv,
      seeds: th.counts,
    });
  }
  if (!simulate) return;
  const sim = curve(lookup, points.filter((q) => q.p.depth !== 'Infinity'), seeds, solver, metric, 'converged');
  series.push({
    name: `${label} (${SOLVER_LABEL[solver]}) · ${panel}`,
    kind: 'simulation',
    panel,
    group: label,
    method: solver === 'closed-form' ? 'closed-form solver (the gradient-flow limit, no training)' : undefined,
    params: { ...jobParams, metric, solver },
    x: { name: xName, values: sim.xs },
    y: { name: yName, values: sim.ys, stderr: sim.se },
    converged: sim.conv,
    seeds: sim.counts,
  });
}

// ---------------------------------------------------------------- shachaf-depth

const DEPTHS: (number | 'Infinity')[] = [1, 2, 3, 5, 7, 10, 50, 'Infinity'];
const ALPHAS = [0.25, 0.5, 1, 2, 4];
const EPSILONS = [0.1, 0.5];

function depthGrid(quick: boolean) {
  return { alphas: quick ? [0.5, 2] : ALPHAS, depths: quick ? ([1, 3, 10, 'Infinity'] as (number | 'Infinity')[]) : DEPTHS };
}

/** Other solvers than the default, for `ftlab list` (the figure itself states the one used). */
const OTHER_SOLVERS = ' Other solvers: --solver gd (full-batch GD to convergence) or --solver closed-form (no training: the gradient-flow limit from the theory, much faster).';

function depthDescription(solver: DeepSolver): string {
  return (
    'Σ = I, d = 100, n = d/10 = 10 noiseless samples, θ_S ~ N(0, I/d), θ_T = α θ_S + ε ξ (a fresh pair per seed). ' +
    'Simulation: depth-L network (hidden width 4) initialised at the balanced rank-one network with end-to-end θ_S, fine-tuned on all layers. ' +
    solverText(solver, 'all layers fine-tuned', 'the κ_L solution') +
    ' Theory: w_L = X⁺y + κ_L (I − P)θ_S on the same data. ' +
    `Risk is divided by ‖θ_T‖²; L = ∞ (theory only) is drawn at L = ${INFINITY_X}. Scratch: 1 − n/d = 0.9.`
  );
}

export const shachafDepth: FigurePreset = {
  id: 'shachaf-depth',
  title: 'Deep linear fine-tuning: risk against depth',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), §4, Fig. 2a analogue',
  description: depthDescription('flow') + OTHER_SOLVERS,
  defaultSeeds: 50,
  quickSeeds: 8,
  solvers: DEEP_SOLVERS,
  jobs(o: PresetOptions): JobSpec[] {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const { alphas, depths } = depthGrid(quick);
    const specs: JobSpec[] = [];
    for (const eps of EPSILONS) for (const alpha of alphas) for (const depth of depths) specs.push(...seedsOf({ d: 100, n: 10, alpha, eps, depth }, seeds, solver));
    return specs;
  },
  build(lookup: ResultLookup, o: PresetOptions): FigureData {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const { alphas, depths } = depthGrid(quick);
    const series: Series[] = [];
    const rows: (string | number)[][] = [];
    for (const eps of EPSILONS) {
      const panel = `ε = ${eps}`;
      for (const alpha of alphas) {
        const points = depths.map((depth) => ({ x: depth === 'Infinity' ? INFINITY_X : depth, p: { d: 100, n: 10, alpha, eps, depth } as DeepPoint }));
        pushPair(series, lookup, seeds, solver, `α = ${alpha}`, panel, 'depth L', points, true, 'risk / ‖θ_T‖²');
        const th = curve(lookup, points, seeds, solver, 'theory.normalizedRisk');
        const sim = curve(lookup, points, seeds, solver, 'normalizedRisk');
        rows.push([eps, alpha, 'theory', ...depths.map((_, i) => round(th.ys[i]))]);
        rows.push([eps, alpha, solver === 'flow' ? 'simulation' : SOLVER_LABEL[solver], ...depths.map((dp, i) => (dp === 'Infinity' ? '' : round(sim.ys[i])))]);
      }
    }
    const table: FigureTable = { title: 'risk / ‖θ_T‖² (mean over seeds)', columns: ['eps', 'alpha', 'kind', ...depths.map((d) => `L=${d === 'Infinity' ? '∞' : d}`)], rows };
    return {
      figure: this.id,
      title: this.title,
      description: depthDescription(solver),
      paper: this.paper,
      params: { d: 100, n: 10, alphas, epsilons: EPSILONS, depths, seeds, hiddenWidth: 4, method: solver, solver },
      series,
      tables: [table],
      plot: { xLabel: `depth L (∞ drawn at ${INFINITY_X})`, yLabel: 'risk / ‖θ_T‖²', xScale: 'log', yScale: 'log', columns: 2 },
      provenance: {},
    };
  },
};

// ---------------------------------------------------------------- shachaf-scale

const SCALES = [0.25, 0.5, 1, 2, 4];

function scaleDescription(solver: DeepSolver): string {
  return (
    'Σ = I, d = 100, n = 10, θ_T = θ_S + 0.1 ξ; the source network’s end-to-end vector (left) or the target teacher (right) is multiplied by c. ' +
    'Depth 1 and 7 are simulated (from the balanced network, all layers) beside the implicit-bias closed form; L = ∞ is theory only. ' +
    solverText(solver, 'all layers fine-tuned', 'the κ_L solution') +
    ' A factor c on the source acts like c^{1/L} (7 layers: 4 → 1.22); L = ∞ is scale invariant.'
  );
}

export const shachafScale: FigurePreset = {
  id: 'shachaf-scale',
  title: 'Rescaling the source or the target: depth 1, 7 and ∞',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), §4.3, Fig. 2b analogue',
  description: scaleDescription('flow') + OTHER_SOLVERS,
  defaultSeeds: 50,
  quickSeeds: 8,
  solvers: DEEP_SOLVERS,
  jobs(o: PresetOptions): JobSpec[] {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const specs: JobSpec[] = [];
    const scales = quick ? [0.25, 1, 4] : SCALES;
    for (const which of ['source', 'target'] as const)
      for (const c of scales)
        for (const depth of [1, 7, 'Infinity'] as const)
          specs.push(...seedsOf({ d: 100, n: 10, alpha: 1, eps: 0.1, depth, [which === 'source' ? 'sourceScale' : 'targetScale']: c }, seeds, solver));
    return specs;
  },
  build(lookup: ResultLookup, o: PresetOptions): FigureData {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const scales = quick ? [0.25, 1, 4] : SCALES;
    const series: Series[] = [];
    for (const which of ['source', 'target'] as const) {
      const panel = `θ_${which === 'source' ? 'S' : 'T'} scaled by c`;
      for (const depth of [1, 7, 'Infinity'] as const) {
        const points = scales.map((c) => ({ x: c, p: { d: 100, n: 10, alpha: 1, eps: 0.1, depth, [which === 'source' ? 'sourceScale' : 'targetScale']: c } as DeepPoint }));
        pushPair(series, lookup, seeds, solver, `L = ${depth === 'Infinity' ? '∞' : depth}`, panel, 'scale c', points, depth !== 'Infinity', 'risk / ‖θ_T‖²');
      }
    }
    return {
      figure: this.id,
      title: this.title,
      description: scaleDescription(solver),
      paper: this.paper,
      params: { d: 100, n: 10, alpha: 1, eps: 0.1, scales, depths: [1, 7, 'Infinity'], seeds, solver },
      series,
      plot: { xLabel: 'scale c', yLabel: 'risk / ‖θ_T‖²', xScale: 'log', yScale: 'log', columns: 2 },
      provenance: {},
    };
  },
};

// ---------------------------------------------------------------- shachaf-freeze

const FREEZE_D = 40;
const FREEZE_L = 4;
const FREEZE_NS = [2, 5, 10, 15, 20, 25, 30, 35];
const REGIMES = [
  { label: 'all layers trained', frozen: [] as number[] },
  { label: 'W₁ frozen', frozen: [1] },
  { label: 'only W₁ trained', frozen: [2, 3, 4] },
];

function freezeDescription(solver: DeepSolver): string {
  return (
    `Σ = I, d = ${FREEZE_D}, depth ${FREEZE_L} (hidden width 4) from the balanced rank-one network with end-to-end θ_S; θ_T = θ_S + 0.7 ξ, noiseless. ` +
    'With W₁ frozen the network can only rescale θ_S: it converges to the least-squares multiple c*θ_S and its risk stays above the floor ' +
    'min_c ‖θ_T − cθ_S‖² however large n is. Training only W₁ reproduces linear fine-tuning θ_S + X⁺(y − Xθ_S). ' +
    solverText(solver, 'the unfrozen layers trained', 'the κ_L solution; θ_S + X⁺(y − Xθ_S) with only W₁ trained; c*θ_S with W₁ frozen') +
    ' When the least-squares multiple c* is negative (possible at very small n), gradient flow from the balanced network cannot change the sign of c: ' +
    'the layer scales shrink together into the saddle w = 0 and the run is reported as not converged (drawn as a cross), not hidden' +
    (solver === 'closed-form' ? '; the closed-form solver returns that limit, w = 0, likewise marked not converged.' : '.')
  );
}

export const shachafFreeze: FigurePreset = {
  id: 'shachaf-freeze',
  title: 'Freezing layers of a 4-layer linear network: risk against n',
  paper: 'Shachaf, Brutzkus & Globerson (NeurIPS 2021), §4.5',
  description: freezeDescription('flow') + OTHER_SOLVERS,
  defaultSeeds: 40,
  quickSeeds: 6,
  solvers: DEEP_SOLVERS,
  jobs(o: PresetOptions): JobSpec[] {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const ns = quick ? [5, 20, 35] : FREEZE_NS;
    const specs: JobSpec[] = [];
    for (const r of REGIMES) for (const n of ns) specs.push(...seedsOf({ d: FREEZE_D, n, alpha: 1, eps: 0.7, depth: FREEZE_L, frozen: r.frozen }, seeds, solver));
    return specs;
  },
  build(lookup: ResultLookup, o: PresetOptions): FigureData {
    const { seeds, quick } = o;
    const solver = deepSolverOf(o);
    const ns = quick ? [5, 20, 35] : FREEZE_NS;
    const series: Series[] = [];
    const panel = '';
    for (const r of REGIMES) {
      const points = ns.map((n) => ({ x: n, p: { d: FREEZE_D, n, alpha: 1, eps: 0.7, depth: FREEZE_L, frozen: r.frozen } as DeepPoint }));
      pushPair(series, lookup, seeds, solver, r.label, panel, 'n', points, true, 'risk / ‖θ_T‖²');
    }
    const floor = curve(lookup, ns.map((n) => ({ x: n, p: { d: FREEZE_D, n, alpha: 1, eps: 0.7, depth: FREEZE_L, frozen: [1] } as DeepPoint })), seeds, solver, 'frozenFloorNormalized');
    series.push({
      name: 'floor min_c ‖θ_T − cθ_S‖² (theory)',
      kind: 'theory',
      group: 'W₁ frozen: floor',
      method: 'closed form, mean over the seeds’ teacher pairs',
      params: { metric: 'frozenFloorNormalized', seeds: `0..${seeds - 1}` },
      x: { name: 'n', values: floor.xs },
      y: { name: 'risk / ‖θ_T‖²', values: floor.ys },
    });
    return {
      figure: this.id,
      title: this.title,
      description: freezeDescription(solver),
      paper: this.paper,
      params: { d: FREEZE_D, depth: FREEZE_L, alpha: 1, eps: 0.7, ns, regimes: REGIMES, seeds, solver },
      series,
      plot: { xLabel: 'target samples n', yLabel: 'risk / ‖θ_T‖²', yScale: 'log' },
      provenance: {},
    };
  },
};

function round(v: number | undefined): number | string {
  return v === undefined ? '' : Math.round(v * 1e4) / 1e4;
}
