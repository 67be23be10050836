/**
 * The deep-linear figures of Tahir, Ganguli & Rotskoff, "Features are fate" (ICML 2025; digest §3–§5):
 * scratch double descent (Thm 3.6, eq. 8), the linear-transfer and fine-tuning phase diagrams (Thm 3.7,
 * eqs. 10–11; Thm 3.9, eqs. 14–15 with the balancedness κ of §3.4), ridge linear transfer (Thm 3.8,
 * eq. 13), finite source data (Thm C.1, eqs. 22–23), the best-weight-decay baseline (Fig. 5) and the KL
 * counterexample (Thm A.2). Simulations: job `tahir-transfer` (pretraining always a real gradient-flow
 * run; scratch and fine-tuning by the solver the user picks, `--solver implicit-bias | flow | gd`).
 *
 * Common settings (digest §5): L = 2, hidden width d, α = 1e-5, teachers, initialisation and pretrained
 * network shared by all instances (teacher seed 0), one target dataset per instance and γ, common random
 * numbers across θ. Full: d = 500, θ = (π/2)·{0.05, …, 1} and γ ∈ {0.1, …, 2} (20 × 20), 20 instances.
 * Quick: d = 40, θ = (π/2)·{0.125, …, 1} and γ ∈ {0.2, …, 2} (8 × 10), 8 instances.
 */
