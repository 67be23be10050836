/**
 * A figure preset: the jobs one paper figure needs and how to turn their stored results (plus theory)
 * into a FigureData. `ftlab reproduce <id>` runs exactly this.
 */
import type { JobSpec } from '../job.js';
import { makeJob } from '../job.js';
import type { StoredRun } from '../../store/store.js';
import type { FigureData } from '../../plots/figure.js';
import { summarize } from '../../numeric/stats.js';

export interface PresetOptions {
  seeds: number;
  quick: boolean;
  /** How converged solutions are reached, for figures that offer a choice (`FigurePreset.solvers`). */
  solver?: string;
}

export type ResultLookup = (spec: JobSpec) => StoredRun | undefined;

export interface FigurePreset {
  id: string;
  title: string;
  paper: string;
  /** What the figure shows, the settings, and the choices made where the paper is silent. */
  description: string;
  defaultSeeds: number;
  quickSeeds: number;
  /** Solvers the figure offers (`--solver`), the default first; absent: no choice. */
  solvers?: readonly string[];
  jobs(options: PresetOptions): JobSpec[];
  build(lookup: ResultLookup, options: PresetOptions): FigureData;
}

export interface Aggregate {
  mean: number;
  stderr: number;
  n: number;
  converged: boolean;
}

/**
 * Mean ± s.e. over the stored seeds of a grid point of a per-run value (runs not stored or not done, and
 * runs whose value is absent or not finite, are skipped); converged only if every counted run's `ok` is
 * true. Undefined if no run counts.
 */
export function aggregateWith(lookup: ResultLookup, specs: readonly JobSpec[], value: (run: StoredRun) => { v: number; ok: boolean } | undefined): Aggregate | undefined {
  const values: number[] = [];
  let converged = true;
  for (const spec of specs) {
    const run = lookup(spec);
    if (!run || run.status !== 'done') continue;
    const r = value(run);
    if (!r || !Number.isFinite(r.v)) continue;
    values.push(r.v);
    converged &&= r.ok;
  }
  if (values.length === 0) return undefined;
  const s = summarize(values);
  return { mean: s.mean, stderr: s.stderr, n: s.n, converged };
}

/** Mean ± s.e. of one metric over the stored seeds of a grid point; undefined if none stored. */
export function aggregateMetric(lookup: ResultLookup, specs: readonly JobSpec[], metric: string, convergedMetric?: string): Aggregate | undefined {
  return aggregateWith(lookup, specs, (run) => {
    const v = run.metrics[metric];
    if (v === undefined) return undefined;
    return { v, ok: convergedMetric ? run.metrics[convergedMetric] === 1 : run.converged };
  });
}

/** Store lookup by job spec, through the job's content hash. */
export function lookupVia(get: (hash: string) => StoredRun | undefined): ResultLookup {
  return (spec) => get(makeJob(spec).hash);
}
