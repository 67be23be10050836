// Whole-figure cost of Shachaf et al.'s deep-linear depth figure (`shachaf-depth`: risk against depth L for
// θ_T = αθ_S + εξ, d = 100, n = 10): the NumPy recipe (bench/figure_shachaf.py: full-batch GD with one fixed lr from
// the pretrained balanced network, all layers, until the training residual is below 1e-10 of its start) against
// `ftlab reproduce shachaf-depth` with every solver the figure offers (from `ftlab list --json` at run time; the
// figure's default where it offers no choice).
//
// Sample points (every (ε, α, L) of the figure at instances 0 … --instances − 1) are built exactly as the
// `deep-linear-finetune` job builds them — teacher pair, data, the balanced rank-one network with end-to-end θ_S —
// and written as raw float64 files, so NumPy fine-tunes the identical network on identical data. Per point: NumPy's
// time, steps and stop, ftlab's own GD with the same recipe (same lr, same stop: the same arithmetic), each ftlab
// solver's job time and risk from its figure run, and the distance of the end points to the implicit-bias limit
// w_L = X⁺y + κ_L(I − P)θ_S (theory on the same data).
//
// NumPy's whole-figure time is extrapolated: for each (ε, α, L) the mean over the sampled instances of its time,
// times the figure's instance count (the figure's ∞-depth jobs are theory only: no NumPy cost). The step count varies
// with the instance, so this is an estimate; its spread is in the JSON.
//
//   node bench/figure-shachaf.mjs [--instances 2] [--lr 0.002] [--cap 60] [--workers 1[,2]] [--figure-timeout 1800]
//     [--skip-figure] [--keep]        (after npm run build; --keep leaves the temporary folders in place)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shachafDepth } from '../dist/experiments/presets/shachafDeep.js';
import { deepLinearFineTuneParams } from '../dist/experiments/jobs/deepLinearFineTune.js';
import { linearInstance, sampleLinearData } from '../dist/tasks/linearTeachers.js';
import { balancedRankOne } from '../dist/models/deepLinear.js';
import { trainDeepLinear } from '../dist/training/deepLinear.js';
import { deepFineTunedSolution } from '../dist/theory/shachaf/deep.js';
import { intList, readF64, reproduceFigure, round, runNumpyRecipe, solversOf, storedRuns } from './common.mjs';

const str = { type: 'string' };
const { values } = parseArgs({ options: { instances: str, lr: str, cap: str, workers: str, 'figure-timeout': str, 'skip-figure': { type: 'boolean' }, keep: { type: 'boolean' } } });
const figure = 'shachaf-depth';
const preset = shachafDepth;
const instances = Number(values.instances ?? 2);
// 0.002: the largest round step at which every point of the figure converges (at 0.005, the low end of the digest's
// 0.005–0.02 for ‖θ_S‖ ≈ 1, the α = 4, L = 50 points oscillate without converging: ‖θ_T‖ ≈ 4 there).
const LR = Number(values.lr ?? 0.002);
const TOL = 1e-10;
const MAX_STEPS = 10_000_000;
const cap = Number(values.cap ?? 60);
const workerCounts = intList(values.workers ?? '1');
const figureTimeout = Number(values['figure-timeout'] ?? 1800);
const log = (s) => console.error(`[figure-shachaf] ${s}`);
const started = Date.now();
const loadStart = loadavg().map((x) => round(x, 2));

const seeds = preset.defaultSeeds;
const solvers = values['skip-figure'] ? [] : solversOf(figure);
const jobs = preset.jobs({ seeds, quick: false, solver: solversOf(figure)[0] }).map((j) => ({ ...j, params: deepLinearFineTuneParams.parse(j.params) }));
const keyOf = (p) => `ε=${p.problem.teachers.eps} α=${p.problem.teachers.alpha} L=${p.depth}`;