import type { JobSpec } from '../job.js';
import { noteNonFinite, type FigureData, type FigureTable, type NonFiniteField, type Series } from '../../plots/figure.js';
import { levelSet, linspace } from '../../plots/contour.js';
import { aggregateWith, type Aggregate, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';
import { SOLVERS, type TransferSolver } from '../jobs/tahirTransfer.js';
import {
  breakEvenAngleFiniteSource,
  fineTuningTransferability,
  fineTuningTransferabilityFiniteSource,
  fineTuningTransferabilityGivenSource,
  klAnglePair,
  linearTransferRiskFiniteSource,
  linearTransferRiskGivenSource,
  linearTransferability,
  linearTransferabilityFinite,
  optimalRidgeLambda,
  optimalRidgeRisk,
  ridgeLinearTransferRisk,
  ridgeLinearTransferRiskFinite,
  ridgeLinearTransferability,
  scratchRisk,
  scratchRiskFinite,
} from '../../theory/tahir/transfer.js';

const TYPE = 'tahir-transfer';
const PAPER = 'Tahir, Ganguli & Rotskoff (ICML 2025), "Features are fate"';
const DEG = 180 / Math.PI;
/** Scratch weight decays of the paper's sweep (torch SGD weight_decay, digest §2.3). */
const WEIGHT_DECAYS = [0, 1e-4, 1e-3, 1e-2, 1e-1];
/** Ridge λ of linear transfer stored by every phase job: exact refit, and the paper's plotted λ = 0.1. */
const PHASE_LAMBDAS = [0, 0.1];
const SLICE_THETAS = [Math.PI / 8, Math.PI / 4, (3 * Math.PI) / 8];

interface Grid {
  d: number;
  gammas: number[];
  thetas: number[];
}

const FULL: Grid = {
  d: 500,
  gammas: Array.from({ length: 20 }, (_, i) => round6(0.1 * (i + 1))),
  thetas: Array.from({ length: 20 }, (_, i) => (Math.PI / 2) * 0.05 * (i + 1)),
};
const QUICK: Grid = {
  d: 40,
  gammas: Array.from({ length: 10 }, (_, i) => round6(0.2 * (i + 1))),
  thetas: Array.from({ length: 8 }, (_, i) => (Math.PI / 2) * 0.125 * (i + 1)),
};

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

const gridOf = (o: PresetOptions): Grid => (o.quick ? QUICK : FULL);
const solverOf = (o: PresetOptions): TransferSolver => (o.solver as TransferSolver | undefined) ?? 'implicit-bias';
const nOf = (gamma: number, d: number): number => Math.max(1, Math.round(gamma * d));
const seedsOf = (o: PresetOptions): number[] => Array.from({ length: o.seeds }, (_, s) => s);

function solverText(solver: TransferSolver): string {
  switch (solver) {
    case 'implicit-bias':
      return 'Scratch and fine-tuning by their implicit-bias limits (the exact end point of gradient flow as α → 0: X⁺y for scratch, X⁺y + κ(I − P)w₀ for fine-tuning with κ from the conserved balancedness, the ‖w‖-penalised least squares for scratch with weight decay), from one spectral factorisation of X per instance; test/tahir-sim.test.ts holds them to converged gradient-flow runs.';
    case 'flow':
      return 'Scratch and fine-tuning trained by adaptive gradient flow (Dormand–Prince) until the residual or stationarity test passes; a run that stops on its budget is not converged and is marked.';
    case 'gd':
      return 'Scratch and fine-tuning trained by full-batch GD (step 1/curvature bound) until converged; GD ends O(step) away from the gradient-flow limit the theory describes.';
  }
}

function commonText(g: Grid, o: PresetOptions): string {
  return (
    `L = 2, hidden width d = ${g.d}, α = 1e-5 ('rand' init), x ~ N(0, I_d), unit β_s and β_t = cos θ β_s + sin θ ν, n = round(γd) target samples; ` +
    `risks are ‖β̂ − β_t‖²; ${o.seeds} instances (independent target data) per point, teachers and pretrained network shared, common random numbers across θ. ` +
    `Pretraining by gradient flow on the population source loss to a relative residual of 1e-9. ` +
    `Linear transfer: the last layer refit exactly (float64 least squares) on the pretrained features (directions with singular value > 1e-3 of the top one). ` +
    solverText(solverOf(o)) +
    ' Points and cells: mean over instances; bars ± 2 s.e.'
  );
}

interface PhaseJob {
  sigma: number;
  gamma: number;
  seed: number;
}

/** The job of one (σ, γ, instance) of the phase grid: all θ, LT at λ ∈ {0, 0.1}, FT, scratch (with the wd sweep when σ > 0). */
function phaseSpec(g: Grid, o: PresetOptions, j: PhaseJob): JobSpec {
  return {
    type: TYPE,
    params: {
      d: g.d,
      n: nOf(j.gamma, g.d),
      sigma: j.sigma,
      thetas: g.thetas,
      lambdas: PHASE_LAMBDAS,
      weightDecays: j.sigma > 0 ? WEIGHT_DECAYS : [0],
      scratch: true,
      fineTune: true,
      solver: solverOf(o),
    },
    seed: j.seed,
  };
}

function phaseJobs(o: PresetOptions, sigmas: number[]): JobSpec[] {
  const g = gridOf(o);
  return sigmas.flatMap((sigma) => g.gammas.flatMap((gamma) => seedsOf(o).map((seed) => phaseSpec(g, o, { sigma, gamma, seed }))));
}

type Cell = Aggregate;

/** Mean ± s.e. over instances of a per-instance value read from each job's metrics. */
const cellOf = (lookup: ResultLookup, specs: JobSpec[], value: (m: Record<string, number>) => { v: number; ok: boolean } | undefined): Cell | undefined =>
  aggregateWith(lookup, specs, (run) => value(run.metrics));

/** Per-instance mean over θ of the scratch risk at wd index w (each θ is a different teacher on the same X and ξ). */
const scratchOverThetas = (g: Grid, m: Record<string, number>, w = 0) => {
  const vs = g.thetas.map((_, k) => scratchAt(m, k, w));
  return { v: vs.reduce((s, r) => s + r.v, 0) / vs.length, ok: vs.every((r) => r.ok) };
};

/** Scratch risk at θ index k and wd index w. */
const scratchAt = (m: Record<string, number>, k: number, w = 0) => ({ v: m[`sc.${k}.${w}.risk`], ok: m[`sc.${k}.${w}.converged`] === 1 && m['pre.converged'] === 1 });
/** Paired T_lt = R_sc − R_lt (λ index l) at θ index k. */
const tLinear = (m: Record<string, number>, k: number, l: number) => {
  const sc = scratchAt(m, k);
  return { v: sc.v - m[`lt.${k}.${l}.risk`], ok: sc.ok };
};
/** Paired T_ft = R_sc − R_ft at θ index k. */
const tFine = (m: Record<string, number>, k: number) => {
  const sc = scratchAt(m, k);
  return { v: sc.v - m[`ft.${k}.risk`], ok: sc.ok && m[`ft.${k}.converged`] === 1 };
};

/** The simulated map: one heat-map cell per (θ, γ). */
function simulatedMap(panel: string, name: string, g: Grid, cells: (Cell | undefined)[][], params: unknown): Series {
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  const se: number[] = [];
  const conv: boolean[] = [];
  const seeds: number[] = [];
  g.gammas.forEach((gamma, j) =>
    g.thetas.forEach((theta, k) => {
      const c = cells[j][k];
      x.push(theta * DEG);
      y.push(gamma);
      z.push(c ? c.mean : NaN);
      se.push(c ? c.stderr : NaN);
      conv.push(c ? c.converged : true);
      seeds.push(c ? c.n : 0);
    }),
  );
  return {
    name,
    kind: 'simulation',
    panel,
    style: 'heatmap',
    params,
    x: { name: 'θ (degrees)', values: x },
    y: { name: 'γ = n/d', values: y },
    z: { name: 'T', values: z, stderr: se },
    converged: conv,
    seeds,
  };
}

const THEORY_THETAS = linspace(0.5, 90, 90).map((t) => t / DEG);
const THEORY_GAMMAS = linspace(0.05, 2, 79);

/** Reasons flagged beside the non-finite theory values in the figure JSON: the scratch spike at γ = 1, and n < 3. */
const SPIKE = 'diverges at γ = n/d = 1: the scratch risk’s noise term σ²γ/(1 − γ) (Marchenko–Pastur limit) is infinite at the interpolation threshold';
const FINITE_SPIKE = 'diverges for |n − d| ≤ 1: the mean trace of the inverse Gram matrix is infinite (exact finite-d mean, σ > 0)';
const FINITE_TOO_SMALL = 'not computed for n < 3 (the exact finite-d mean needs n ≥ 3)';
/** Flag an infinite theory value with `infinite`, a NaN with `nan` (else the generic reason). */
const spikeReasons =
  (infinite: string, nan?: string) =>
  (_field: NonFiniteField, _index: number, v: number): string | undefined =>
    Number.isNaN(v) ? nan : infinite;

/** Clamp for contouring: ±∞ (the scratch spike at γ = 1) becomes a large finite value of the same sign. */
const finiteForContour = (v: number): number => (Number.isNaN(v) ? 0 : Math.max(-1e3, Math.min(1e3, v)));

/** The theory map over a fine (θ, γ) grid, and its zero contour drawn on `contourPanels`. */
function theoryMap(panel: string, name: string, method: string, params: unknown, f: (theta: number, gamma: number) => number, thetas = THEORY_THETAS, gammas = THEORY_GAMMAS): { map: Series; field: Float64Array; xs: number[]; ys: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  const field = new Float64Array(thetas.length * gammas.length);
  gammas.forEach((gamma, j) =>
    thetas.forEach((theta, i) => {
      const v = f(theta, gamma);
      x.push(theta * DEG);
      y.push(gamma);
      z.push(v);
      field[j * thetas.length + i] = finiteForContour(v);
    }),
  );
  return {
    map: noteNonFinite({ name, kind: 'theory', panel, style: 'heatmap', method, params, x: { name: 'θ (degrees)', values: x }, y: { name: 'γ = n/d', values: y }, z: { name: 'T', values: z } }, spikeReasons(SPIKE)),
    field,
    xs: thetas.map((t) => t * DEG),
    ys: gammas,
  };
}

function zeroContour(panel: string, name: string, method: string, params: unknown, m: { field: Float64Array; xs: number[]; ys: number[] }): Series {
  const set = levelSet(m.xs, m.ys, m.field, 0);
  return { name, kind: 'theory', panel, style: 'contour', method, params, x: { name: 'θ (degrees)', values: set.x }, y: { name: 'γ = n/d', values: set.y } };
}

/** Slices through the simulated map at the grid θ nearest each slice angle, with the theory line over γ. */
function slices(panel: string, g: Grid, cells: (Cell | undefined)[][], theory: (theta: number, gamma: number) => number, method: string, params: unknown, finite?: (theta: number, n: number) => number): Series[] {
  const out: Series[] = [];
  for (const target of SLICE_THETAS) {
    const k = nearestIndex(g.thetas, target);
    const theta = g.thetas[k];
    const label = `θ = ${fmtAngle(theta)}`;
    const dense = linspace(0.02, 2.05, 204);
    out.push(noteNonFinite({ name: `theory ${label}`, kind: 'theory', panel, group: label, method, params: { ...(params as object), theta }, x: { name: 'γ', values: dense }, y: { name: 'T', values: dense.map((gm) => theory(theta, gm)) } }, spikeReasons(SPIKE)));
    if (finite) {
      out.push(noteNonFinite({
        name: `exact finite-d mean ${label}`,
        kind: 'theory',
        panel,
        group: label,
        style: 'markers',
        method: 'exact Gaussian finite-size mean',
        params: { ...(params as object), theta, d: g.d },
        x: { name: 'γ', values: g.gammas },
        y: { name: 'T', values: g.gammas.map((gm) => finite(theta, nOf(gm, g.d))) },
      }, spikeReasons(FINITE_SPIKE, FINITE_TOO_SMALL)));
    }
    const col = g.gammas.map((_, j) => cells[j][k]);
    out.push({
      name: `simulation ${label}`,
      kind: 'simulation',
      panel,
      group: label,
      params: { ...(params as object), theta },
      x: { name: 'γ', values: g.gammas },
      y: { name: 'T', values: col.map((c) => (c ? c.mean : NaN)), stderr: col.map((c) => (c ? c.stderr : NaN)) },
      converged: col.map((c) => (c ? c.converged : true)),
      seeds: col.map((c) => (c ? c.n : 0)),
    });
  }
  return out;
}

function nearestIndex(values: number[], target: number): number {
  let best = 0;
  values.forEach((v, i) => {
    if (Math.abs(v - target) < Math.abs(values[best] - target)) best = i;
  });
  return best;
}

function fmtAngle(theta: number): string {
  const q = (theta / Math.PI) * 8;
  if (Math.abs(q - Math.round(q)) < 1e-9) {
    const k = Math.round(q);
    const frac: Record<number, string> = { 1: 'π/8', 2: 'π/4', 3: '3π/8', 4: 'π/2', 6: '3π/4', 8: 'π' };
    if (frac[k]) return frac[k];
  }
  return `${(theta * DEG).toFixed(1)}°`;
}

/**
 * Agreement of a simulated map with a theory: the share of cells where the simulated sign matches the
 * theory's, among cells whose mean is resolved (|mean| > 2 s.e.) and whose theory value is finite.
 */
function signAgreement(g: Grid, cells: (Cell | undefined)[][], theory: (theta: number, gamma: number) => number): { agree: number; resolved: number; total: number } {
  let agree = 0;
  let resolved = 0;
  let total = 0;
  g.gammas.forEach((gamma, j) =>
    g.thetas.forEach((theta, k) => {
      const c = cells[j][k];
      if (!c) return;
      total++;
      const t = theory(theta, gamma);
      if (!Number.isFinite(t) || Math.abs(c.mean) <= 2 * c.stderr || Math.abs(t) < 1e-12) return;
      resolved++;
      if (Math.sign(t) === Math.sign(c.mean)) agree++;
    }),
  );
  return { agree, resolved, total };
}

type ThetaValue = (m: Record<string, number>, k: number) => { v: number; ok: boolean };

/** One cell per (γ, θ) of the grid: the value at θ index k over the instances of the job `specOf(γ, seed)`. */
function gridCells(lookup: ResultLookup, o: PresetOptions, specOf: (gamma: number, seed: number) => JobSpec, value: ThetaValue): (Cell | undefined)[][] {
  const g = gridOf(o);
  return g.gammas.map((gamma) => {
    const specs = seedsOf(o).map((seed) => specOf(gamma, seed));
    return g.thetas.map((_, k) => cellOf(lookup, specs, (m) => value(m, k)));
  });
}

/** The phase-grid cells at noise σ. */
function cellsOf(lookup: ResultLookup, o: PresetOptions, sigma: number, value: ThetaValue): (Cell | undefined)[][] {
  const g = gridOf(o);
  return gridCells(lookup, o, (gamma, seed) => phaseSpec(g, o, { sigma, gamma, seed }), value);
}

function notConvergedCount(cells: (Cell | undefined)[][]): number {
  return cells.flat().filter((c) => c && !c.converged).length;
}

function pretrainTable(lookup: ResultLookup, specs: JobSpec[]): FigureTable {
  const run = specs.map(lookup).find((r) => r && r.status === 'done');
  const m = run?.metrics ?? {};
  const v = (k: string) => (m[k] === undefined ? 'n/a' : Number(m[k].toPrecision(6)));
  return {
    title: 'Pretrained network (shared by every instance)',
    columns: ['converged', 'flow steps', '‖w − β_s‖²', 'feature rank', '|u₁·β_s|', 'σ₁', 'σ₂/σ₁'],
    rows: [[v('pre.converged'), v('pre.iterations'), v('pre.sourceRisk'), v('pre.featureRank'), v('pre.alignment'), v('pre.topSingular'), v('pre.nextRelative')]],
  };
}

const preset = (p: Omit<FigurePreset, 'paper' | 'solvers'>): FigurePreset => ({ ...p, paper: PAPER, solvers: SOLVERS });

function baseFigure(id: string, title: string, description: string, o: PresetOptions): Omit<FigureData, 'series' | 'plot'> {
  const g = gridOf(o);
  return { figure: id, title, description, paper: PAPER, params: { d: g.d, gammas: g.gammas, thetas: g.thetas, seeds: o.seeds, quick: o.quick, solver: solverOf(o) }, provenance: {} };
}

// ---------------------------------------------------------------------------------------------------

export const tahirScratch: FigurePreset = preset({
  id: 'tahir-scratch',
  title: 'Training from scratch: double descent of the min-norm deep linear network (Tahir et al. Thm 3.6)',
  description: 'Scratch risk R_sc against γ = n/d for σ ∈ {0, 0.2}: simulation, the asymptotic eq. 8 and the exact finite-d Gaussian mean.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => phaseJobs(o, [0, 0.2]),
  build(lookup, o) {
    const g = gridOf(o);
    const series: Series[] = [];
    const hidden: (string | number)[][] = [];
    for (const sigma of [0.2, 0]) {
      const label = `σ = ${sigma}`;
      const dense = linspace(0.02, 2.05, 300);
      series.push(noteNonFinite({ name: `theory eq. 8, ${label}`, kind: 'theory', group: label, method: 'Marchenko–Pastur limit', params: { sigma }, x: { name: 'γ', values: dense }, y: { name: 'R_sc', values: dense.map((gm) => scratchRisk(gm, sigma)) } }, spikeReasons(SPIKE)));
      const cells = g.gammas.map((gamma) => {
        const specs = seedsOf(o).map((seed) => phaseSpec(g, o, { sigma, gamma, seed }));
        return cellOf(lookup, specs, (m) => scratchOverThetas(g, m));
      });
      // σ = 0 and γ ≥ 1: the risk is exactly 0 (X has full column rank); kept in a table, not on the log axis.
      const shown = g.gammas.map((gm) => !(sigma === 0 && gm >= 1));
      g.gammas.forEach((gm, j) => {
        if (!shown[j]) hidden.push([sigma, gm, cells[j] ? Number(cells[j]!.mean.toPrecision(3)) : 'n/a', 0]);
      });
      const gs = g.gammas.filter((_, j) => shown[j]);
      const cs = cells.filter((_, j) => shown[j]);
      series.push(noteNonFinite({ name: `exact finite-d mean, ${label}`, kind: 'theory', group: label, style: 'markers', method: 'exact Gaussian mean (inverse-Wishart)', params: { sigma, d: g.d }, x: { name: 'γ', values: gs }, y: { name: 'R_sc', values: gs.map((gm) => scratchRiskFinite(nOf(gm, g.d), g.d, sigma)) } }, spikeReasons(FINITE_SPIKE)));
      series.push({
        name: `simulation, ${label}`,
        kind: 'simulation',
        group: label,
        params: { sigma, d: g.d, solver: solverOf(o) },
        x: { name: 'γ', values: gs },
        y: { name: 'R_sc', values: cs.map((c) => (c ? c.mean : NaN)), stderr: cs.map((c) => (c ? c.stderr : NaN)) },
        converged: cs.map((c) => (c ? c.converged : true)),
        seeds: cs.map((c) => (c ? c.n : 0)),
      });
    }
    return {
      ...baseFigure(
        this.id,
        this.title,
        `${this.description} ${commonText(g, o)} The finite-d mean is infinite for |n − d| ≤ 1 with σ > 0 (no marker), where a sample mean is dominated by the smallest singular value of X. ` +
          'For σ = 0 and γ ≥ 1 the risk is exactly 0 and cannot be drawn on the log axis: those points are in the table.',
        o,
      ),
      series,
      tables: [{ title: 'σ = 0, γ ≥ 1 (not drawn: exact zeros on a log axis)', columns: ['σ', 'γ', 'simulated R_sc', 'theory'], rows: hidden }, pretrainTable(lookup, phaseJobs({ ...o, seeds: 1 }, [0.2]))],
      plot: { xLabel: 'γ = n/d', yLabel: 'scratch risk R_sc = ‖β̂ − β_t‖²', yScale: 'log' },
    };
  },
});

export const tahirLtPhase: FigurePreset = preset({
  id: 'tahir-lt-phase',
  title: 'Linear transfer phase diagram T_lt(θ, γ) (Tahir et al. Thm 3.7, Fig. 1)',
  description:
    'T_lt = R_sc − R_lt at σ = 0.2 (blue: pretraining helps; black: T = 0 in theory). Simulated maps with the exact refit (λ = 0) and with the paper\'s plotted λ = 0.1, the theory map (eq. 11), and slices at θ = π/8, π/4, 3π/8.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => phaseJobs(o, [0.2]),
  build(lookup, o) {
    const g = gridOf(o);
    const sigma = 0.2;
    const exact = cellsOf(lookup, o, sigma, (m, k) => tLinear(m, k, 0));
    const ridge = cellsOf(lookup, o, sigma, (m, k) => tLinear(m, k, 1));
    const theory = (theta: number, gamma: number) => linearTransferability(theta, gamma, sigma);
    const theoryRidge = (theta: number, gamma: number) => ridgeLinearTransferability(theta, gamma, sigma, 0.1);
    const P1 = 'simulation, λ = 0 (exact refit)';
    const P2 = 'simulation, λ = 0.1 (the paper\'s plotted map)';
    const P3 = 'theory T_lt (eq. 11)';
    const P4 = 'slices: T_lt against γ (λ = 0)';
    const tm = theoryMap(P3, 'theory T_lt', 'eq. 11 (Marchenko–Pastur limit)', { sigma }, theory);
    const tmR = theoryMap(P3, 'theory T_lt, λ = 0.1', 'eq. 13', { sigma, lambda: 0.1 }, theoryRidge);
    const series: Series[] = [
      simulatedMap(P1, 'simulated T_lt, λ = 0', g, exact, { sigma, lambda: 0 }),
      zeroContour(P1, 'theory T_lt = 0', 'eq. 11', { sigma }, tm),
      simulatedMap(P2, 'simulated T_lt, λ = 0.1', g, ridge, { sigma, lambda: 0.1 }),
      zeroContour(P2, 'theory T_lt = 0 at λ = 0.1', 'eq. 13', { sigma, lambda: 0.1 }, tmR),
      tm.map,
      zeroContour(P3, 'T_lt = 0', 'eq. 11', { sigma }, tm),
      ...slices(P4, g, exact, theory, 'eq. 11', { sigma }, (theta, n) => (n >= 3 ? linearTransferabilityFinite(theta, n, g.d, sigma) : NaN)),
    ];
    const a = signAgreement(g, exact, theory);
    const b = signAgreement(g, ridge, theoryRidge);
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o)} Colour scale clamped to [−1, 1] as in the paper; the γ = 1 row holds the scratch spike (T ≫ 1). Slices: lines eq. 11, diamonds the exact finite-d mean (infinite where |n − d| ≤ 1).`, o),
      series,
      tables: [
        {
          title: 'Sign agreement of simulation and theory (cells with |mean| > 2 s.e.)',
          columns: ['map', 'agreeing', 'resolved cells', 'cells', 'not converged'],
          rows: [
            ['λ = 0 vs eq. 11', a.agree, a.resolved, a.total, notConvergedCount(exact)],
            ['λ = 0.1 vs eq. 13', b.agree, b.resolved, b.total, notConvergedCount(ridge)],
          ],
        },
        pretrainTable(lookup, phaseJobs({ ...o, seeds: 1 }, [sigma])),
      ],
      plot: { xLabel: 'θ (degrees)', yLabel: 'γ = n/d', zLabel: 'T_lt = R_sc − R_lt', zDomain: [-1, 1], yDomain: [-1, 1.5] },
    };
  },
});

export const tahirFtPhase: FigurePreset = preset({
  id: 'tahir-ft-phase',
  title: 'Fine-tuning phase diagram T_ft(θ, γ) for σ = 0 and σ = 0.2 (Tahir et al. Thm 3.9, Fig. 2)',
  description:
    'T_ft = R_sc − R_ft (blue: fine-tuning beats scratch; black: T = 0 in theory, eq. 15 with the balancedness κ of §3.4; break-even near θ = π/3 below γ = 1, T = 0 above). Simulated maps, theory maps and slices at θ = π/8, π/4, 3π/8.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => phaseJobs(o, [0, 0.2]),
  build(lookup, o) {
    const g = gridOf(o);
    const series: Series[] = [];
    const rows: (string | number)[][] = [];
    for (const sigma of [0, 0.2]) {
      const cells = cellsOf(lookup, o, sigma, tFine);
      const theory = (theta: number, gamma: number) => fineTuningTransferability(theta, gamma, sigma, { kappa: true });
      const P1 = `simulation, σ = ${sigma}`;
      const P2 = `theory, σ = ${sigma}`;
      const P3 = `slices, σ = ${sigma}`;
      const tm = theoryMap(P2, `theory T_ft, σ = ${sigma}`, 'eq. 15 with κ (§3.4)', { sigma, kappa: true }, theory);
      series.push(simulatedMap(P1, `simulated T_ft, σ = ${sigma}`, g, cells, { sigma }));
      series.push(zeroContour(P1, `theory T_ft = 0, σ = ${sigma}`, 'eq. 15 with κ', { sigma }, tm));
      series.push(tm.map, zeroContour(P2, `T_ft = 0, σ = ${sigma}`, 'eq. 15 with κ', { sigma }, tm));
      series.push(...slices(P3, g, cells, theory, 'eq. 15 with κ', { sigma }));
      const a = signAgreement(g, cells, theory);
      rows.push([sigma, a.agree, a.resolved, a.total, notConvergedCount(cells)]);
    }
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o)} The paper's eq. 15 has κ = 1; for σ = 0 the two coincide, for σ = 0.2 κ differs from 1 by < 1% below γ = 0.9.`, o),
      series,
      tables: [{ title: 'Sign agreement of simulation and theory (cells with |mean| > 2 s.e.)', columns: ['σ', 'agreeing', 'resolved cells', 'cells', 'not converged'], rows }, pretrainTable(lookup, phaseJobs({ ...o, seeds: 1 }, [0]))],
      plot: { xLabel: 'θ (degrees)', yLabel: 'γ = n/d', zLabel: 'T_ft = R_sc − R_ft', zDomain: [-1, 1], yDomain: [-1, 1.2], columns: 3 },
    };
  },
});

