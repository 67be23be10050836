// Whole-figure cost of Tahir et al.'s deep-linear phase diagram (default `tahir-ft-phase`; `--figure tahir-lt-phase`
// works alike): the authors' recipe in NumPy (bench/figure_tahir.py: fixed-lr full-batch GD, fine-tuning for a fixed
// 5000 steps, scratch to the least-squares floor + 1e-6) against `ftlab reproduce` with every solver the figure
// offers (read from `ftlab list --json` at run time).
//
// Sample points (σ, γ, θ, instance 0) are built exactly as the `tahir-transfer` job builds them — teachers, the
// pretrained network (pretrainFor: gradient flow on the population source loss), the scratch initialisation, X and
// y — and written as raw float64 files, so the NumPy side fine-tunes the identical network on identical data.
// Per point: the NumPy times of fine-tuning (5000 steps), scratch and the λ = 0.1 linear transfer, ftlab's values
// for the same cell, and the distances between the NumPy end points and ftlab's implicit-bias limits.
//
// NumPy's whole-figure time is extrapolated: fine-tuning is a fixed 5000 steps whose cost depends only on n, so one
// measured point per (σ, γ) gives every cell of that row; scratch (which stops by its rule) is taken from the same
// point. ftlab's time is the measured `reproduce` run for the solvers in --whole (default implicit-bias); for the
// others (flow, gd: hours at this size) sample jobs of one θ run in child processes with a cap and are extrapolated.
//
//   node bench/figure-tahir.mjs [--figure tahir-ft-phase] [--points all|quick] [--cap 120] [--workers 1[,2]]
//     [--solvers implicit-bias,gd,…|none] [--whole implicit-bias,closed-form] [--sample-gammas 0.2,0.9,1.5] [--sample-cap 30] [--replica-gammas 0.2,0.9,1.5]
//     [--figure-timeout 1800] [--keep]        (after npm run build; --keep leaves the temporary folders in place)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { TAHIR_DEEP_PRESETS } from '../dist/experiments/presets/tahirDeep.js';
import { tahirTransferParams, pretrainFor, runTahirTransfer } from '../dist/experiments/jobs/tahirTransfer.js';
import { drawDesign, labels, targetTeacher, isotropicRisk } from '../dist/tasks/angleTeachers.js';
import { smallInit, fineTuneLimit, scratchLimit, linearTransfer } from '../dist/training/transfer.js';
import { SpectralLeastSquares } from '../dist/numeric/leastSquares.js';
import { createRng } from '../dist/numeric/rng.js';
import { trainDeepLinear } from '../dist/training/deepLinear.js';
import { intList, readF64, reproduceFigure, round, runNumpyRecipe, solversOf, storedRuns } from './common.mjs';

const str = { type: 'string' };
const { values } = parseArgs({
  options: { figure: str, points: str, solvers: str, cap: str, workers: str, whole: str, 'sample-gammas': str, 'sample-cap': str, 'replica-gammas': str, 'figure-timeout': str, child: str, keep: { type: 'boolean' } },
});

// Child mode: one sampled job of a solver that is too slow for the whole figure; the pretrained network is built
// (and cached) first, so the time printed is the job's own work.
if (values.child) {
  const { params, seed } = JSON.parse(values.child);
  const p = tahirTransferParams.parse(params);
  let t = performance.now();
  pretrainFor(p);
  const preS = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ pretrained: true, pre_s: preS })); // the parent's cap starts now (pipes are synchronous on Linux)
  t = performance.now();
  const out = runTahirTransfer(p, seed);
  console.log(JSON.stringify({ s: (performance.now() - t) / 1000, pre_s: preS, metrics: out.metrics, status: out.status }));
  process.exit(0);
}

const figure = values.figure ?? 'tahir-ft-phase';
const preset = TAHIR_DEEP_PRESETS.find((p) => p.id === figure);
if (!preset || !['tahir-ft-phase', 'tahir-lt-phase'].includes(figure)) {
  console.error(`figure-tahir: --figure must be tahir-ft-phase or tahir-lt-phase (got ${figure})`);
  process.exit(2);
}
const cap = Number(values.cap ?? 120);
const workerCounts = intList(values.workers ?? '1');
const whole = (values.whole ?? 'implicit-bias,closed-form').split(',').filter(Boolean);
const sampleGammas = (values['sample-gammas'] ?? '0.2,0.9,1.5').split(',').map(Number);
const sampleCap = Number(values['sample-cap'] ?? 30);
const replicaGammas = (values['replica-gammas'] ?? '0.2,0.9,1.5').split(',').map(Number);
const figureTimeout = Number(values['figure-timeout'] ?? 1800);
const quickPoints = values.points === 'quick';
const log = (s) => console.error(`[figure-tahir] ${s}`);
const started = Date.now();
const loadStart = loadavg().map((x) => round(x, 2));

