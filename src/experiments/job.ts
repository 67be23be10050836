/**
 * Jobs and their content hashes. A job is (type, validated parameters with defaults filled in, seed);
 * its id is SHA-256 over (code version, job type and its version, canonical JSON of the parameters,
 * seed). Canonical JSON sorts object keys, so equal parameters always hash alike, and a re-run of a
 * sweep recognises every point it already has.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getJobType } from './jobTypes.js';
import { parseParams } from '../validation.js';

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** ftlab's version, part of every job hash. */
export const CODE_VERSION = readPackageVersion();

export interface JobSpec {
  type: string;
  params: unknown;
  seed: number;
}

export interface Job {
  hash: string;
  type: string;
  /** Validated parameters, defaults filled in. */
  params: unknown;
  seed: number;
  codeVersion: string;
}

/** JSON with object keys sorted recursively; rejects non-finite numbers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Validate a job's parameters against its type and compute its content hash. */
export function makeJob(spec: JobSpec): Job {
  const jt = getJobType(spec.type);
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) {
    throw new RangeError(`seed: expected a non-negative integer, got ${String(spec.seed)}`);
  }
  const params = parseParams(jt.schema, spec.params, `${spec.type} parameters`);
  const codeVersion = `${CODE_VERSION}/${jt.name}@${jt.version}`;
  const hash = createHash('sha256')
    .update(canonicalJson({ codeVersion, type: jt.name, params, seed: spec.seed }))
    .digest('hex');
  return { hash, type: jt.name, params, seed: spec.seed, codeVersion };
}