// ---------------------------------------------------------------------------------------------------

const RIDGE_LAMBDAS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
const RIDGE_GAMMA = 0.5;
const RIDGE_THETA = Math.PI / 8;

function ridgeSpec(o: PresetOptions, seed: number): JobSpec {
  const g = gridOf(o);
  return { type: TYPE, params: { d: g.d, n: nOf(RIDGE_GAMMA, g.d), sigma: 0.2, thetas: [RIDGE_THETA], lambdas: RIDGE_LAMBDAS, scratch: false, fineTune: false, solver: solverOf(o) }, seed };
}

export const tahirRidge: FigurePreset = preset({
  id: 'tahir-ridge',
  title: 'Ridge-regularised linear transfer R_lt^λ against λ (Tahir et al. Thm 3.8)',
  description: 'γ = 0.5, θ = π/8, σ = 0.2: simulated R_lt^λ, the n → ∞ eq. 13 and its exact finite-n mean (χ² quadrature).',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => seedsOf(o).map((s) => ridgeSpec(o, s)),
  build(lookup, o) {
    const g = gridOf(o);
    const n = nOf(RIDGE_GAMMA, g.d);
    const specs = seedsOf(o).map((s) => ridgeSpec(o, s));
    const cells = RIDGE_LAMBDAS.map((_, l) => cellOf(lookup, specs, (m) => ({ v: m[`lt.0.${l}.risk`], ok: m['pre.converged'] === 1 })));
    const dense = linspace(0, 0.5, 101);
    const series: Series[] = [
      { name: 'eq. 13 (n → ∞)', kind: 'theory', group: 'eq. 13 (n → ∞)', method: 'closed form', params: { theta: RIDGE_THETA }, x: { name: 'λ', values: dense }, y: { name: 'R_lt', values: dense.map((l) => ridgeLinearTransferRisk(RIDGE_THETA, l)) } },
      { name: `exact mean at n = ${n}`, kind: 'theory', group: 'simulation and exact finite-n mean', method: 'χ² quadrature', params: { theta: RIDGE_THETA, sigma: 0.2, n }, x: { name: 'λ', values: dense }, y: { name: 'R_lt', values: dense.map((l) => ridgeLinearTransferRiskFinite(RIDGE_THETA, l, 0.2, n)) } },
      {
        name: 'simulation',
        kind: 'simulation',
        group: 'simulation and exact finite-n mean',
        params: { d: g.d, n, theta: RIDGE_THETA, sigma: 0.2 },
        x: { name: 'λ', values: RIDGE_LAMBDAS },
        y: { name: 'R_lt', values: cells.map((c) => (c ? c.mean : NaN)), stderr: cells.map((c) => (c ? c.stderr : NaN)) },
        converged: cells.map((c) => (c ? c.converged : true)),
        seeds: cells.map((c) => (c ? c.n : 0)),
      },
    ];
    const rows = RIDGE_LAMBDAS.map((l, i) => {
      const c = cells[i];
      const exact = ridgeLinearTransferRiskFinite(RIDGE_THETA, l, 0.2, n);
      return [l, c ? Number(c.mean.toPrecision(4)) : 'n/a', c ? Number(c.stderr.toPrecision(2)) : 'n/a', Number(exact.toPrecision(4)), c && c.stderr > 0 ? Number(((c.mean - exact) / c.stderr).toFixed(2)) : 'n/a', Number(ridgeLinearTransferRisk(RIDGE_THETA, l).toPrecision(4))];
    });
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o)} The paper's λ = 0 point (0.237 against 0.146) came from a float32 inverse of a d×d matrix with λ = 1e-5; here the refit is exact in float64 on the rank-one feature.`, o),
      series,
      tables: [{ title: 'R_lt^λ: simulation against theory', columns: ['λ', 'simulated', 's.e.', `exact mean (n = ${n})`, 'z', 'eq. 13 (n → ∞)'], rows }],
      plot: { xLabel: 'ridge λ', yLabel: 'linear-transfer risk R_lt^λ' },
    };
  },
});