// ---------------------------------------------------------------------------------------------------------------
// The figure's jobs (one per σ, γ, instance; each covers every θ) and the sample points.
const seeds = preset.defaultSeeds;
const offered = solversOf(figure);
// --solvers: a subset of the offered solvers to time ('none': only the NumPy side and the agreement check).
const solvers = values.solvers ? offered.filter((s) => values.solvers.split(',').includes(s ?? 'default')) : offered;
const jobsOf = (solver) => preset.jobs({ seeds, quick: false, solver });
const ibJobs = jobsOf(offered[0]).map((j) => ({ ...j, params: tahirTransferParams.parse(j.params) }));
const p0 = ibJobs[0].params;
const d = p0.d;
const thetas = p0.thetas;
const sigmas = [...new Set(ibJobs.map((j) => j.params.sigma))];
const ns = [...new Set(ibJobs.map((j) => j.params.n))].sort((a, b) => a - b);
const nearest = (list, v) => list.reduce((b, x) => (Math.abs(x - v) < Math.abs(b - v) ? x : b));
const thetaIndex = (t) => thetas.indexOf(nearest(thetas, t));
const K_MAIN = thetaIndex(Math.PI / 4);
const nOf = (gamma) => nearest(ns, Math.round(gamma * d));
const sigmaMax = Math.max(...sigmas);
const jobAt = (jobs, sigma, n, seed) => jobs.find((j) => j.params.sigma === sigma && j.params.n === n && j.seed === seed);

const pointSpecs = [];
const addPoint = (sigma, n, k, main) => {
  if (!pointSpecs.some((q) => q.sigma === sigma && q.n === n && q.k === k)) pointSpecs.push({ sigma, n, k, seed: 0, main });
};
if (quickPoints) for (const g of [0.5, 0.9, 1.5]) addPoint(sigmaMax, nOf(g), K_MAIN, true);
else {
  for (const sigma of sigmas) for (const n of ns) addPoint(sigma, n, K_MAIN, true);
  for (const g of [0.3, 0.9, 1.5]) for (const t of [Math.PI / 8, (3 * Math.PI) / 8]) addPoint(sigmaMax, nOf(g), thetaIndex(t), false);
}

// ---------------------------------------------------------------------------------------------------------------
// Data, exactly as the job builds it.
const root = mkdtempSync(join(tmpdir(), 'ftlab-fig-tahir-'));
const f64 = (path, arr) => writeFileSync(path, Buffer.from(new Float64Array(arr).buffer));
const spec = { d, depth: p0.depth, width: p0.width === 0 ? d : p0.width, initScale: p0.initScale };
if (spec.depth !== 2) throw new Error('figure-tahir: the NumPy recipe is written for L = 2');
let t0 = performance.now();
const pre = pretrainFor(p0); // gradient flow, the pretrained network of the implicit-bias and flow solvers
log(`ftlab pretraining (flow): ${((performance.now() - t0) / 1000).toFixed(1)} s, ${pre.metrics['pre.iterations']} steps`);
const writeNet = (prefix, net) => {
  f64(join(root, `${prefix}_w1.f64`), net.layers[0].data); // k × d, row-major: W_1ᵀ of the paper's x W_1 w_2
  f64(join(root, `${prefix}_w2.f64`), net.layers[1].data);
};
writeNet('init', smallInit(spec, createRng(p0.teacherSeed, 'init', 0)));
writeNet('pre', pre.net);
const scratchInit = smallInit(spec, createRng(p0.teacherSeed, 'init', 1)); // trainScratch(…, index 0)
writeNet('scratch', scratchInit);
f64(join(root, 'beta_s.f64'), pre.teachers.betaS);
writeFileSync(join(root, 'meta.json'), JSON.stringify({ d, width: spec.width }));

