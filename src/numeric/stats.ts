/**
 * Summary statistics for seeded Monte-Carlo runs: mean, standard error, and the Pearson and Spearman
 * correlations used to compare similarity measures with the true fine-tuned risk (Shachaf et al. RQ1).
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); 0 when n < 2. */
  sd: number;
  /** Standard error of the mean, sd / √n; 0 when n < 2. */
  stderr: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError('summarize: no values');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  if (n < 2) return { n, mean, sd: 0, stderr: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  return { n, mean, sd, stderr: sd / Math.sqrt(n) };
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`pearson: lengths ${x.length} and ${y.length} differ`);
  if (n < 2) throw new RangeError('pearson: need at least two points');
  const mx = summarize(x).mean;
  const my = summarize(y).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - mx;
    const b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  if (sxx === 0 || syy === 0) throw new RangeError('pearson: a variable is constant');
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks (1-based) with ties given their average rank. */
export function ranks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]] === x[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(ranks(x), ranks(y));
}
