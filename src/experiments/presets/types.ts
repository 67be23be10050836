/**
 * A figure preset: the jobs one paper figure needs and how to turn their stored results (plus theory)
 * into a FigureData. `ftlab reproduce <id>` runs exactly this.
 */
import type { JobSpec } from '../job.js';
import { makeJob } from '../job.js';
import type { StoredRun } from '../../store/store.js';
import type { FigureData } from '../../plots/figure.js';
import { summarize } from '../../numeric/stats.js';
import { rangeProblem } from '../../validation.js';
import type { TheoryParam } from '../../theory/registry.js';

export interface PresetOptions {
  seeds: number;
  quick: boolean;
  /** How converged solutions are reached, for figures that offer a choice (`FigurePreset.solvers`). */
  solver?: string;
  /** Values of the figure's own parameters (`FigurePreset.parameters`; `reproduce --param name=value`). */
  params?: Readonly<Record<string, number>>;
}

/** A parameter a figure lets its user set (the task a theory figure is drawn for, a slice, …): name, meaning,
 * default and range, the same shape as a `ftlab theory` parameter. */
export type PresetParameter = TheoryParam;

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
  /** Parameters the user may set (`--param name=value`), each with its default and allowed range. */
  parameters?: readonly PresetParameter[];
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

/**
 * The figure's parameter values: the defaults, overridden by `given`. Throws a RangeError naming the parameter
 * for an unknown name or a value outside its range.
 */
export function resolvePresetParams(preset: Pick<FigurePreset, 'id' | 'parameters'>, given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const declared = preset.parameters ?? [];
  const out: Record<string, number> = {};
  for (const p of declared) out[p.name] = p.default;
  for (const [name, value] of Object.entries(given)) {
    const p = declared.find((q) => q.name === name);
    if (!p) {
      throw new RangeError(
        `--param ${name}: figure ${preset.id} ${declared.length === 0 ? 'has no parameters' : `has parameters ${declared.map((q) => q.name).join(', ')}`}`,
      );
    }
    const problem = rangeProblem(p, value);
    if (problem) throw new RangeError(`--param ${name}: ${problem}`);
    out[name] = value;
  }
  return out;
}