const designs = new Map();
const lsCache = new Map();
const points = pointSpecs.map((q, i) => {
  const key = `${q.n}_${q.seed}`;
  if (!designs.has(key)) {
    const design = drawDesign(q.n, d, q.seed, 'target');
    designs.set(key, design);
    f64(join(root, `x_${key}.f64`), design.x.data);
  }
  const design = designs.get(key);
  const theta = thetas[q.k];
  const betaT = targetTeacher(pre.teachers, theta);
  const y = labels(design, betaT, q.sigma);
  const label = `σ=${q.sigma} γ=${round(q.n / d, 3)} θ=${round((theta * 180) / Math.PI, 1)}°`;
  const folder = join(root, `p${String(i).padStart(3, '0')}`);
  mkdirSync(folder);
  f64(join(folder, 'y.f64'), y);
  writeFileSync(join(folder, 'meta.json'), JSON.stringify({ label, n: q.n, x: `x_${key}` }));
  // ftlab's implicit-bias end points for this cell (what the job computes, with its vectors).
  if (!lsCache.has(key)) lsCache.set(key, new SpectralLeastSquares(design.x));
  const ls = lsCache.get(key);
  const ib = { ft: fineTuneLimit(ls, y, pre.w0, spec.depth).w, sc: scratchLimit(ls, y, spec.depth, 0).w, lt: linearTransfer(pre.span, design.x, y, 0.1) };
  return { ...q, label, folder, theta, betaT, y, design, ib, replica: q.main && q.sigma === sigmaMax && replicaGammas.some((g) => nOf(g) === q.n) };
});
log(`${points.length} sample points written to ${root}`);

// ---------------------------------------------------------------------------------------------------------------
// NumPy: the authors' recipe, single-threaded BLAS.
const npLines = runNumpyRecipe('figure_tahir.py', root, cap);
const npPre = npLines.find((l) => l.kind === 'pretrain');
const npPoints = npLines.filter((l) => l.kind === 'point');
const rel = (a, b) => Math.sqrt(isotropicRisk(a, b) / Math.max(isotropicRisk(b, new Float64Array(b.length)), 1e-300));
const w0Numpy = readF64(join(root, 'w0_numpy.f64'));
log(`NumPy pretraining ${npPre.wall_s.toFixed(2)} s (${npPre.steps} steps, ${npPre.stop}); ‖w₀(NumPy) − w₀(ftlab)‖/‖w₀‖ = ${rel(w0Numpy, pre.w0).toExponential(2)}`);
points.forEach((p, i) => {
  const np = npPoints[i];
  p.np = { ...np, ft: readF64(join(p.folder, 'beta_ft_numpy.f64')), sc: readF64(join(p.folder, 'beta_sc_numpy.f64')), lt: readF64(join(p.folder, 'beta_lt_numpy.f64')) };
  log(`${p.label}: NumPy FT ${np.ft_s.toFixed(2)} s (${np.ft_steps}, ${np.ft_stop}), scratch ${np.sc_s.toFixed(2)} s (${np.sc_steps}, ${np.sc_stop})`);
});

// ---------------------------------------------------------------------------------------------------------------
// ftlab's own GD with the recipe (lr 0.02 on ftlab's (1/2n)‖r‖² = torch lr 0.01 on the mean squared error; scratch
// lr 0.2), for NumPy's step counts: the same arithmetic, so the end points must agree to rounding.
for (const p of points.filter((q) => q.replica)) {
  const data = { kind: 'data', x: p.design.x, y: p.y };
  let t = performance.now();
  const ft = trainDeepLinear(pre.net, data, { method: 'gd', lr: 0.02, tol: 0, maxIterations: p.np.ft_steps });
  const ftS = (performance.now() - t) / 1000;
  t = performance.now();
  const sc = trainDeepLinear(scratchInit, data, { method: 'gd', lr: 0.2, tol: 0, maxIterations: p.np.sc_steps });
  const scS = (performance.now() - t) / 1000;
  p.replicaRun = { ft_s: ftS, sc_s: scS, ft_rel: rel(ft.w, p.np.ft), sc_rel: rel(sc.w, p.np.sc), ft_steps: ft.iterations, sc_steps: sc.iterations };
  log(`${p.label}: ftlab GD with the recipe: FT ${ftS.toFixed(2)} s, scratch ${scS.toFixed(2)} s; ‖β − β_NumPy‖/‖β_NumPy‖ = ${p.replicaRun.ft_rel.toExponential(1)}, ${p.replicaRun.sc_rel.toExponential(1)}`);
}