// ---------------------------------------------------------------------------------------------------

const SOURCE_GAMMAS = [0.5, 1.5];

function finiteSourceSpec(g: Grid, o: PresetOptions, gammaS: number, gamma: number, seed: number): JobSpec {
  return {
    type: TYPE,
    params: { d: g.d, n: nOf(gamma, g.d), sigma: 0.2, thetas: g.thetas, lambdas: [0], scratch: true, fineTune: true, solver: solverOf(o), source: { kind: 'samples', n: nOf(gammaS, g.d), sigma: 0.2 } },
    seed,
  };
}

export const tahirFiniteSource: FigurePreset = preset({
  id: 'tahir-finite-source',
  title: 'Transfer from a finite source set, γ_s ∈ {0.5, 1.5} (Tahir et al. Thm C.1)',
  description:
    'Pretraining on n_s = γ_s d noisy source samples (σ_s = σ = 0.2): simulated T_ft and T_lt maps with theory zero contours (T = 0; solid: expected over source draws, eq. 22; dashed: given the realised source estimate w₀) and the break-even angle θ* of eq. 23.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => {
    const g = gridOf(o);
    return SOURCE_GAMMAS.flatMap((gs) => g.gammas.flatMap((gm) => seedsOf(o).map((s) => finiteSourceSpec(g, o, gs, gm, s))));
  },
  build(lookup, o) {
    const g = gridOf(o);
    const series: Series[] = [];
    const rows: (string | number)[][] = [];
    for (const gammaS of SOURCE_GAMMAS) {
      const grid = (value: ThetaValue) => gridCells(lookup, o, (gamma, seed) => finiteSourceSpec(g, o, gammaS, gamma, seed), value);
      const ft = grid(tFine);
      const lt = grid((m, k) => tLinear(m, k, 0));
      // The realised source estimate w₀ (shared by every instance): its norm and its overlaps with β_s and ν.
      const firstRun = seedsOf(o).map((sd) => lookup(finiteSourceSpec(g, o, gammaS, g.gammas[0], sd))).find((r) => r && r.status === 'done');
      const w0 = firstRun ? { norm2: firstRun.metrics['pre.w0.norm2'], s: firstRun.metrics['pre.w0.betaS'], nu: firstRun.metrics['pre.w0.nu'] } : undefined;
      const realised = (theta: number) => (w0 ? { norm2: w0.norm2, overlap: Math.cos(theta) * w0.s + Math.sin(theta) * w0.nu } : undefined);
      const ftPaper = (theta: number, gamma: number) => fineTuningTransferabilityFiniteSource(theta, gamma, gammaS, 0.2);
      const ftGiven = (theta: number, gamma: number) => {
        const r = realised(theta);
        return r ? fineTuningTransferabilityGivenSource(gamma, 0.2, r) : NaN;
      };
      const ltPaper = (theta: number, gamma: number) => scratchRisk(gamma, 0.2) - linearTransferRiskFiniteSource(theta, gammaS, 0.2);
      const ltGiven = (theta: number, gamma: number) => {
        const r = realised(theta);
        return r ? scratchRisk(gamma, 0.2) - linearTransferRiskGivenSource(r) : NaN;
      };
      const PF = `fine-tuning, γ_s = ${gammaS}`;
      const PL = `linear transfer, γ_s = ${gammaS}`;
      const G1 = 'expected over source draws (paper)';
      const G2 = 'given the realised source w₀';
      series.push(simulatedMap(PF, `simulated T_ft, γ_s = ${gammaS}`, g, ft, { gammaS, sigma: 0.2 }));
      series.push({ ...zeroContour(PF, `eq. 22 T_ft = 0, γ_s = ${gammaS}`, 'eq. 22', { gammaS }, theoryMap(PF, '', 'eq. 22', {}, ftPaper)), group: G1 });
      if (w0) series.push({ ...zeroContour(PF, `T_ft = 0 given w₀, γ_s = ${gammaS}`, 'balanced κ, realised w₀', { gammaS, w0 }, theoryMap(PF, '', '', {}, ftGiven)), group: G2 });
      series.push(simulatedMap(PL, `simulated T_lt, γ_s = ${gammaS}`, g, lt, { gammaS, sigma: 0.2 }));
      series.push({ ...zeroContour(PL, `T_lt = 0 expected, γ_s = ${gammaS}`, 'R_sc − R_lt(β̂_s), n_t → ∞', { gammaS }, theoryMap(PL, '', '', {}, ltPaper)), group: G1 });
      if (w0) series.push({ ...zeroContour(PL, `T_lt = 0 given w₀, γ_s = ${gammaS}`, 'R_sc − R_lt(w₀), n_t → ∞', { gammaS, w0 }, theoryMap(PL, '', '', {}, ltGiven)), group: G2 });
      const measured = g.gammas
        .filter((gm) => gm < 0.95)
        .map((gm) => {
          const j = g.gammas.indexOf(gm);
          return crossing(g.thetas, ft[j].map((c) => (c ? c.mean : NaN)));
        })
        .filter(Number.isFinite)
        .sort((x, y) => x - y);
      const median = measured.length ? measured[Math.floor(measured.length / 2)] : NaN;
      const fa = signAgreement(g, ft, ftGiven);
      const la = signAgreement(g, lt, ltGiven);
      const fp = signAgreement(g, ft, ftPaper);
      const round4 = (v: number | undefined) => (v === undefined ? 'n/a' : Number(v.toPrecision(4)));
      rows.push([
        gammaS,
        Number((breakEvenAngleFiniteSource(gammaS, 0.2) * DEG).toFixed(1)),
        Number.isFinite(median) ? Number((median * DEG).toFixed(1)) : 'n/a',
        round4(w0?.norm2),
        round4(w0?.s),
        round4(w0?.nu),
        `${fp.agree}/${fp.resolved}`,
        `${fa.agree}/${fa.resolved}`,
        `${la.agree}/${la.resolved}`,
        notConvergedCount(ft),
      ]);
    }
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o).replace('on the population source loss', 'on the n_s source samples (to the min-norm interpolator β̂_s, or the least-squares fit for γ_s > 1)')} Every instance shares one source draw (as in the paper), so the simulation measures the transfer given that draw: ⟨ν, w₀⟩ ≠ 0 and ‖w₀‖² ≠ E‖β̂_s‖² by O(d^{−1/2}). Contours: the paper's expectation over source draws (eq. 22; for linear transfer the n_t → ∞ risk on β̂_s, derived in the digest) and the theory given the realised w₀ (fine-tuning with the two-layer balancedness κ, which eq. 22 omits).`, o),
      series,
      tables: [
        {
          title: 'Break-even angle of fine-tuning, the realised source estimate w₀, and sign agreement (resolved cells)',
          columns: ['γ_s', 'θ* eq. 23 (deg)', 'measured θ* (median over γ < 1, deg)', '‖w₀‖²', '⟨w₀, β_s⟩', '⟨w₀, ν⟩', 'FT vs eq. 22', 'FT vs given w₀', 'LT vs given w₀', 'FT cells not converged'],
          rows,
        },
      ],
      plot: { xLabel: 'θ (degrees)', yLabel: 'γ = n/d', zLabel: 'T = R_sc − R_transfer', zDomain: [-1, 1], columns: 2, contourDash: true },
    };
  },
});

