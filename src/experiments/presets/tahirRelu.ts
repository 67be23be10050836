/**
 * Figure `tahir-relu` (Tahir, Ganguli & Rotskoff, ICML 2025, §4 / Appendix E; digest §6): the nonlinear
 * check of "features are fate". A mean-field two-layer ReLU student is pretrained on a source teacher that
 * lacks a fraction μ of the target teacher's neurons; linear transfer (frozen first layer, output layer
 * refit on n target samples) is compared with training from scratch on the same samples.
 *
 * Panel 1: the measured transferability T = E[R_sc − R_lt] over (μ, log₂ n), with the predicted boundary
 * A n*^{−b} = ‖P⊥f_t‖²(μ) (scratch power law fitted to the measured scratch risks; out-of-span norm over
 * the source teacher's neurons), the same boundary from the pretrained student's own feature span (check),
 * and the measured crossover where T changes sign. Panel 2: ‖P⊥f_t‖² against μ. Panel 3: scratch risk
 * with its power-law fit and linear-transfer risk against n for a few μ, with their predicted floors.
 */
import type { JobSpec } from '../job.js';
import { noteNonFinite, type FigureData, type FigureTable, type Series } from '../../plots/figure.js';
import { summarize } from '../../numeric/stats.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';

const TYPE = 'tahir-relu-transfer';

interface Plan {
  base: { d: number; width: number; teacherWidth: number; ridge: number; initScale: number; lr: number; pretrainTol: number; scratchTol: number; maxIterations: number };
  ns: number[];
  mus: number[];
  /** μ values whose linear-transfer curves are drawn in panel 3. */
  slices: number[];
}

const FULL: Plan = {
  base: { d: 100, width: 400, teacherWidth: 100, ridge: 1e-3, initScale: 1e-3, lr: 0.5, pretrainTol: 5e-3, scratchTol: 1e-4, maxIterations: 20000 },
  ns: [25, 50, 100, 200, 400, 800, 1600],
  mus: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  slices: [0, 0.3, 0.6, 0.9],
};

const QUICK: Plan = {
  base: { d: 30, width: 120, teacherWidth: 30, ridge: 1e-3, initScale: 1e-3, lr: 0.5, pretrainTol: 5e-3, scratchTol: 1e-4, maxIterations: 20000 },
  ns: [8, 16, 32, 64, 128, 256, 512],
  mus: [0, 0.2, 0.4, 0.6, 0.8],
  slices: [0, 0.4, 0.8],
};

const plan = (quick: boolean): Plan => (quick ? QUICK : FULL);

function scratchSpec(p: Plan, n: number, seed: number): JobSpec {
  return { type: TYPE, params: { ...p.base, ns: [n], scratch: true }, seed };
}

function transferSpec(p: Plan, mu: number, seed: number): JobSpec {
  return { type: TYPE, params: { ...p.base, mus: [mu], ns: p.ns }, seed };
}

/** Mean ± s.e. over seeds of a paired difference of two stored metrics (same seed, two jobs). */
function pairedDifference(
  lookup: ResultLookup,
  seeds: number,
  a: (s: number) => [JobSpec, string, string],
  b: (s: number) => [JobSpec, string, string],
): { mean: number; stderr: number; n: number; converged: boolean } | undefined {
  const diffs: number[] = [];
  let converged = true;
  for (let s = 0; s < seeds; s++) {
    const [sa, ma, ca] = a(s);
    const [sb, mb, cb] = b(s);
    const ra = lookup(sa);
    const rb = lookup(sb);
    if (!ra || !rb || ra.status !== 'done' || rb.status !== 'done') continue;
    const va = ra.metrics[ma];
    const vb = rb.metrics[mb];
    if (va === undefined || vb === undefined) continue;
    diffs.push(va - vb);
    converged &&= ra.metrics[ca] === 1 && rb.metrics[cb] === 1;
  }
  if (diffs.length === 0) return undefined;
  const s = summarize(diffs);
  return { mean: s.mean, stderr: s.stderr, n: s.n, converged };
}

export interface PowerLawFit {
  a: number;
  aStderr: number;
  b: number;
  bStderr: number;
  points: number;
  r2: number;
}

