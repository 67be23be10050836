/**
 * Which initialisation fine-tunes best: for one task (ρ_PT, ρ_FT, ω, σ0²), the replica-symmetric error
 * (src/theory/anguita/replica.ts; Anguita et al. 2026, digest §5) of every initialisation on a grid of
 * (c_PT, λ_PT, γ_FT), the lowest at each α = n/d, and the regime (§6.2, `classifyRegime`) of the winner.
 *
 * The replica error depends on the initialisation only through the two fine-tuning scales of (★) — c_FT on
 * PT-active and on PT-inactive coordinates — so initialisations that share both are solved once. Candidates whose
 * fixed point did not converge at an α are not eligible there; an α where none converged has no winner.
 */
import { classifyRegime, expectNonNegativeFinite, expectPositiveFinite, type Regime } from './potential.js';
import { replicaCurve, replicaGroups, type ReplicaOptions, type ReplicaPoint } from './replica.js';

export interface FineTuningTask {
  rhoPT: number;
  rhoFT: number;
  omega: number;
  /** Label-noise variance σ0² (default 0). */
  noise?: number;
}

export interface Initialisation {
  cPT: number;
  lambdaPT: number;
  gammaFT: number;
}

export interface InitialisationGrid {
  cPT: readonly number[];
  /** λ_PT / c_PT, each in [−1, 1]. */
  lambdaRatio: readonly number[];
  gammaFT: readonly number[];
}

/** u = log10(1 + λ/c) ∈ {−4, −3, −2, −1, −0.5, 0, 0.25}: dense near the vanishing first layer (λ → −c). */
export const LOG_IMBALANCE_GRID = [-4, -3, -2, -1, -0.5, 0, 0.25] as const;

export const DEFAULT_INITIALISATION_GRID: InitialisationGrid = {
  cPT: [1e-3, 1e-2, 1e-1, 1],
  lambdaRatio: [-1, ...LOG_IMBALANCE_GRID.map((u) => 10 ** u - 1)],
  gammaFT: [0, 1e-6, ...Array.from({ length: 11 }, (_, k) => 10 ** (-4 + k / 2))],
};

/**
 * Errors closer than this are not told apart: max(1e-8·(E[β*²] + σ0²), 1e-6·E). Below ~1e-8 of the prior the
 * replica error is set by the explicit regulariser γ_ext of (RS-2), not by the initialisation (exact recovery).
 */
export function errorResolution(priorPlusNoise: number, error: number): number {
  return Math.max(1e-8 * priorPlusNoise, 1e-6 * error);
}

export interface Candidate {
  init: Initialisation;
  /** The replica curve (shared by every candidate with the same pair of fine-tuning scales). */
  curve: ReplicaPoint[];
}

export interface BestInitialisation {
  alpha: number;
  /** Undefined where no candidate converged at this α. */
  init?: Initialisation;
  error: number;
  regime?: Regime;
  /** Candidates whose error is within `errorResolution` of the winner's (the same pair of scales, or exact recovery). */
  ties: number;
  /** The winner's error is below the resolution: exact recovery, reached by every tied candidate. */
  exactRecovery: boolean;
  /** Candidates whose fixed point converged at this α. */
  eligible: number;
}

export interface RegimeMap {
  task: FineTuningTask;
  alphas: number[];
  candidates: Candidate[];
  best: BestInitialisation[];
  /** Distinct pairs of fine-tuning scales solved. */
  distinctCurves: number;
  /** E[β*²] + σ0², the scale of `errorResolution` and of exact recovery. */
  errorScale: number;
  /** The replica curve of any initialisation on this task and α list: from the grid's solves when it shares their scales. */
  curveOf(init: Initialisation): ReplicaPoint[];
}

function checkTask(task: FineTuningTask): void {
  replicaGroups({ ...task, cPT: 1, lambdaPT: 0, gammaFT: 0 }); // validates ρ_PT, ρ_FT, ω and noise, naming the field
}