// ---------------------------------------------------------------------------------------------------------------
// Sample points: every finite-depth (ε, α, L) at the first `instances` seeds, built as the job builds them.
const root = mkdtempSync(join(tmpdir(), 'ftlab-fig-shachaf-'));
const f64 = (path, arr) => writeFileSync(path, Buffer.from(new Float64Array(arr).buffer));
writeFileSync(join(root, 'meta.json'), JSON.stringify({ lr: LR, tol: TOL, max_steps: MAX_STEPS }));
const points = jobs
  .filter((j) => j.params.depth !== 'Infinity' && j.seed < instances)
  .map((j, i) => {
    const p = j.params;
    if (p.training.frozen.length || p.init.kind !== 'balanced') throw new Error('figure-shachaf: expected the balanced start with every layer trained');
    const inst = linearInstance(p.problem);
    const thetaS = inst.thetaS.map((v) => v * p.sourceScale);
    const thetaT = inst.thetaT.map((v) => v * p.targetScale);
    const data = sampleLinearData({ cov: inst.cov, thetaS, thetaT }, p.problem.n, p.problem.noise, j.seed);
    const widths = p.hiddenWidths ?? Array(p.depth - 1).fill(p.hiddenWidth);
    const net = balancedRankOne(thetaS, widths);
    const label = `${keyOf(p)} s${j.seed}`;
    const folder = join(root, `p${String(i).padStart(4, '0')}`);
    mkdirSync(folder);
    f64(join(folder, 'x.f64'), data.x.data);
    f64(join(folder, 'y.f64'), data.y);
    net.layers.forEach((m, k) => f64(join(folder, `w${k}.f64`), m.data));
    writeFileSync(join(folder, 'meta.json'), JSON.stringify({ label, n: p.problem.n, d: p.problem.d, shapes: net.layers.map((m) => [m.rows, m.cols]) }));
    const theory = deepFineTunedSolution(data.x, data.y, thetaS, p.depth).w;
    return { job: j, key: keyOf(p), label, folder, net, data, thetaT, theory };
  });
log(`${points.length} sample points written to ${root}`);

// ---------------------------------------------------------------------------------------------------------------
// NumPy recipe, single-threaded BLAS.
const npRows = runNumpyRecipe('figure_shachaf.py', root, cap);
const sq = (a, b) => a.reduce((s, v, i) => s + (v - (b ? b[i] : 0)) ** 2, 0);
const rel = (a, b) => Math.sqrt(sq(a, b) / Math.max(sq(b), 1e-300));
points.forEach((p, i) => {
  p.np = { ...npRows[i], w: readF64(join(p.folder, 'w_numpy.f64')) };
});
log(`NumPy: ${npRows.reduce((s, r) => s + r.wall_s, 0).toFixed(1)} s over ${points.length} points`);

// ftlab's own GD with the recipe: the same lr and the same residual test (‖Xw − y‖ ≤ 1e-10 ‖Xw₀ − y‖).
for (const p of points) {
  const t = performance.now();
  const r = trainDeepLinear(p.net, { kind: 'data', x: p.data.x, y: p.data.y }, { method: 'gd', lr: LR, tol: TOL, maxIterations: p.np.stop === 'max-time' ? p.np.steps : MAX_STEPS });
  p.gd = { s: (performance.now() - t) / 1000, steps: r.iterations, stop: r.stop, w: r.w };
}
log(`ftlab GD (recipe): ${points.reduce((s, p) => s + p.gd.s, 0).toFixed(1)} s over ${points.length} points`);

// ---------------------------------------------------------------------------------------------------------------
// ftlab: the whole figure with every solver it offers.
const figureRuns = [];
const stored = {};
for (const solver of solvers) {
  for (const w of workerCounts) {
    log(`ftlab reproduce ${figure} --solver ${solver ?? '(default)'} --workers ${w} …`);
    const r = reproduceFigure({ figure, workers: w, solver, timeoutS: figureTimeout });
    figureRuns.push(r);
    log(r.timed_out ? `  stopped after ${figureTimeout} s (a lower bound)` : `  ${r.wall_s.toFixed(1)} s wall, sweep ${r.sweep_s} s, ${r.jobs} jobs`);
    const name = solver ?? 'default';
    if (!stored[name] && !r.timed_out) stored[name] = await storedRuns(r.out);
  }
}
// The stored parameters are canonical JSON (sorted keys): match on the fields that tell the figure's jobs apart.
const jobKey = (params, seed) => JSON.stringify([params.problem.d, params.problem.n, params.problem.teachers.kind, params.problem.teachers.alpha, params.problem.teachers.eps, params.problem.instanceSeed, params.depth, params.sourceScale, params.targetScale, seed]);
const storedAt = (name, p) => stored[name]?.find((r) => jobKey(r.params, r.seed) === jobKey(p.job.params, p.job.seed));