/** Least squares of log R = log A − b log n; standard errors from the residual variance (A by the delta method). */
export function fitPowerLaw(n: readonly number[], r: readonly number[]): PowerLawFit | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  n.forEach((v, i) => {
    if (v > 0 && r[i] > 0 && Number.isFinite(r[i])) {
      xs.push(Math.log(v));
      ys.push(Math.log(r[i]));
    }
  });
  const k = xs.length;
  if (k < 2) return undefined;
  const mx = xs.reduce((s, v) => s + v, 0) / k;
  const my = ys.reduce((s, v) => s + v, 0) / k;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < k; i++) rss += (ys[i] - intercept - slope * xs[i]) ** 2;
  const s2 = k > 2 ? rss / (k - 2) : 0;
  const seSlope = Math.sqrt(s2 / sxx);
  const seIntercept = Math.sqrt(s2 * (1 / k + (mx * mx) / sxx));
  const a = Math.exp(intercept);
  return { a, aStderr: a * seIntercept, b: -slope, bStderr: seSlope, points: k, r2: syy > 0 ? 1 - rss / syy : 1 };
}

/** n* where A n*^{−b} = level: (A/level)^{1/b}; NaN where the level is not positive. */
function crossover(fit: PowerLawFit | undefined, level: number): number {
  if (!fit || !(level > 0) || !(fit.b > 0)) return NaN;
  return (fit.a / level) ** (1 / fit.b);
}

/** Why `crossover(fit, level)` is NaN (the flag beside the null in the figure JSON). */
function noPredictedCrossover(fit: PowerLawFit | undefined, level: number): string {
  if (!fit) return 'no crossover predicted: no scratch power-law fit (too few scratch points with a result)';
  if (Number.isNaN(level)) return 'no value: no stored out-of-span norm for this μ';
  if (!(fit.b > 0)) return `no crossover predicted: the fitted scratch risk does not decrease with n (b = ${fit.b})`;
  return `no crossover predicted: the out-of-span norm ${level} is not positive, so positive transfer is predicted at every n`;
}

/** The n where T(n) first changes sign from + to −, interpolated linearly in log₂ n; NaN if it does not. */
function measuredCrossover(ns: readonly number[], t: readonly number[]): number {
  for (let j = 0; j + 1 < ns.length; j++) {
    if (t[j] > 0 && t[j + 1] <= 0) {
      const x0 = Math.log2(ns[j]);
      const x1 = Math.log2(ns[j + 1]);
      return 2 ** (x0 + ((x1 - x0) * t[j]) / (t[j] - t[j + 1]));
    }
  }
  return NaN;
}

const round = (v: number, digits = 4): number => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : NaN);

