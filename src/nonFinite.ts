/**
 * How ftlab writes numbers that are not finite (±Infinity, NaN) wherever they leave the program. JSON has no such
 * numbers, so every JSON output (theory --json, figure JSON, `run`'s JSON) writes the value as null and flags it
 * beside the data with { value: "+Infinity" | "-Infinity" | "NaN", reason } — per output of a theory row, per
 * point of a figure series, per metric summary of a `run` point. Every CSV writes inf, -inf and nan.
 */

/** The non-finite number a null in ftlab's JSON stands for. */
export type NonFiniteValue = '+Infinity' | '-Infinity' | 'NaN';

/** The flag beside a null in ftlab's JSON: which non-finite number it was, and why. */
export interface NonFiniteFlag {
  value: NonFiniteValue;
  reason: string;
}

/** The reason a flag carries when the code that produced the value gives none. */
export const GENERIC_REASON: Readonly<Record<NonFiniteValue, string>> = {
  '+Infinity': 'diverges or overflows to +∞',
  '-Infinity': 'diverges or overflows to −∞',
  NaN: 'undefined here (not a number)',
};

/** The name of a non-finite number (callers check `Number.isFinite` first). */
export function nonFiniteValue(v: number): NonFiniteValue {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
}

/** The flag of a non-finite number, with `reason` or the generic one. */
export function nonFiniteFlag(v: number, reason?: string): NonFiniteFlag {
  const value = nonFiniteValue(v);
  return { value, reason: reason ?? GENERIC_REASON[value] };
}

/** Flags of the non-finite entries of a record of numbers (reason per key, else generic); undefined when all are finite. */
export function flagRecord(values: Readonly<Record<string, number>>, reason?: (key: string, value: number) => string | undefined): Record<string, NonFiniteFlag> | undefined {
  let flags: Record<string, NonFiniteFlag> | undefined;
  for (const [key, v] of Object.entries(values)) {
    if (typeof v === 'number' && !Number.isFinite(v)) (flags ??= {})[key] = nonFiniteFlag(v, reason?.(key, v));
  }
  return flags;
}

/** A number as every ftlab CSV writes it: inf, -inf, nan for the non-finite ones, else JavaScript's shortest form. */
export function csvNumber(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}
