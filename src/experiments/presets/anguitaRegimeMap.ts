/**
 * `anguita-regime-map`: for a task the user sets (`--param rhoPT=… rhoFT=… omega=… noise=…`), which
 * initialisation (c_PT, λ_PT, γ_FT) fine-tunes with the lowest replica error at each α = n/d, its regime, and the
 * error landscape over (γ_FT, λ_PT) at one α (src/theory/anguita/regimeMap.ts; Anguita et al. 2026, §5–§6).
 */
import type { FigureData, FigureTable, Series } from '../../plots/figure.js';
import { linspace } from '../../plots/contour.js';
import { DEFAULT_INITIALISATION_GRID, errorResolution, LOG_IMBALANCE_GRID, regimeLandscape, regimeMap, type FineTuningTask, type InitialisationGrid } from '../../theory/anguita/regimeMap.js';
import { replicaCurve } from '../../theory/anguita/replica.js';
import { replicaCurveSeries } from '../../theory/anguita/replicaSeries.js';
import { REGIMES } from './anguita.js';
import { resolvePresetParams, type FigurePreset, type PresetOptions } from './types.js';

const PAPER = 'Anguita et al. (2026), "A Theory of How Pretraining Shapes Inductive Bias in Fine-Tuning"';
const r4 = (v: number): number | string => (Number.isFinite(v) ? Number(v.toPrecision(4)) : String(v));

const QUICK_GRID: InitialisationGrid = {
  cPT: [1e-3, 1],
  lambdaRatio: [-1, -0.99, -0.9, 0, 0.9],
  gammaFT: [0, 1e-6, 1e-3, 1e-1, 1, 10],
};

function setting(o: PresetOptions) {
  const p = resolvePresetParams(anguitaRegimeMap, o.params);
  const task: FineTuningTask = { rhoPT: p.rhoPT, rhoFT: p.rhoFT, omega: p.omega, noise: p.noise };
  return {
    task,
    alpha: p.alpha,
    cPT: p.cPT,
    alphas: o.quick ? linspace(0.02, 0.5, 9) : linspace(0.01, 0.5, 25),
    grid: o.quick ? QUICK_GRID : DEFAULT_INITIALISATION_GRID,
    logGammas: o.quick ? linspace(-4, 1, 6) : linspace(-4, 1, 11),
  };
}