function describe(p: Plan, quick: boolean): string {
  const b = p.base;
  return (
    `Teacher f_t(x) = Σ_k a_k relu(v_kᵀx): m* = ${b.teacherWidth} unit neurons v_k uniform on the sphere in d = ${b.d}, a_k ~ N(0, 1) rescaled so ‖f_t‖² = E f_t² = 1; x ~ N(0, I_d), no label noise. ` +
    `Source teacher: f_t minus a fraction μ ∈ {${p.mus.join(', ')}} of its neurons (one random drop order per seed, so the sources are nested). ` +
    `Student: mean-field f(x) = (1/m) Σ_i c_i relu(w_iᵀx), m = ${b.width}, small init w_i ~ N(0, α²I/d), c_i ~ N(0, α²), α = ${b.initScale} (rich regime), the same init for every run of a seed. ` +
    `Optimiser: full-batch GD on both layers with the mean-field step η·m·∇, η starting at ${b.lr} with backtracking (a step that raises the loss is undone and η halves; an accepted step grows η by 1.1, capped at 16). ` +
    `Pretraining: on the exact population loss E(f − f_s)² (arc-cosine kernel; infinitely many source samples, as in the paper's deep-linear runs), until the source risk is ≤ ${b.pretrainTol}·‖f_s‖². ` +
    `Scratch: GD from the same init on the n target samples until the training MSE is ≤ ${b.scratchTol}·mean(y²), or until GD stops moving (loss decrease < 1e-6 relative over 200 accepted steps: a sample on which every neuron is inactive, or a kink of the ReLU loss that no step along −∇ can cross), which counts as converged; table 3 lists each run's stop reason. ` +
    `Budget ${b.maxIterations} GD evaluations per run; a run that stops on the budget is not converged and its cells and points are drawn as red crosses. ` +
    `Linear transfer: first layer frozen, output layer refit exactly by ridge regression on the same n samples, min (1/n)‖Hu − y‖² + λ‖u‖², λ = ${b.ridge}·tr K (K the L² Gram matrix of the pretrained features). ` +
    `n ∈ {${p.ns.join(', ')}}, nested samples shared by scratch and transfer. All risks are exact population risks E(f̂ − f_t)² through the degree-1 arc-cosine kernel. T = R_sc − R_lt, mean ± s.e. over seeds of the paired difference. ` +
    'Theory: ‖P⊥f_t‖² over the span of the kept source neurons (Gram solve, digest eqs. 166–173); check: the same over the pretrained student’s features at the transfer ridge (the n → ∞ linear-transfer risk). ' +
    'Predicted boundary: fit R_sc ≈ A n^{−b} (least squares in log–log over the seed means at every n), then n*(μ) = (A/‖P⊥f_t‖²(μ))^{1/b}. ' +
    'Prediction: positive transfer (T > 0, blue) at small n and small μ, negative (red) beyond n*(μ); μ = 0 transfers positively at every n. ' +
    'The colour scale saturates at the 90th percentile of |T|. ' +
    (quick
      ? 'Quick mode: reduced sizes (d, m, m*), fewer μ and seeds; the shape only.'
      : `Width: m = ${b.width} instead of the paper's 1000, to fit a 2-core budget (a pretraining step costs O(m²d)); the mean-field limit is already reached: at d = 100, μ = 0.3, seed 0, m = 1000 against m = 400 gave student-span out-of-span norm 0.088 vs 0.091, linear-transfer risk 0.371 vs 0.415 (n = 25) and 0.093 vs 0.097 (n = 800), scratch risk 0.498 vs 0.499 (n = 100) and 0.253 vs 0.257 (n = 400).`)
  );
}