/** The first θ where the values change sign from + to −, by linear interpolation; NaN if none. */
function crossing(thetas: number[], values: number[]): number {
  for (let k = 0; k + 1 < thetas.length; k++) {
    const a = values[k];
    const b = values[k + 1];
    if (a > 0 && b <= 0) return thetas[k] + ((thetas[k + 1] - thetas[k]) * a) / (a - b);
  }
  return NaN;
}

// ---------------------------------------------------------------------------------------------------

export const tahirBestWd: FigurePreset = preset({
  id: 'tahir-best-wd',
  title: 'Linear transfer against the best-weight-decay scratch baseline (Tahir et al. Fig. 5)',
  description:
    'T = min_wd E R_sc(wd) − E R_lt at σ = 0.2, wd ∈ {0, 1e-4, 1e-3, 1e-2, 1e-1} chosen per γ by the mean scratch risk (the paper\'s rule). Theory (black: T = 0): the oracle-ridge scratch risk of the proportional limit (λ* = σ²/γ) minus the linear-transfer risk — weight decay on a two-layer linear network is an ‖w‖ penalty whose path is the ridge path, so the oracle is the best any wd can do.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => phaseJobs(o, [0.2]),
  build(lookup, o) {
    const g = gridOf(o);
    const sigma = 0.2;
    const rows: (string | number)[][] = [];
    const best = g.gammas.map((gamma) => {
      const specs = seedsOf(o).map((seed) => phaseSpec(g, o, { sigma, gamma, seed }));
      const perWd = WEIGHT_DECAYS.map((_, w) => cellOf(lookup, specs, (m) => scratchOverThetas(g, m, w)));
      let wBest = 0;
      perWd.forEach((c, w) => {
        if (c && perWd[wBest] && c.mean < perWd[wBest]!.mean) wBest = w;
      });
      const c = perWd[wBest];
      rows.push([gamma, WEIGHT_DECAYS[wBest], c ? Number(c.mean.toPrecision(4)) : 'n/a', perWd[0] ? Number(perWd[0].mean.toPrecision(4)) : 'n/a', Number(optimalRidgeRisk(gamma, sigma).toPrecision(4)), Number(optimalRidgeLambda(gamma, sigma).toPrecision(3))]);
      return wBest;
    });
    const cells = g.gammas.map((gamma, j) => {
      const specs = seedsOf(o).map((seed) => phaseSpec(g, o, { sigma, gamma, seed }));
      return g.thetas.map((_, k) =>
        cellOf(lookup, specs, (m) => {
          const sc = scratchAt(m, k, best[j]);
          return { v: sc.v - m[`lt.${k}.0.risk`], ok: sc.ok };
        }),
      );
    });
    const theory = (theta: number, gamma: number) => optimalRidgeRisk(gamma, sigma) - Math.sin(theta) ** 2;
    const P1 = 'simulation (best wd per γ)';
    const P2 = 'theory (oracle ridge baseline)';
    const tm = theoryMap(P2, 'theory T', 'oracle ridge risk − sin²θ', { sigma }, theory);
    const a = signAgreement(g, cells, theory);
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o)} Sign agreement with the oracle theory: ${a.agree}/${a.resolved} resolved cells.`, o),
      series: [simulatedMap(P1, 'simulated T (best wd)', g, cells, { sigma, weightDecays: WEIGHT_DECAYS }), zeroContour(P1, 'oracle theory T = 0', 'oracle ridge', { sigma }, tm), tm.map, zeroContour(P2, 'T = 0', 'oracle ridge', { sigma }, tm)],
      tables: [{ title: 'Scratch baseline per γ (mean over instances and θ)', columns: ['γ', 'best wd', 'R_sc at best wd', 'R_sc at wd = 0', 'oracle ridge risk', 'oracle λ* = σ²/γ'], rows }],
      plot: { xLabel: 'θ (degrees)', yLabel: 'γ = n/d', zLabel: 'T = R_sc,best − R_lt', zDomain: [-1, 1] },
    };
  },
});

// ---------------------------------------------------------------------------------------------------

const KL_GAMMA = 0.5;
const KL_SIGMA = 0.2;

function klThetas(o: PresetOptions): number[] {
  return linspace(0, Math.PI, o.quick ? 17 : 37);
}

function klSpec(o: PresetOptions, seed: number): JobSpec {
  const g = gridOf(o);
  return { type: TYPE, params: { d: g.d, n: nOf(KL_GAMMA, g.d), sigma: KL_SIGMA, thetas: klThetas(o), lambdas: [0], scratch: true, fineTune: false, solver: solverOf(o) }, seed };
}

export const tahirKl: FigurePreset = preset({
  id: 'tahir-kl',
  title: 'Transferability is not a distribution distance: T_lt against KL(p_s‖p_t) (Tahir et al. Thm A.2)',
  description:
    'θ sweeps [0, π] at γ = 0.5, σ = 0.2. KL(p_s‖p_t) = (1 − cos θ)/σ² grows monotonically with θ, while T_lt depends on cos²θ: θ and π − θ transfer equally well at very different KL, and T_lt is not a monotone function of KL.',
  defaultSeeds: 20,
  quickSeeds: 8,
  jobs: (o) => seedsOf(o).map((s) => klSpec(o, s)),
  build(lookup, o) {
    const g = gridOf(o);
    const n = nOf(KL_GAMMA, g.d);
    const thetas = klThetas(o);
    const specs = seedsOf(o).map((s) => klSpec(o, s));
    const cells = thetas.map((_, k) => cellOf(lookup, specs, (m) => tLinear(m, k, 0)));
    const dense = linspace(0, Math.PI, 361);
    const finite = (theta: number) => linearTransferabilityFinite(theta, n, g.d, KL_SIGMA);
    const sim = (x: number[], name: string, panel: string): Series => ({
      name,
      kind: 'simulation',
      panel,
      group: 'simulation and exact finite-d mean',
      params: { d: g.d, n, sigma: KL_SIGMA },
      x: { name: panel.startsWith('T_lt against θ') ? 'θ (degrees)' : 'KL(p_s‖p_t)', values: x },
      y: { name: 'T_lt', values: cells.map((c) => (c ? c.mean : NaN)), stderr: cells.map((c) => (c ? c.stderr : NaN)) },
      converged: cells.map((c) => (c ? c.converged : true)),
      seeds: cells.map((c) => (c ? c.n : 0)),
    });
    const PA = 'T_lt against θ';
    const PB = 'T_lt against KL(p_s‖p_t)';
    const series: Series[] = [
      { name: 'exact finite-d mean (θ)', kind: 'theory', panel: PA, group: 'simulation and exact finite-d mean', method: 'eq. 10 with the exact finite-d scratch mean', params: { n, d: g.d, sigma: KL_SIGMA }, x: { name: 'θ (degrees)', values: dense.map((t) => t * DEG) }, y: { name: 'T_lt', values: dense.map(finite) } },
      { name: 'eq. 11 (proportional limit)', kind: 'theory', panel: PA, group: 'eq. 11 (proportional limit)', method: 'eq. 11', params: { gamma: KL_GAMMA, sigma: KL_SIGMA }, x: { name: 'θ (degrees)', values: dense.map((t) => t * DEG) }, y: { name: 'T_lt', values: dense.map((t) => linearTransferability(t, KL_GAMMA, KL_SIGMA)) } },
      sim(thetas.map((t) => t * DEG), 'simulation (θ)', PA),
      { name: 'exact finite-d mean (KL)', kind: 'theory', panel: PB, group: 'simulation and exact finite-d mean', method: 'parametric in θ', params: { n, d: g.d, sigma: KL_SIGMA }, x: { name: 'KL', values: dense.map((t) => klAnglePair(t, KL_SIGMA)) }, y: { name: 'T_lt', values: dense.map(finite) } },
      sim(thetas.map((t) => klAnglePair(t, KL_SIGMA)), 'simulation (KL)', PB),
    ];
    const pairs = thetas
      .map((t, k) => ({ t, k }))
      .filter(({ t }) => t > 0 && t < Math.PI / 2 - 1e-9)
      .map(({ t, k }) => {
        const kk = nearestIndex(thetas, Math.PI - t);
        const a = cells[k];
        const b = cells[kk];
        return [Number((t * DEG).toFixed(1)), Number(klAnglePair(t, KL_SIGMA).toPrecision(3)), a ? Number(a.mean.toPrecision(3)) : 'n/a', Number(((Math.PI - t) * DEG).toFixed(1)), Number(klAnglePair(Math.PI - t, KL_SIGMA).toPrecision(3)), b ? Number(b.mean.toPrecision(3)) : 'n/a'];
      });
    return {
      ...baseFigure(this.id, this.title, `${this.description} ${commonText(g, o)}`, o),
      series,
      tables: [{ title: 'Mirror angles θ and π − θ: equal transferability, different KL', columns: ['θ (deg)', 'KL', 'T_lt', 'π − θ (deg)', 'KL', 'T_lt'], rows: pairs }],
      plot: { xLabel: 'θ (degrees) / KL', yLabel: 'T_lt = R_sc − R_lt', independent: true },
    };
  },
});

export const TAHIR_DEEP_PRESETS: FigurePreset[] = [tahirScratch, tahirLtPhase, tahirFtPhase, tahirRidge, tahirFiniteSource, tahirBestWd, tahirKl];
