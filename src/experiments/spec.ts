/**
 * Sweep specifications (JSON or YAML files, or objects from presets): a job type, base parameters, a
 * grid of values for dotted parameter paths, and a number of seeds. `expandSweep` takes the cartesian
 * product of the grid, sets each point into a copy of the base parameters, and creates one job per
 * (point, seed), each validated by its job type's schema. Two guards run first: the number of jobs (points ×
 * seeds, counted from the grid's lengths before anything is expanded) and each point's memory estimate (see
 * memory.ts), each against a limit that the caller may raise.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import YAML from 'yaml';
import { intIn } from '../validation.js';
import { jsonLiteral, parseParams } from '../validation.js';
import { makeJob, type Job } from './job.js';
import { getJobType } from './jobTypes.js';
import { DEFAULT_MAX_MEMORY_BYTES, jobMemoryProblem } from './memory.js';

/** Keys that name an object's prototype machinery, not a parameter: never a step of a grid path. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a grid key is not a dotted parameter path, or null when it is one. */
function gridPathProblem(path: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) return 'expected a dotted parameter path like "problem.n"';
  if (path.split('.').some((key) => RESERVED_KEYS.has(key))) return 'expected a parameter path without __proto__, constructor or prototype';
  return null;
}

export const sweepSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'expected 1–64 characters from [A-Za-z0-9._-], starting alphanumeric' }),
    description: z.string().optional(),
    job: z.string(),
    params: z.record(z.string(), z.unknown()).default({}),
    grid: z
      .record(z.string(), z.array(z.unknown()).min(1, { error: 'expected a non-empty list of values' }))
      // keys are checked here, not by the record's key schema, whose failures zod reports as "Invalid key in record"
      .superRefine((grid, ctx) => {
        for (const path of Object.keys(grid)) {
          const problem = gridPathProblem(path);
          if (problem) ctx.addIssue({ code: 'custom', path: [path], message: problem });
        }
      })
      .default({}),
    seeds: intIn(1, 1_000_000).default(1),
    seedStart: intIn(0, 1_000_000_000).default(0),
  })
  .strict();

export type SweepSpec = z.output<typeof sweepSpecSchema>;

export interface GridPoint {
  /** The grid coordinates of this point, path → value. */
  coords: Record<string, unknown>;
  params: unknown;
}

export interface ExpandedSweep {
  spec: SweepSpec;
  points: GridPoint[];
  /** jobs[p][s] is the job of point p and seed index s. */
  jobs: Job[][];
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined) cur[key] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new RangeError(`grid.${path}: "${key}" is not an object in the base parameters`);
    }
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

export function gridPoints(spec: SweepSpec): GridPoint[] {
  const axes = Object.entries(spec.grid);
  let points: Record<string, unknown>[] = [{}];
  for (const [path, values] of axes) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [path]: v })));
  }
  return points.map((coords) => {
    const params = structuredClone(spec.params) as Record<string, unknown>;
    for (const [path, v] of Object.entries(coords)) setPath(params, path, structuredClone(v));
    return { coords, params };
  });
}

/** The default largest number of jobs (grid points × seeds) of one sweep. */
export const DEFAULT_MAX_JOBS = 100_000;

/** Limits of `expandSweep`; a sweep above either is refused before it is expanded. */
export interface SweepLimits {
  /** Largest number of jobs, grid points × seeds (default DEFAULT_MAX_JOBS). */
  maxJobs?: number;
  /** Largest estimated memory of one job, in bytes (default DEFAULT_MAX_MEMORY_BYTES, 4 GiB). */
  maxMemoryBytes?: number;
}

/** The number of grid points and of jobs of a validated spec, from the grid's lengths alone. */
export function sweepSize(spec: SweepSpec): { points: number; jobs: number } {
  const points = Object.values(spec.grid).reduce((n, values) => n * values.length, 1);
  return { points, jobs: points * spec.seeds };
}

const count = (n: number, unit: string) => `${n.toLocaleString('en-US')} ${unit}${n === 1 ? '' : 's'}`;

/** Validate a spec and expand it into jobs (throws a ValidationError naming the field on bad input). */
export function expandSweep(input: unknown, limits: SweepLimits = {}): ExpandedSweep {
  const spec = parseParams(sweepSpecSchema, input, 'sweep spec');
  const maxJobs = limits.maxJobs ?? DEFAULT_MAX_JOBS;
  const size = sweepSize(spec);
  if (size.jobs > maxJobs) {
    throw new RangeError(
      `sweep spec: ${count(size.points, 'grid point')} × ${count(spec.seeds, 'seed')} = ${count(size.jobs, 'job')}; ` +
        `the limit is ${count(maxJobs, 'job')} (--max-jobs N on ftlab run, or the maxJobs option of expandSweep, to raise it)`,
    );
  }
  const maxMemoryBytes = limits.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const points = gridPoints(spec);
  const jobs = points.map((point, p) => {
    const row: Job[] = [];
    for (let s = 0; s < spec.seeds; s++) {
      try {
        const job = makeJob({ type: spec.job, params: point.params, seed: spec.seedStart + s });
        // one memory check per point: its seeds share the parameters
        const tooLarge = s === 0 ? jobMemoryProblem(getJobType(job.type), job.params, maxMemoryBytes) : null;
        if (tooLarge) throw new RangeError(tooLarge);
        row.push(job);
      } catch (err) {
        const where = Object.keys(point.coords).length ? ` at grid point ${p} ${jsonLiteral(point.coords)}` : '';
        throw new RangeError(`${(err as Error).message}${where}`);
      }
    }
    return row;
  });
  return { spec, points, jobs };
}

/** Read a sweep spec from a .json, .yaml or .yml file. */
export function readSweepSpec(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'it is a directory; expected a .json, .yaml or .yml file' : code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new RangeError(`${path}: cannot read the sweep spec (${why})`);
  }
  try {
    return /\.ya?ml$/i.test(path) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new RangeError(`${path}: cannot parse (${(err as Error).message})`);
  }
}