/**
 * Runs a child (`--child`), which prints a line once its pretraining is done; kills it `capS` seconds after that line
 * (or after 10 min without it). Resolves with its exit code, output, whether the cap fired, and the seconds since
 * the line.
 */
function runCapped(args, capS) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', timer = null, since = null, capped = false;
    const kill = () => {
      capped = true;
      c.kill('SIGKILL');
    };
    const hard = setTimeout(kill, 600_000);
    c.stdout.on('data', (b) => {
      out += b;
      if (!timer && out.includes('"pretrained"')) {
        since = performance.now();
        timer = setTimeout(kill, capS * 1000);
      }
    });
    c.stderr.on('data', (b) => (err += b));
    c.on('close', (code) => {
      clearTimeout(hard);
      clearTimeout(timer);
      resolve({ code, out, err, capped, jobWall: since === null ? null : (performance.now() - since) / 1000 });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// ftlab, every solver of the figure: the whole figure where affordable, otherwise sampled jobs with a cap.
const figureRuns = [];
const sampled = {};
let storeRuns = null;
for (const solver of solvers) {
  if (solver === undefined || whole.includes(solver)) {
    for (const w of workerCounts) {
      log(`ftlab reproduce ${figure} --solver ${solver ?? '(default)'} --workers ${w} …`);
      const r = reproduceFigure({ figure, workers: w, solver, timeoutS: figureTimeout });
      figureRuns.push(r);
      log(r.timed_out ? `  stopped after ${figureTimeout} s (a lower bound)` : `  ${r.wall_s.toFixed(1)} s wall, sweep ${r.sweep_s} s, ${r.jobs} jobs`);
      if (!storeRuns && !r.timed_out && solver === offered[0]) storeRuns = { solver, runs: await storedRuns(r.out) };
    }
    continue;
  }
  sampled[solver] = [];
  for (const g of sampleGammas) {
    const n = nOf(g);
    const job = jobAt(jobsOf(solver), sigmaMax, n, 0);
    const params = { ...job.params, thetas: [thetas[K_MAIN]], weightDecays: [0] };
    const c = await runCapped([new URL(import.meta.url).pathname, '--child', JSON.stringify({ params, seed: 0 })], sampleCap);
    const wall = c.jobWall;
    let row;
    if (c.code === 0) {
      const o = JSON.parse(c.out.trim().split('\n').pop());
      row = { n, sigma: sigmaMax, k: K_MAIN, capped: false, s: o.s, pre_s: o.pre_s, ft_risk: o.metrics['ft.0.risk'], ft_it: o.metrics['ft.0.iterations'], sc_risk: o.metrics['sc.0.0.risk'], sc_it: o.metrics['sc.0.0.iterations'], converged: o.status.converged };
    } else if (c.capped) row = { n, sigma: sigmaMax, k: K_MAIN, capped: true, s: sampleCap, child_wall_s: wall };
    else throw new Error(`figure-tahir: sample job failed (exit ${c.code}): ${c.err.trim().split('\n').slice(-3).join(' | ')}`);
    sampled[solver].push(row);
    log(`ftlab ${solver}, σ=${sigmaMax} γ=${round(n / d, 3)} θ=${round((thetas[K_MAIN] * 180) / Math.PI, 1)}° (FT + scratch + LT): ${row.capped ? `≥ ${sampleCap} s (capped)` : `${row.s.toFixed(1)} s (FT ${row.ft_it} steps, scratch ${row.sc_it})`}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The figure's own values at the sample points (the implicit-bias run's results database).
const figVal = (p) => {
  if (!storeRuns) return null;
  const r = storeRuns.runs.find((x) => x.params.sigma === p.sigma && x.params.n === p.n && x.seed === p.seed);
  if (!r) return null;
  const m = r.metrics;
  return { ft: m[`ft.${p.k}.risk`], sc: m[`sc.${p.k}.0.risk`], lt: m[`lt.${p.k}.1.risk`], cell_s: r.wallMs / 1000 / r.params.thetas.length };
};

// ---------------------------------------------------------------------------------------------------------------
// Rows, extrapolation, ratios.
const TOL = 1e-2; // relative end-point distance counted as agreement with the gradient-flow limit (GD at lr 0.01: O(lr))
const rows = points.map((p) => {
  const fv = figVal(p);
  const r = {
    point: p.label, sigma: p.sigma, n: p.n, gamma: round(p.n / d, 3), theta_deg: round((p.theta * 180) / Math.PI, 2),
    numpy_ft_s: p.np.ft_s, numpy_ft_steps: p.np.ft_steps, numpy_ft_stop: p.np.ft_stop,
    numpy_sc_s: p.np.sc_s, numpy_sc_steps: p.np.sc_steps, numpy_sc_stop: p.np.sc_stop, numpy_lt_s: p.np.lt_s,
    ftlab_ib_cell_s: fv?.cell_s ?? null,
    risk_ft: { numpy: isotropicRisk(p.np.ft, p.betaT), ib: isotropicRisk(p.ib.ft, p.betaT), figure: fv?.ft ?? null },
    risk_sc: { numpy: isotropicRisk(p.np.sc, p.betaT), ib: isotropicRisk(p.ib.sc, p.betaT), figure: fv?.sc ?? null },
    risk_lt01: { numpy: isotropicRisk(p.np.lt, p.betaT), ib: isotropicRisk(p.ib.lt, p.betaT), figure: fv?.lt ?? null },
    rel_ft: rel(p.np.ft, p.ib.ft), rel_sc: rel(p.np.sc, p.ib.sc), rel_lt: rel(p.np.lt, p.ib.lt),
    replica: p.replicaRun ?? null,
  };
  r.agree = r.rel_ft < TOL && r.rel_sc < TOL && r.rel_lt < TOL;
  return r;
});

// NumPy's whole figure, from the main point of each (σ, n) (or the nearest measured n of that σ).
const mains = rows.filter((r, i) => points[i].main);
const mainAt = (sigma, n) => {
  const same = mains.filter((r) => r.sigma === sigma);
  const pool = same.length ? same : mains;
  return pool.reduce((b, r) => (Math.abs(r.n - n) < Math.abs(b.n - n) ? r : b));
};
let npFt = 0, npLt = 0, npSc = 0, npScPerTheta = 0, npLower = false, cells = 0;
const figJobs = jobsOf(offered[0]);
for (const j of figJobs) {
  const m = mainAt(j.params.sigma, j.params.n);
  const k = j.params.thetas.length;
  cells += k;
  npFt += k * m.numpy_ft_s;
  npLt += k * m.numpy_lt_s;
  npSc += m.numpy_sc_s;
  npScPerTheta += k * m.numpy_sc_s;
  npLower ||= m.numpy_ft_stop === 'max-time' || m.numpy_sc_stop === 'max-time';
}
// What the figure needs: T_ft = R_sc − R_ft (fine-tuning and scratch) or T_lt = R_sc − R_lt (linear transfer and
// scratch). The authors' script computes fine-tuning and linear transfer in the same run; counting only the needed
// part keeps the NumPy side at its cheapest.
const needsFt = figure === 'tahir-ft-phase';
const npMain = needsFt ? npFt : npLt;
const numpyTotal = npPre.wall_s + npMain + npSc;
const numpyTotalPerTheta = npPre.wall_s + npMain + npScPerTheta;

// Sampled solvers: each cell's time from the nearest sampled γ (FT + scratch + LT of one θ, weight decay 0 only).
const sampledTotals = Object.fromEntries(Object.entries(sampled).map(([s, list]) => {
  let total = 0, lower = false;
  for (const j of jobsOf(s)) {
    const m = list.reduce((b, r) => (Math.abs(r.n - j.params.n) < Math.abs(b.n - j.params.n) ? r : b));
    total += j.params.thetas.length * m.s;
    lower ||= m.capped;
  }
  return [s, { s: total, lower_bound: lower }];
}));

// ---------------------------------------------------------------------------------------------------------------
// Report.
const f = (x, dg = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(dg));
const e = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toExponential(1));
const p4 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(3) : x.toPrecision(4));
console.log(`\n${figure} at d = ${d} (${figJobs.length} jobs × ${thetas.length} θ = ${cells} cells, ${seeds} instances), sample points at instance 0; NumPy single-threaded, cap ${cap} s per run`);
console.log(`NumPy pretraining: ${npPre.wall_s.toFixed(2)} s (${npPre.steps} steps, ${npPre.stop}); its w₀ is ${e(rel(w0Numpy, pre.w0))} (relative) from ftlab's, which both sides fine-tune from`);
console.log('\nPer point: seconds (steps, stop); ftlab IB = the figure run\'s job time ÷ its θ count (per cell); ftlab GD = ftlab\'s trainDeepLinear with the recipe, NumPy\'s step counts');
console.log(`${'point'.padEnd(26)}${'NumPy FT'.padStart(20)}${'NumPy scratch'.padStart(26)}${'NumPy LT'.padStart(10)}${'ftlab IB'.padStart(10)}${'ftlab GD FT+sc'.padStart(16)}${'GD−NumPy'.padStart(10)}`);
for (const r of rows) {
  const rep = r.replica;
  console.log(
    `${r.point.padEnd(26)}${`${f(r.numpy_ft_s)} (${r.numpy_ft_steps}, ${r.numpy_ft_stop === 'max-steps' ? 'fixed' : r.numpy_ft_stop})`.padStart(20)}${`${f(r.numpy_sc_s)} (${r.numpy_sc_steps}, ${r.numpy_sc_stop})`.padStart(26)}${f(r.numpy_lt_s, 3).padStart(10)}${f(r.ftlab_ib_cell_s, 3).padStart(10)}${(rep ? `${f(rep.ft_s)}+${f(rep.sc_s)}` : '').padStart(16)}${(rep ? e(Math.max(rep.ft_rel, rep.sc_rel)) : '').padStart(10)}`,
  );
}
console.log(`\nAgreement with ftlab's implicit-bias limits (the figure's values): risks ‖β − β_t‖² and relative end-point distance ‖β_NumPy − β_IB‖/‖β_IB‖ (agree: all three < ${TOL})`);
const pair = (a, b, w) => ` ${`${p4(a)} / ${p4(b)}`.padStart(w - 1)}`; // a leading space even when the numbers are long
console.log(`${'point'.padEnd(26)}${'R_ft NumPy / IB'.padStart(24)}${'R_sc NumPy / IB'.padStart(24)}${'R_lt(0.1) NumPy / IB'.padStart(24)}${'Δ ft'.padStart(9)}${'Δ sc'.padStart(9)}${'Δ lt'.padStart(9)}  agree`);
for (const r of rows) {
  console.log(`${r.point.padEnd(26)}${pair(r.risk_ft.numpy, r.risk_ft.ib, 24)}${pair(r.risk_sc.numpy, r.risk_sc.ib, 24)}${pair(r.risk_lt01.numpy, r.risk_lt01.ib, 24)}${e(r.rel_ft).padStart(9)}${e(r.rel_sc).padStart(9)}${e(r.rel_lt).padStart(9)}  ${r.agree ? 'yes' : 'no'}`);
}
const figMismatch = rows.filter((r) => r.risk_ft.figure !== null && (Math.abs(r.risk_ft.figure - r.risk_ft.ib) > 1e-12 * Math.max(1, r.risk_ft.ib) || Math.abs(r.risk_sc.figure - r.risk_sc.ib) > 1e-12 * Math.max(1, r.risk_sc.ib)));
if (storeRuns) console.log(`The figure's stored risks equal these implicit-bias values at ${rows.length - figMismatch.length}/${rows.length} points (to 1e-12).`);
for (const [s, list] of Object.entries(sampled)) {
  console.log(`\nftlab --solver ${s}, sample jobs (one θ, weight decay 0, σ = ${sigmaMax}, instance 0; cap ${sampleCap} s): seconds (FT steps, scratch steps), risks against the NumPy point`);
  for (const r of list) {
    const np = rows.find((x) => x.sigma === r.sigma && x.n === r.n && points[rows.indexOf(x)].k === r.k);
    console.log(`  γ=${round(r.n / d, 3)}: ${r.capped ? `≥ ${f(r.s, 0)} (capped)` : `${f(r.s, 1)} (${r.ft_it}, ${r.sc_it}); R_ft ${p4(r.ft_risk)} vs NumPy ${p4(np?.risk_ft.numpy)}, R_sc ${p4(r.sc_risk)} vs ${p4(np?.risk_sc.numpy)}`}`);
  }
}
const total = [];
const npLabel = npLower ? '≥ ' : '';
console.log(`\nWhole figure (${cells} cells). NumPy recipe, extrapolated from the per-(σ, γ) points: ${npLabel}${numpyTotal.toFixed(0)} s = pretraining ${npPre.wall_s.toFixed(1)} + ${needsFt ? 'fine-tuning' : 'linear transfer (λ = 0.1)'} ${npMain.toFixed(0)} + scratch once per (σ, γ, instance) ${npSc.toFixed(0)}` +
  ` (scratch once per cell, as ftlab's figure computes it: ${npLabel}${numpyTotalPerTheta.toFixed(0)} s)`);
console.log(`${'ftlab'.padEnd(44)}${'s'.padStart(10)}${'NumPy ÷ ftlab'.padStart(16)}`);
for (const r of figureRuns) {
  const label = `reproduce --solver ${r.solver} --workers ${r.workers}`;
  const s = r.timed_out ? figureTimeout : r.wall_s;
  const ratio = numpyTotal / s;
  total.push({ ftlab: label, s, lower_bound: r.timed_out, ratio, ratio_scratch_per_cell: numpyTotalPerTheta / s });
  console.log(`${label.padEnd(44)}${`${r.timed_out ? '≥ ' : ''}${f(s, 1)}`.padStart(10)}${`${r.timed_out ? '≤ ' : npLower ? '≥ ' : ''}${f(ratio, 1)}×`.padStart(16)}`);
}
for (const [s, t] of Object.entries(sampledTotals)) {
  const label = `--solver ${s} (sampled, extrapolated)`;
  const ratio = numpyTotal / t.s;
  total.push({ ftlab: label, s: t.s, lower_bound: t.lower_bound, ratio, ratio_scratch_per_cell: numpyTotalPerTheta / t.s, extrapolated: true });
  console.log(`${label.padEnd(44)}${`${t.lower_bound ? '≥ ' : '~'}${f(t.s, 0)}`.padStart(10)}${`${t.lower_bound ? '≤ ' : '~'}${f(ratio, 2)}×`.padStart(16)}`);
}
console.log(`Not counted on the NumPy side: ${needsFt ? `linear transfer (${npLt.toFixed(0)} s)` : `fine-tuning (${npFt.toFixed(0)} s)`}, which this figure does not show but ftlab's jobs compute.`);
console.log('NumPy ÷ ftlab > 1: ftlab faster. A capped run makes its time a lower bound. The sampled solvers exclude the 4 weight-decay scratch runs per σ > 0 cell that the figure\'s jobs also compute (for tahir-best-wd).');
const outDir = new URL('./results/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const strip = (r) => ({ ...r });
// One file per figure: figure-tahir.json (tahir-ft-phase, what run.mjs reads), figure-tahir-lt-phase.json.
const jsonName = figure === 'tahir-ft-phase' ? 'figure-tahir.json' : `figure-tahir-${figure.replace('tahir-', '')}.json`;
writeFileSync(join(outDir, jsonName), JSON.stringify({
  figure, d, cells, jobs: figJobs.length, seeds, cap, sample_cap: sampleCap, tolerance: TOL, solvers: solvers.map((s) => s ?? 'default'),
  numpy: { pretrain: npPre, fine_tune_s: npFt, linear_transfer_s: npLt, scratch_s: npSc, scratch_per_cell_s: npScPerTheta, total_s: numpyTotal, total_scratch_per_cell_s: numpyTotalPerTheta, lower_bound: npLower, w0_rel_to_ftlab: rel(w0Numpy, pre.w0) },
  ftlab_figure_runs: figureRuns, ftlab_sampled: sampled, totals: total, rows: rows.map(strip),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg_start: loadStart, loadavg_end: loadavg().map((x) => round(x, 2)) },
  seconds: Math.round((Date.now() - started) / 1000), createdAt: new Date().toISOString(),
}, null, 1));
// The data points and each reproduce run's output folder (its results database) are temporary.
if (!values.keep) for (const dir of [root, ...figureRuns.map((r) => r.out)]) rmSync(dir, { recursive: true, force: true });
console.log(`wrote bench/results/${jsonName} (${Math.round((Date.now() - started) / 1000)} s)`);
