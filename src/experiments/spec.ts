/**
 * Sweep specifications (JSON or YAML files, or objects from presets): a job type, base parameters, a
 * grid of values for dotted parameter paths, and a number of seeds. `expandSweep` takes the cartesian
 * product of the grid, sets each point into a copy of the base parameters, and creates one job per
 * (point, seed), each validated by its job type's schema.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import YAML from 'yaml';
import { intIn } from '../validation.js';
import { parseParams } from '../validation.js';
import { makeJob, type Job } from './job.js';

export const sweepSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'expected 1–64 characters from [A-Za-z0-9._-], starting alphanumeric' }),
    description: z.string().optional(),
    job: z.string(),
    params: z.record(z.string(), z.unknown()).default({}),
    grid: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, { error: 'expected a dotted parameter path like "problem.n"' }), z.array(z.unknown()).min(1, { error: 'expected a non-empty list of values' }))
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

/** Validate a spec and expand it into jobs (throws a ValidationError naming the field on bad input). */
export function expandSweep(input: unknown): ExpandedSweep {
  const spec = parseParams(sweepSpecSchema, input, 'sweep spec');
  const points = gridPoints(spec);
  const jobs = points.map((point, p) => {
    const row: Job[] = [];
    for (let s = 0; s < spec.seeds; s++) {
      try {
        row.push(makeJob({ type: spec.job, params: point.params, seed: spec.seedStart + s }));
      } catch (err) {
        const where = Object.keys(point.coords).length ? ` at grid point ${p} ${JSON.stringify(point.coords)}` : '';
        throw new RangeError(`${(err as Error).message}${where}`);
      }
    }
    return row;
  });
  return { spec, points, jobs };
}

/** Read a sweep spec from a .json, .yaml or .yml file. */
export function readSweepSpec(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return /\.ya?ml$/i.test(path) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new RangeError(`${path}: cannot parse (${(err as Error).message})`);
  }
}