export const anguitaRegimeMap: FigurePreset = {
  id: 'anguita-regime-map',
  title: 'Which initialisation fine-tunes best for a given task: a replica regime map (Anguita et al. §5–§6)',
  paper: PAPER,
  description:
    'For the task set with --param (ρ_PT, ρ_FT, ω, label noise σ0²): left, the replica error against α = n/d of the four canonical regimes at c_PT = 1e-3 and the lowest error over a grid of initialisations (c_PT ∈ {1e-3, 1e-2, 0.1, 1}, λ_PT/c_PT from −1 to 0.78 densely near −1, γ_FT ∈ {0, 1e-6} ∪ [1e-4, 10]); right, the landscape at one α and one c_PT over (log10 γ_FT, log10(1 + λ_PT/c_PT)), coloured by log10(E of the best canonical regime / E): blue beats all four regimes. The table names the winning initialisation and its regime at each α; errors below 1e-8·(E[β*²] + σ0²) are set by the replica regulariser, not the initialisation, and count as exact recovery (ties). Theory only; each curve is a converged replica fixed point (unconverged points are drawn as red crosses and are never chosen as a winner).',
  defaultSeeds: 1,
  quickSeeds: 1,
  parameters: [
    { name: 'rhoPT', description: 'pretraining density ρ_PT', default: 0.1, min: 0, max: 1 },
    { name: 'rhoFT', description: 'fine-tuning density ρ_FT', default: 0.01, min: 1e-4, max: 1 },
    { name: 'omega', description: 'overlap ω: fraction of the fine-tuning support inside the pretraining one', default: 1, min: 0, max: 1 },
    { name: 'noise', description: 'label-noise variance σ0²', default: 0, min: 0, max: 10 },
    { name: 'alpha', description: 'α = n/d of the landscape panel', default: 0.05, min: 0.005, max: 1 },
    { name: 'cPT', description: 'c_PT of the landscape panel', default: 1e-3, min: 1e-6, max: 10 },
  ],
  jobs: () => [],
  build(_lookup, o): FigureData {
    const s = setting(o);
    const map = regimeMap(s.task, s.alphas, s.grid);
    const series: Series[] = [];
    const panelA = 'error against α';
    const canonical = REGIMES.map((r) => {
      const init = { cPT: 1e-3, lambdaPT: r.lambdaPT, gammaFT: r.gammaFT };
      const curve = map.curveOf(init); // on the default grids, already solved as a grid point
      series.push(replicaCurveSeries(curve, { name: `regime ${r.id} (${r.name})`, panel: panelA, group: `regime ${r.id}`, params: { ...s.task, ...init } }));
      return { id: r.id, curve };
    });
    series.push({
      name: 'lowest over the initialisation grid',
      kind: 'theory',
      panel: panelA,
      group: 'best on the grid',
      method: 'minimum over replica curves',
      params: { ...s.task, grid: s.grid },
      x: { name: 'α = n/d', values: map.best.map((b) => b.alpha) },
      y: { name: 'generalisation error', values: map.best.map((b) => b.error) },
      converged: map.best.map((b) => b.init !== undefined),
    });

    // The landscape at one α: z = log10(E of the best canonical regime at that α / E).
    const canonicalAtAlpha = REGIMES.map((r) => replicaCurve({ ...s.task, cPT: 1e-3, lambdaPT: r.lambdaPT, gammaFT: r.gammaFT, alphas: [s.alpha] })[0]);
    // Errors are floored at the resolution below which they reflect the regulariser, not the initialisation.
    const floor = errorResolution(map.errorScale, 0);
    const reference = Math.max(floor, Math.min(...canonicalAtAlpha.filter((p) => p.converged).map((p) => p.error)));
    const cells = regimeLandscape(s.task, s.alpha, s.cPT, s.logGammas, LOG_IMBALANCE_GRID);
    const panelB = `landscape at α = ${s.alpha}, c_PT = ${s.cPT}`;
    series.push({
      name: 'log10(E best regime / E)',
      kind: 'theory',
      panel: panelB,
      style: 'heatmap',
      method: 'replica-symmetric fixed point per cell',
      params: { ...s.task, alpha: s.alpha, cPT: s.cPT, reference },
      x: { name: 'log10 γ_FT', values: cells.map((c) => c.logGamma) },
      y: { name: 'log10(1 + λ_PT/c_PT)', values: cells.map((c) => c.logImbalance) },
      z: { name: 'log10(E best of I–IV / E)', values: cells.map((c) => (c.point.converged ? Math.log10(reference / Math.max(floor, c.point.error)) : NaN)) },
      converged: cells.map((c) => c.point.converged),
    });

    const rows = map.best.map((b) => {
      const bestCanonical = canonical.reduce<{ id: string; e: number }>(
        (acc, r) => {
          const p = r.curve[map.alphas.indexOf(b.alpha)];
          return p.converged && p.error < acc.e ? { id: r.id, e: p.error } : acc;
        },
        { id: '—', e: Infinity },
      );
      return [
        r4(b.alpha),
        b.init ? b.init.cPT : '—',
        b.init ? r4(b.init.lambdaPT / b.init.cPT) : '—',
        b.init ? b.init.gammaFT : '—',
        b.regime ?? '—',
        b.exactRecovery ? `${r4(b.error)} (exact recovery)` : r4(b.error),
        bestCanonical.id,
        r4(bestCanonical.e),
        String(b.ties),
      ];
    });
    const table: FigureTable = {
      title: 'Best initialisation on the grid at each α (ties: grid initialisations within the error resolution of the best, i.e. the same pair of fine-tuning scales or exact recovery)',
      columns: ['α', 'c_PT', 'λ_PT/c_PT', 'γ_FT', 'regime', 'E', 'best of I–IV', 'its E', 'ties'],
      rows,
    };
    return {
      figure: this.id,
      title: this.title,
      description: this.description,
      paper: PAPER,
      params: { ...s.task, alpha: s.alpha, cPT: s.cPT, alphas: s.alphas, grid: s.grid, distinctCurves: map.distinctCurves, candidates: map.candidates.length },
      series,
      tables: [table],
      plot: { xLabel: 'α = n/d', yLabel: 'generalisation error', zLabel: 'log10(E best of I–IV / E)', columns: 2, yScale: 'log', yDomain: [1e-8, 2] },
      provenance: {},
    };
  },
};