export const tahirRelu: FigurePreset = {
  id: 'tahir-relu',
  title: 'Features are fate, ReLU networks: transferability over (μ, n) against the out-of-span prediction',
  paper: 'Tahir, Ganguli & Rotskoff (ICML 2025), §4 and Appendix E (Fig. 3)',
  description: describe(FULL, false),
  defaultSeeds: 3,
  quickSeeds: 2,
  jobs({ seeds, quick }: PresetOptions): JobSpec[] {
    const p = plan(quick);
    const specs: JobSpec[] = [];
    // Most expensive first, so the two workers finish together: large-n scratch runs, then the pretrainings.
    for (let s = 0; s < seeds; s++) for (const n of [...p.ns].reverse()) if (n >= p.ns[p.ns.length - 2]) specs.push(scratchSpec(p, n, s));
    for (let s = 0; s < seeds; s++) for (const mu of p.mus) specs.push(transferSpec(p, mu, s));
    for (let s = 0; s < seeds; s++) for (const n of [...p.ns].reverse()) if (n < p.ns[p.ns.length - 2]) specs.push(scratchSpec(p, n, s));
    return specs;
  },
  build(lookup: ResultLookup, { seeds, quick }: PresetOptions): FigureData {
    const p = plan(quick);
    const seedList = Array.from({ length: seeds }, (_, s) => s);
    const log2 = (n: number) => Math.log2(n);
    const common = { job: { type: TYPE, params: p.base }, seeds: `0..${seeds - 1}` };

    // Scratch risks and their power-law fit.
    const sc = p.ns.map((n) => aggregateMetric(lookup, seedList.map((s) => scratchSpec(p, n, s)), 'sc.0.risk', 'sc.0.converged'));
    const fit = fitPowerLaw(p.ns, sc.map((a) => a?.mean ?? NaN));

    // Out-of-span norms per μ.
    const tSpecs = (mu: number) => seedList.map((s) => transferSpec(p, mu, s));
    const oosT = p.mus.map((mu) => aggregateMetric(lookup, tSpecs(mu), 'pre.0.oosTeacher'));
    const oosS = p.mus.map((mu) => aggregateMetric(lookup, tSpecs(mu), 'pre.0.oosStudent', 'pre.0.converged'));

    // Transferability map.
    const cellX: number[] = [];
    const cellY: number[] = [];
    const cellZ: number[] = [];
    const cellSe: number[] = [];
    const cellConv: boolean[] = [];
    const cellSeeds: number[] = [];
    const tGrid: number[][] = [];
    p.mus.forEach((mu) => {
      const row: number[] = [];
      p.ns.forEach((n, j) => {
        const t = pairedDifference(
          lookup,
          seeds,
          (s) => [scratchSpec(p, n, s), 'sc.0.risk', 'sc.0.converged'],
          (s) => [transferSpec(p, mu, s), `lt.0.${j}.risk`, 'pre.0.converged'],
        );
        cellX.push(mu);
        cellY.push(log2(n));
        cellZ.push(t?.mean ?? NaN);
        cellSe.push(t?.stderr ?? NaN);
        cellConv.push(t?.converged ?? false);
        cellSeeds.push(t?.n ?? 0);
        row.push(t?.mean ?? NaN);
      });
      tGrid.push(row);
    });
    const nStarTheory = p.mus.map((_, k) => crossover(fit, oosT[k]?.mean ?? NaN));
    const nStarStudent = p.mus.map((_, k) => crossover(fit, oosS[k]?.mean ?? NaN));
    const nStarMeasured = tGrid.map((row) => measuredCrossover(p.ns, row));
    // Colour range: the 90th percentile of |T| rounded up to 0.1, so a few extreme cells (linear transfer
    // interpolating at n close to the number of source neurons) do not wash out the map; they saturate.
    const absT = cellZ.filter(Number.isFinite).map(Math.abs).sort((a, b) => a - b);
    const zMax = Math.max(0.1, Math.ceil((absT[Math.floor(0.9 * (absT.length - 1))] ?? 0.1) * 10) / 10);

    const fitName = fit ? `scratch fit A n^−b: A = ${round(fit.a, 3)} ± ${round(fit.aStderr, 2)}, b = ${round(fit.b, 3)} ± ${round(fit.bStderr, 2)}` : 'scratch fit (not available)';
    const series: Series[] = [];
    const P1 = 'transferability T = R_sc − R_lt';
    const P2 = 'out-of-span norm ‖P⊥f_t‖²';
    const P3 = 'risk against n';
    series.push({
      name: 'measured T = R_sc − R_lt',
      kind: 'simulation',
      panel: P1,
      style: 'heatmap',
      params: { ...common, metric: 'sc.0.risk (scratch job at n) − lt.0.j.risk (transfer job at μ), paired by seed' },
      x: { name: 'μ (fraction of teacher neurons dropped)', values: cellX },
      y: { name: 'log₂ n', values: cellY },
      z: { name: 'T', values: cellZ, stderr: cellSe },
      converged: cellConv,
      seeds: cellSeeds,
    });
    series.push({
      name: 'predicted boundary A n*^−b = ‖P⊥f_t‖² (source-teacher span)',
      kind: 'theory',
      panel: P1,
      group: 'predicted boundary n*(μ)',
      method: 'fitted scratch power law = out-of-span norm of the source-teacher span',
      params: { ...common, fit, oos: 'mean over seeds of pre.0.oosTeacher' },
      x: { name: 'μ (fraction of teacher neurons dropped)', values: p.mus },
      y: { name: 'log₂ n', values: nStarTheory.map((v) => (Number.isFinite(v) ? log2(v) : NaN)) },
    });
    noteNonFinite(series[series.length - 1], (field, k) => (field === 'y' ? noPredictedCrossover(fit, oosT[k]?.mean ?? NaN) : undefined));
    series.push({
      name: 'predicted boundary from the pretrained student span (check)',
      kind: 'simulation',
      panel: P1,
      group: 'n*(μ) from the student span (check)',
      style: 'markers',
      params: { ...common, fit, oos: 'mean over seeds of pre.0.oosStudent' },
      x: { name: 'μ (fraction of teacher neurons dropped)', values: p.mus },
      y: { name: 'log₂ n', values: nStarStudent.map((v) => (Number.isFinite(v) ? log2(v) : NaN)) },
      converged: oosS.map((a, k) => (a?.converged ?? false) && Number.isFinite(nStarStudent[k])),
    });
    noteNonFinite(series[series.length - 1], (field, k) => (field === 'y' ? noPredictedCrossover(fit, oosS[k]?.mean ?? NaN) : undefined));
    series.push({
      name: 'measured crossover (T changes sign; log-linear interpolation)',
      kind: 'simulation',
      panel: P1,
      group: 'measured crossover (T = 0)',
      style: 'markers',
      params: { ...common, from: 'the seed-mean T map above' },
      x: { name: 'μ (fraction of teacher neurons dropped)', values: p.mus },
      y: { name: 'log₂ n', values: nStarMeasured.map((v) => (Number.isFinite(v) ? log2(v) : NaN)) },
      // A μ without a crossover has no point to vouch for: not converged, whatever its cells.
      converged: p.mus.map((_, k) => Number.isFinite(nStarMeasured[k]) && p.ns.every((__, j) => cellConv[k * p.ns.length + j])),
    });
    noteNonFinite(series[series.length - 1], (field, k) => {
      if (field !== 'y') return undefined;
      if (tGrid[k].some(Number.isNaN)) return 'no value: a cell of this μ has no stored result';
      return `no crossover: T does not change sign from + to − over n ∈ [${p.ns[0]}, ${p.ns[p.ns.length - 1]}]`;
    });

    series.push({
      name: '‖P⊥f_t‖², span of the kept source-teacher neurons (theory)',
      kind: 'theory',
      panel: P2,
      group: '‖P⊥f_t‖², source-teacher span',
      method: 'arc-cosine Gram solve (digest eqs. 166–173), mean over seeds',
      params: { ...common, metric: 'pre.0.oosTeacher' },
      x: { name: 'μ', values: p.mus },
      y: { name: '‖P⊥f_t‖²', values: oosT.map((a) => a?.mean ?? NaN), stderr: oosT.map((a) => a?.stderr ?? NaN) },
    });
    series.push({
      name: 'out-of-span norm over the pretrained student features (ridge λ, n → ∞ linear-transfer risk)',
      kind: 'simulation',
      panel: P2,
      group: '‖P⊥f_t‖², student span (check)',
      params: { ...common, metric: 'pre.0.oosStudent' },
      x: { name: 'μ', values: p.mus },
      y: { name: '‖P⊥f_t‖²', values: oosS.map((a) => a?.mean ?? NaN), stderr: oosS.map((a) => a?.stderr ?? NaN) },
      converged: oosS.map((a) => a?.converged ?? false),
      seeds: oosS.map((a) => a?.n ?? 0),
    });

    series.push({
      name: 'scratch R_sc (GD from small init)',
      kind: 'simulation',
      panel: P3,
      group: 'scratch',
      params: { ...common, metric: 'sc.0.risk' },
      x: { name: 'log₂ n', values: p.ns.map(log2) },
      y: { name: 'population risk', values: sc.map((a) => a?.mean ?? NaN), stderr: sc.map((a) => a?.stderr ?? NaN) },
      converged: sc.map((a) => a?.converged ?? false),
      seeds: sc.map((a) => a?.n ?? 0),
    });
    const fine = Array.from({ length: 41 }, (_, i) => log2(p.ns[0]) + ((log2(p.ns[p.ns.length - 1]) - log2(p.ns[0])) * i) / 40);
    series.push({
      name: fitName,
      kind: 'theory',
      panel: P3,
      group: 'scratch',
      method: 'least-squares fit in log–log',
      params: { ...common, fit },
      x: { name: 'log₂ n', values: fine },
      y: { name: 'population risk', values: fine.map((x) => (fit ? fit.a * 2 ** (-fit.b * x) : NaN)) },
    });
    for (const mu of p.slices) {
      const k = p.mus.indexOf(mu);
      const lt = p.ns.map((_, j) => aggregateMetric(lookup, tSpecs(mu), `lt.0.${j}.risk`, 'pre.0.converged'));
      const group = `linear transfer, μ = ${mu}`;
      series.push({
        name: `linear transfer R_lt, μ = ${mu}`,
        kind: 'simulation',
        panel: P3,
        group,
        params: { ...common, mu, metric: 'lt.0.j.risk' },
        x: { name: 'log₂ n', values: p.ns.map(log2) },
        y: { name: 'population risk', values: lt.map((a) => a?.mean ?? NaN), stderr: lt.map((a) => a?.stderr ?? NaN) },
        converged: lt.map((a) => a?.converged ?? false),
        seeds: lt.map((a) => a?.n ?? 0),
      });
      const floor = oosT[k]?.mean ?? NaN;
      series.push({
        name: `predicted floor ‖P⊥f_t‖² (source span), μ = ${mu}`,
        kind: 'theory',
        panel: P3,
        group,
        method: 'n → ∞ limit of linear transfer: the out-of-span norm',
        params: { ...common, mu, metric: 'pre.0.oosTeacher' },
        x: { name: 'log₂ n', values: [log2(p.ns[0]), log2(p.ns[p.ns.length - 1])] },
        y: { name: 'population risk', values: [floor, floor] },
      });
    }

    const tables: FigureTable[] = [];
    tables.push({
      title: 'Scratch power law R_sc ≈ A n^−b (least squares in log–log over the seed means)',
      columns: ['quantity', 'value', 'stderr'],
      rows: fit
        ? [
            ['A', round(fit.a), round(fit.aStderr)],
            ['b', round(fit.b), round(fit.bStderr)],
            ['points (n values)', fit.points, ''],
            ['R² (log–log)', round(fit.r2), ''],
          ]
        : [['fit', 'not available', '']],
    });
    tables.push({
      title: 'Per μ: out-of-span norms, predicted and measured crossover, pretraining',
      columns: [
        'μ',
        'kept source neurons',
        '‖P⊥f_t‖² source span (mean)',
        'stderr',
        '‖P⊥f_t‖² student span (mean)',
        'stderr',
        'n* predicted (source span)',
        'n* predicted (student span)',
        'n* measured (T = 0)',
        'zero-shot risk of the pretrained net',
        'aligned kernel fraction',
        'pretraining GD evaluations (max)',
        'pretraining converged (all seeds)',
      ],
      rows: p.mus.map((mu, k) => {
        const specs = tSpecs(mu);
        const kept = aggregateMetric(lookup, specs, 'pre.0.kept');
        const zs = aggregateMetric(lookup, specs, 'pre.0.zeroShotRisk');
        const al = aggregateMetric(lookup, specs, 'pre.0.aligned');
        const its = specs.map((s) => lookup(s)?.metrics['pre.0.iterations'] ?? NaN).filter(Number.isFinite);
        return [
          mu,
          kept?.mean ?? NaN,
          round(oosT[k]?.mean ?? NaN),
          round(oosT[k]?.stderr ?? NaN, 2),
          round(oosS[k]?.mean ?? NaN),
          round(oosS[k]?.stderr ?? NaN, 2),
          round(nStarTheory[k], 4),
          round(nStarStudent[k], 4),
          round(nStarMeasured[k], 4),
          round(zs?.mean ?? NaN),
          round(al?.mean ?? NaN, 3),
          its.length ? Math.max(...its) : NaN,
          oosS[k] ? (oosS[k]!.converged ? 'yes' : 'no') : 'missing',
        ];
      }),
    });
    tables.push({
      title: 'Scratch runs per n: risk, GD evaluations and stop reasons (0 residual, 1 stationary, 2 budget, 3 diverged, 4 step collapse)',
      columns: ['n', 'R_sc (mean)', 'stderr', 'GD evaluations (mean)', 'GD evaluations (max)', 'converged runs', 'stop reasons'],
      rows: p.ns.map((n, j) => {
        const runs = seedList.map((s) => lookup(scratchSpec(p, n, s))).filter((r) => r && r.status === 'done');
        const its = runs.map((r) => r!.metrics['sc.0.iterations']);
        return [
          n,
          round(sc[j]?.mean ?? NaN),
          round(sc[j]?.stderr ?? NaN, 2),
          its.length ? round(its.reduce((a, b) => a + b, 0) / its.length, 4) : NaN,
          its.length ? Math.max(...its) : NaN,
          `${runs.filter((r) => r!.metrics['sc.0.converged'] === 1).length}/${runs.length}`,
          runs.map((r) => r!.metrics['sc.0.stop']).join(' '),
        ];
      }),
    });

    return {
      figure: this.id,
      title: this.title,
      description: describe(p, quick),
      paper: this.paper,
      params: { ...p, seeds },
      series,
      tables,
      plot: {
        xLabel: 'μ',
        yLabel: 'population risk',
        yScale: 'log',
        columns: 3,
        zLabel: 'T = R_sc − R_lt',
        zDomain: [-zMax, zMax],
      },
      provenance: {},
    };
  },
};