/** The grid's initialisations, λ_PT = ratio·c_PT; (λ = −c, γ = 0) is left out (the network is stuck at β = 0). */
export function gridInitialisations(grid: InitialisationGrid): Initialisation[] {
  const list = (name: string, v: readonly number[]) => {
    if (!Array.isArray(v) || v.length === 0) throw new RangeError(`grid.${name}: expected a non-empty array`);
  };
  list('cPT', grid.cPT);
  list('lambdaRatio', grid.lambdaRatio);
  list('gammaFT', grid.gammaFT);
  grid.cPT.forEach((c, i) => expectPositiveFinite(`grid.cPT[${i}]`, c));
  grid.lambdaRatio.forEach((r, i) => {
    if (!(r >= -1 && r <= 1)) throw new RangeError(`grid.lambdaRatio[${i}]: expected a number in [−1, 1] (got ${r})`);
  });
  grid.gammaFT.forEach((g, i) => expectNonNegativeFinite(`grid.gammaFT[${i}]`, g));
  const out: Initialisation[] = [];
  for (const cPT of grid.cPT) {
    for (const r of grid.lambdaRatio) {
      for (const gammaFT of grid.gammaFT) {
        if (r === -1 && gammaFT === 0) continue;
        out.push({ cPT, lambdaPT: r * cPT, gammaFT });
      }
    }
  }
  return out;
}

/** Replica curves of every initialisation on the grid, and the best one at each α. */
export function regimeMap(task: FineTuningTask, alphas: readonly number[], grid: InitialisationGrid = DEFAULT_INITIALISATION_GRID, options: ReplicaOptions = {}): RegimeMap {
  checkTask(task);
  const inits = gridInitialisations(grid);
  const cache = new Map<string, ReplicaPoint[]>();
  const curveOf = (init: Initialisation): ReplicaPoint[] => {
    const groups = replicaGroups({ ...task, ...init });
    const key = `${groups[0].cFT}/${groups[1].cFT}`;
    let curve = cache.get(key);
    if (!curve) {
      curve = replicaCurve({ ...task, ...init, alphas }, options);
      cache.set(key, curve);
    }
    return curve;
  };
  const candidates: Candidate[] = inits.map((init) => ({ init, curve: curveOf(init) }));
  const distinctCurves = cache.size;
  const groups = replicaGroups({ ...task, cPT: 1, lambdaPT: 0, gammaFT: 0 });
  const scale = groups.reduce((acc, g) => acc + g.weight * g.variance, 0) + (task.noise ?? 0);
  const best = alphas.map((alpha, i): BestInitialisation => {
    let winner: Candidate | undefined;
    let eligible = 0;
    for (const c of candidates) {
      const p = c.curve[i];
      if (!p.converged) continue;
      eligible++;
      if (!winner || p.error < winner.curve[i].error) winner = c;
    }
    if (!winner) return { alpha, error: NaN, ties: 0, eligible: 0, exactRecovery: false };
    const e = winner.curve[i].error;
    const res = errorResolution(scale, e);
    const ties = candidates.filter((c) => c.curve[i].converged && c.curve[i].error - e <= res).length;
    return { alpha, init: winner.init, error: e, regime: classifyRegime(winner.init), ties, eligible, exactRecovery: e <= 1e-8 * scale };
  });
  return { task, alphas: [...alphas], candidates, best, distinctCurves, errorScale: scale, curveOf };
}

export interface LandscapeCell {
  logGamma: number;
  logImbalance: number;
  init: Initialisation;
  point: ReplicaPoint;
}

/**
 * The replica error at one α and one c_PT over (log10 γ_FT, u = log10(1 + λ_PT/c_PT)): the landscape a user
 * searches when choosing how to initialise. Each cell is one cold-started fixed point.
 */
export function regimeLandscape(
  task: FineTuningTask,
  alpha: number,
  cPT: number,
  logGammas: readonly number[],
  logImbalances: readonly number[] = LOG_IMBALANCE_GRID,
  options: ReplicaOptions = {},
): LandscapeCell[] {
  checkTask(task);
  expectPositiveFinite('alpha', alpha);
  expectPositiveFinite('cPT', cPT);
  logImbalances.forEach((u, i) => {
    if (!(u <= Math.log10(2) && Number.isFinite(u))) throw new RangeError(`logImbalances[${i}]: expected a finite number ≤ log10 2 (got ${u})`);
  });
  logGammas.forEach((g, i) => {
    if (!Number.isFinite(g)) throw new RangeError(`logGammas[${i}]: expected a finite number (got ${g})`);
  });
  const cells: LandscapeCell[] = [];
  for (const u of logImbalances) {
    for (const lg of logGammas) {
      const init = { cPT, lambdaPT: Math.min(1, 10 ** u - 1) * cPT, gammaFT: 10 ** lg };
      const [point] = replicaCurve({ ...task, ...init, alphas: [alpha] }, options);
      cells.push({ logGamma: lg, logImbalance: u, init, point });
    }
  }
  return cells;
}
