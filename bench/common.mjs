// Helpers shared by the per-step benchmarks (diagonal-gd, deep-linear-gd): a seeded normal generator
// whose NumPy twin (bench/bench_common.py) draws bit-identical uniforms, so both sides train on the
// same numbers and their final losses can be compared to ~1e-10; timing and statistics helpers.

/** Standard normals N(0, scale²) from stream `seed`: mulberry32 uniforms, Box–Muller (cos branch only). */
export function normals(len, seed, scale = 1) {
  let s = seed | 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const u1 = uniform();
    const u2 = uniform();
    out[i] = scale * (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  }
  return out;
}

/** Median of the finite values of a (NaN if none). */
export const median = (a) => {
  const s = a.filter(Number.isFinite).sort((p, q) => p - q);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Seconds taken by fn() (its return value in .value). */
export function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

/** Comma-separated integers ("250,1500") → [250, 1500]. */
export const intList = (s) => String(s).split(',').filter(Boolean).map((v) => {
  const x = Number(v);
  if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`expected a list of integers ≥ 0 (got ${s})`);
  return x;
});

export const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Step rates K / (t_K − t_0) of timed pairs { full: t_K, zero: t_0 } (seconds), with t_0 the median over all
 * pairs: the set-up time is subtracted, and its noise (allocation, GC) averaged out. Warns on stderr when the
 * set-up is over half of a K-step call (raise --steps) and gives NaN for a non-positive difference.
 */
export function stepRates(pairs, K, label) {
  const t0 = median(pairs.map((p) => p.zero));
  if (t0 > 0.5 * median(pairs.map((p) => p.full))) console.error(`[${label}] set-up ${Math.round(t0 * 1000)} ms is over half of a ${K}-step call: raise --steps`);
  return pairs.map((p) => (p.full > t0 ? K / (p.full - t0) : NaN));
}
