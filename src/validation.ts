/**
 * Parameter validation shared by every boundary (CLI, spec files, job messages, library calls):
 * zod schema builders whose messages state the allowed range, and an error type whose message names
 * the field, the offending value and what is allowed.
 */
import { z } from 'zod';

function rangeText(min: number, max: number, integer: boolean): string {
  const kind = integer ? 'an integer' : 'a number';
  const lo = Number.isFinite(min) ? String(min) : '-∞';
  const hi = Number.isFinite(max) ? String(max) : '∞';
  return `${kind} in [${lo}, ${hi}]`;
}

/** An integer in [min, max] whose error message states the range. */
export function intIn(min: number, max: number): z.ZodNumber {
  const msg = `expected ${rangeText(min, max, true)}`;
  return z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
}

/** A finite number in [min, max] whose error message states the range. */
export function numIn(min: number, max: number): z.ZodNumber {
  const msg = `expected ${rangeText(min, max, false)}`;
  // zod 4's number() already rejects NaN and ±Infinity.
  return z.number({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
}

/** A number strictly greater than `min` and at most `max`. */
export function numAbove(min: number, max: number): z.ZodNumber {
  const msg = `expected a number in (${min}, ${Number.isFinite(max) ? max : '∞'}]`;
  return z.number({ error: msg }).gt(min, { error: msg }).max(max, { error: msg });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** JSON text of a value, except that NaN and ±Infinity (which YAML and JSON's 1e400 can hold) are written as such, not as null. */
export function jsonLiteral(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : jsonLiteral(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonLiteral(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  try {
    const s = jsonLiteral(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

/** A value as short JSON for messages ("missing" when undefined, at most 80 characters). */
export const showValue = show;

export class ValidationError extends Error {
  readonly issues: { field: string; message: string; value: string }[];
  constructor(context: string, issues: { field: string; message: string; value: string }[]) {
    super(`${context}: ` + issues.map((i) => `${i.field}: ${i.message} (got ${i.value})`).join('; '));
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** Parse `input` with `schema`; on failure throw a ValidationError naming each field, value and range. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown, context: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return { field, message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`, value: show(valueAt(input, issue.path)) };
    }
    return { field, message: issue.message, value: show(valueAt(input, issue.path)) };
  });
  // one value can break two rules with one wording (an integer in [a, b]: not an integer, and above b): say it once
  const unique = issues.filter((i, k) => issues.findIndex((j) => j.field === i.field && j.message === i.message && j.value === i.value) === k);
  throw new ValidationError(context, unique);
}

/** A numeric parameter with a closed range (theory functions, figure parameters, explorer controls). */
export interface RangedParam {
  name: string;
  min: number;
  max: number;
  integer?: boolean;
}

/**
 * Why `value` is not allowed for `param` — "expected a number in [min, max] (got value)" — or null when it is. One
 * wording for the CLI (`ftlab theory`, `reproduce --param`) and the explorer page.
 */
export function rangeProblem(param: RangedParam, value: unknown): string | null {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= param.min && value <= param.max && (!param.integer || Number.isInteger(value));
  return ok ? null : `expected ${param.integer ? 'an integer' : 'a number'} in [${param.min}, ${param.max}] (got ${String(value)})`;
}