// ---------------------------------------------------------------------------------------------------------------
// Rows and totals.
const TOL_AGREE = 1e-2; // relative distance to the gradient-flow limit counted as agreement (GD at fixed lr: O(lr))
const norm2 = (v) => sq(v);
const rows = points.map((p) => {
  const t2 = norm2(p.thetaT);
  const r = {
    point: p.label, key: p.key, seed: p.job.seed, depth: p.job.params.depth,
    numpy_s: p.np.wall_s, numpy_steps: p.np.steps, numpy_stop: p.np.stop,
    gd_s: p.gd.s, gd_steps: p.gd.steps, gd_stop: p.gd.stop, gd_vs_numpy: rel(p.gd.w, p.np.w),
    risk_numpy: sq(p.np.w, p.thetaT) / t2, risk_theory: sq(p.theory, p.thetaT) / t2,
    numpy_vs_theory: rel(p.np.w, p.theory),
    ftlab: {},
  };
  for (const name of Object.keys(stored)) {
    const s = storedAt(name, p);
    if (s) r.ftlab[name] = { s: s.wallMs / 1000, risk: s.metrics.normalizedRisk, iterations: s.metrics.iterations, converged: s.converged, distance_to_theory_max: s.metrics.distanceToTheory };
  }
  r.agree = p.np.stop === 'residual' && r.numpy_vs_theory < TOL_AGREE;
  return r;
});
// NumPy whole figure: mean time per (ε, α, L) over the sampled instances × the figure's instance count.
const byKey = new Map();
for (const r of rows) {
  if (!byKey.has(r.key)) byKey.set(r.key, []);
  byKey.get(r.key).push(r);
}
let numpyTotal = 0, numpyLower = false, gdTotal = 0;
const finiteJobs = jobs.filter((j) => j.params.depth !== 'Infinity');
for (const j of finiteJobs) {
  const list = byKey.get(keyOf(j.params));
  numpyTotal += list.reduce((s, r) => s + r.numpy_s, 0) / list.length;
  gdTotal += list.reduce((s, r) => s + r.gd_s, 0) / list.length;
  numpyLower ||= list.some((r) => r.numpy_stop === 'max-time');
}
const diverged = rows.filter((r) => r.numpy_stop === 'diverged');
// The same totals over the (ε, α, L) whose sampled NumPy runs all converged, with each solver's summed job times
// there (from its results database): the comparison without the cap's influence.
const convergedKeys = new Set([...byKey].filter(([, list]) => list.every((r) => r.numpy_stop === 'residual')).map(([k]) => k));
const subset = { keys: convergedKeys.size, of: byKey.size, numpy_s: 0, ftlab_job_s: {} };
for (const j of finiteJobs) {
  if (!convergedKeys.has(keyOf(j.params))) continue;
  const list = byKey.get(keyOf(j.params));
  subset.numpy_s += list.reduce((s, r) => s + r.numpy_s, 0) / list.length;
}
for (const name of Object.keys(stored)) {
  subset.ftlab_job_s[name] = stored[name].filter((r) => r.params.depth !== 'Infinity' && convergedKeys.has(keyOf(r.params))).reduce((s, r) => s + r.wallMs / 1000, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Report.
const f = (x, dg = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(dg));
const e = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(1));
const p4 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toPrecision(4));
const names = Object.keys(stored);
console.log(`\n${figure}: ${jobs.length} jobs (${finiteJobs.length} simulated, ${jobs.length - finiteJobs.length} theory-only L = ∞), ${seeds} instances; sample points at instances 0…${instances - 1}`);
console.log(`NumPy recipe: GD lr ${LR} on (1/2n)‖Xw − y‖² until ‖Xw − y‖ ≤ ${TOL}·‖Xw₀ − y‖, single-threaded, cap ${cap} s per point`);
console.log(`\nPer point: seconds (steps, stop); risk = ‖w − θ_T‖²/‖θ_T‖²; Δ = ‖w − w_L‖/‖w_L‖ with w_L the implicit-bias limit; ftlab <solver> = that figure run's job time (iterations)`);
console.log(`${'point'.padEnd(24)}${'NumPy'.padStart(26)}${'ftlab GD'.padStart(26)}${'GD−NumPy'.padStart(10)}${names.map((n) => `ftlab ${n}`.padStart(22)).join('')}${'risk NumPy / limit'.padStart(22)}${'Δ NumPy'.padStart(10)}`);
for (const r of rows) {
  console.log(
    `${r.point.padEnd(24)}${`${f(r.numpy_s, 3)} (${r.numpy_steps}, ${r.numpy_stop})`.padStart(26)}${`${f(r.gd_s, 3)} (${r.gd_steps}, ${r.gd_stop})`.padStart(26)}${e(r.gd_vs_numpy).padStart(10)}` +
      names.map((n) => (r.ftlab[n] ? `${f(r.ftlab[n].s, 3)} (${r.ftlab[n].iterations})` : '—').padStart(22)).join('') +
      `${`${p4(r.risk_numpy)} / ${p4(r.risk_theory)}`.padStart(22)}${e(r.numpy_vs_theory).padStart(10)}`,
  );
}
const agreeing = rows.filter((r) => r.agree).length;
console.log(`\nAgreement: ${agreeing}/${rows.length} NumPy end points within ${TOL_AGREE} (relative) of the implicit-bias limit; ${diverged.length} diverged at lr ${LR}` + (diverged.length ? ` (${diverged.map((r) => r.point).join('; ')})` : ''));
for (const n of names) {
  const have = rows.filter((r) => r.ftlab[n]);
  const d = have.filter((r) => r.numpy_stop === 'residual').map((r) => Math.abs(r.ftlab[n].risk - r.risk_numpy) / Math.max(r.risk_theory, 1e-300));
  const dt = have.map((r) => Math.abs(r.ftlab[n].risk - r.risk_theory) / Math.max(r.risk_theory, 1e-300));
  const notConv = have.filter((r) => !r.ftlab[n].converged).length;
  if (have.length) console.log(`ftlab ${n} (${have.length} points, ${notConv} not converged): |risk − risk NumPy| / risk limit ≤ ${e(Math.max(...d))} where NumPy converged; |risk − risk limit| / risk limit ≤ ${e(Math.max(...dt))}`);
  else console.log(`ftlab ${n}: the sample points were not found in its results database`);
}
const total = [];
const lb = numpyLower ? '≥ ' : '';
console.log(`\nWhole figure. NumPy recipe, extrapolated (mean per (ε, α, L) over ${instances} instance(s) × ${seeds}): ${lb}${numpyTotal.toFixed(0)} s; ftlab GD with the recipe, extrapolated alike: ${gdTotal.toFixed(1)} s (NumPy ÷ ftlab GD = ${f(numpyTotal / gdTotal, 1)}×)`);
console.log(`${'ftlab'.padEnd(44)}${'s'.padStart(10)}${'NumPy ÷ ftlab'.padStart(16)}`);
for (const r of figureRuns) {
  const label = `reproduce --solver ${r.solver} --workers ${r.workers}`;
  const s = r.timed_out ? figureTimeout : r.wall_s;
  total.push({ ftlab: label, s, lower_bound: r.timed_out, ratio: numpyTotal / s });
  console.log(`${label.padEnd(44)}${`${r.timed_out ? '≥ ' : ''}${f(s, 1)}`.padStart(10)}${`${r.timed_out ? '≤ ' : numpyLower ? '≥ ' : ''}${f(numpyTotal / s, 1)}×`.padStart(16)}`);
}
total.push({ ftlab: 'ftlab GD with the recipe (extrapolated)', s: gdTotal, ratio: numpyTotal / gdTotal, extrapolated: true });
if (convergedKeys.size < byKey.size) {
  console.log(`Over the ${convergedKeys.size}/${byKey.size} (ε, α, L) where every sampled NumPy run converged: NumPy ${subset.numpy_s.toFixed(0)} s; ` +
    Object.entries(subset.ftlab_job_s).map(([n, s]) => `ftlab ${n} Σ job times ${s.toFixed(1)} s (NumPy ÷ ftlab = ${f(subset.numpy_s / s, 1)}×)`).join('; '));
}
console.log('NumPy ÷ ftlab > 1: ftlab faster; "default" = the figure\'s own solver where it offers no choice. A capped NumPy point makes the NumPy total a lower bound.');
const outDir = new URL('./results/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'figure-shachaf.json'), JSON.stringify({
  figure, jobs: jobs.length, simulated_jobs: finiteJobs.length, seeds, sampled_instances: instances, lr: LR, tol: TOL, cap, tolerance: TOL_AGREE,
  solvers: solvers.map((s) => s ?? 'default'), numpy_total_s: numpyTotal, numpy_lower_bound: numpyLower, ftlab_gd_recipe_total_s: gdTotal,
  ftlab_figure_runs: figureRuns, totals: total, converged_subset: subset, rows,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg_start: loadStart, loadavg_end: loadavg().map((x) => round(x, 2)) },
  seconds: Math.round((Date.now() - started) / 1000), createdAt: new Date().toISOString(),
}, null, 1));
// The data points and each reproduce run's output folder (its results database) are temporary.
if (!values.keep) for (const dir of [root, ...figureRuns.map((r) => r.out)]) rmSync(dir, { recursive: true, force: true });
console.log(`wrote bench/results/figure-shachaf.json (${Math.round((Date.now() - started) / 1000)} s)`);
