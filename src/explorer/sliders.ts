/**
 * How an explorer slider maps its integer positions to a parameter's values: over the parameter's typical range
 * (narrowed by the bounds other parameters put on it), in log10 where a positive range spans more than two decades,
 * and with chosen values ("anchors": the default, the value the slider started from) exactly on their positions, so
 * a slider moved away and back gives that value again rather than a rounded neighbour. Pure functions, no DOM.
 */
import type { ExplorerParam } from './views.js';

/** A slider's scale: positions 0…positions cover [lo, hi], linearly or in log10. */
export interface SliderScale {
  lo: number;
  hi: number;
  log: boolean;
  positions: number;
  integer: boolean;
  /** Linear increment per position. */
  step?: number;
  /** An integer log10 scale's value at each position (distinct whole numbers: near lo the steps are 1). */
  table?: number[];
}

/** Bounds on a parameter from the other parameters' values (see ExplorerView.bounds). */
export interface SliderBound {
  min?: number;
  max?: number;
}

/** Default number of positions of a continuous slider. */
const POSITIONS = 200;

/** The scale of p's slider: its typical range within [min, max] and within `bound`. */
export function sliderScale(p: ExplorerParam, bound: SliderBound = {}): SliderScale {
  const integer = p.integer === true;
  const [t0, t1] = p.typical ?? [p.min, p.max];
  const clampInt = (lo: number, hi: number) => (integer ? [Math.ceil(lo), Math.floor(hi)] : [lo, hi]);
  let [lo, hi] = clampInt(Math.max(p.min, t0, bound.min ?? -Infinity), Math.min(p.max, t1, bound.max ?? Infinity));
  if (!(hi > lo)) {
    // The bounds leave the typical range: the slider covers what they allow of the whole range.
    [lo, hi] = clampInt(Math.max(p.min, bound.min ?? p.min), Math.min(p.max, bound.max ?? p.max));
    if (!(hi >= lo)) hi = lo;
  }
  const log = (p.log ?? hi / lo > 100) && lo > 0;
  let positions: number;
  let step: number | undefined;
  if (log) positions = POSITIONS;
  else if (integer && hi - lo <= 1000) positions = hi - lo;
  else if (p.step !== undefined && !integer) {
    step = p.step;
    positions = Math.ceil((hi - lo) / p.step - 1e-9);
  } else positions = POSITIONS;
  positions = Math.max(1, positions);
  if (!log && step === undefined) step = (hi - lo) / positions;
  return { lo, hi, log, positions, integer, step, table: log && integer ? integerLogTable(lo, hi, positions) : undefined };
}

/** f(k) = k + max over j ≤ k of (round(lo·(hi/lo)^(j/N)) − j): whole numbers, strictly increasing, ≥ the log grid. */
function integerLogTable(lo: number, hi: number, positions: number): number[] {
  const table: number[] = [];
  let lead = -Infinity;
  for (let k = 0; k <= positions; k++) {
    lead = Math.max(lead, Math.round(lo * (hi / lo) ** (k / positions)) - k);
    table.push(Math.min(hi, k + lead));
  }
  return table;
}

/** The slider position (an integer in [0, positions]) of value v; a value beyond the range sits at its end. */
export function valueToPosition(s: SliderScale, v: number): number {
  if (!(s.hi > s.lo)) return 0;
  if (s.table) {
    const t = s.table;
    let best = 0;
    for (let k = 1; k <= s.positions; k++) if (Math.abs(t[k] - v) < Math.abs(t[best] - v)) best = k;
    return best;
  }
  let f: number;
  if (s.log) f = v > 0 ? (Math.log10(v) - Math.log10(s.lo)) / (Math.log10(s.hi) - Math.log10(s.lo)) : 0;
  else f = (v - s.lo) / (s.step! * s.positions);
  return Math.min(s.positions, Math.max(0, Math.round(f * s.positions)));
}

/**
 * The value at slider position `pos`: an anchor (within the range) whose position this is, else the scale's value
 * there, rounded to a short decimal (log: 3 significant digits; integers: whole numbers); the ends give lo and hi.
 */
export function positionToValue(s: SliderScale, pos: number, anchors: readonly number[] = []): number {
  const k = Math.min(s.positions, Math.max(0, Math.round(pos)));
  for (const a of anchors) if (a >= s.lo && a <= s.hi && valueToPosition(s, a) === k) return a;
  if (k === 0) return s.lo;
  if (k === s.positions) return s.hi;
  if (s.table) return s.table[k];
  let v: number;
  if (s.log) {
    v = 10 ** (Math.log10(s.lo) + (k / s.positions) * (Math.log10(s.hi) - Math.log10(s.lo)));
    v = s.integer ? Math.round(v) : Number(v.toPrecision(3));
  } else {
    v = s.lo + k * s.step!;
    if (s.integer) v = Math.round(v);
    else {
      const digits = Math.min(20, Math.max(0, 1 - Math.floor(Math.log10(s.step!))));
      v = Number(v.toFixed(digits));
    }
  }
  return Math.min(s.hi, Math.max(s.lo, v));
}
