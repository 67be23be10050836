// Whole-figure cost of Anguita et al.'s figure 3 simulations: the authors' recipe (NumPy, fixed-lr GD with its
// stopping rule; bench/figure_anguita.py) against ftlab's implicit-bias solver (the figure's default) and ftlab's own
// GD with the same recipe, on the same data, at sample points of the figure.
//
// Each point (setting × α, seed 0) is built exactly as the `anguita-diagonal` job builds it (teachers, closed-form
// end of pretraining, re-initialisation (★), inputs, labels) and written as raw float64 files, so the NumPy side
// trains the identical network on the identical data. Reported per point: wall time and steps of each method, the
// test error (1/d)‖β − β*‖² of each, and the distance between the NumPy end point and the implicit-bias solution.
//
//   node bench/figure-anguita.mjs [--d 5000] [--cap 300] [--points all|quick]   (after npm run build)
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drawFourGroupTeachers, drawScaledGaussianInputs, noisyLabels, parameterMse } from '../dist/tasks/sparseTeachers.js';
import { endOfPretraining, reinitialise, invariants } from '../dist/models/diagonal.js';
import { solveImplicitBias } from '../dist/theory/anguita/implicitBias.js';
import { trainDiagonalGD } from '../dist/training/diagonal.js';
import { readF64, runNumpyRecipe } from './common.mjs';

const { values } = parseArgs({ options: { d: { type: 'string' }, cap: { type: 'string' }, points: { type: 'string' }, out: { type: 'string' } } });
const d = Number(values.d ?? 5000);
const cap = Number(values.cap ?? 300);
const C = 1e-3;
const SETTINGS = [
  { label: 'II (λ=0, γ=0)', cPT: C, lambdaPT: 0, gammaFT: 0 },
  { label: 'IV (λ=−0.99c, γ=0)', cPT: C, lambdaPT: -0.99 * C, gammaFT: 0 },
  { label: 'c_PT=0.1 (λ=0, γ=0)', cPT: 0.1, lambdaPT: 0, gammaFT: 0 },
];
const ALPHAS = values.points === 'quick' ? [0.2] : [0.1, 0.3];
const task = { rhoPT: 0.1, rhoFT: 0.1, omega: 0.5 };
const root = mkdtempSync(join(tmpdir(), 'ftlab-fig-anguita-'));
const f64 = (path, arr) => writeFileSync(path, Buffer.from(new Float64Array(arr).buffer));

const points = [];
let k = 0;
for (const s of SETTINGS) {
  for (const alpha of ALPHAS) {
    const n = Math.round(alpha * d);
    const seed = 0;
    const teachers = drawFourGroupTeachers(d, task, seed);
    const start = reinitialise(endOfPretraining(teachers.betaPT, s.cPT, s.lambdaPT), s.gammaFT);
    const x = drawScaledGaussianInputs(n, d, seed, 0);
    const y = noisyLabels(x, teachers.betaFT, 0, seed, 0);
    const folder = join(root, String(k++).padStart(2, '0'));
    mkdirSync(folder);
    f64(join(folder, 'x.f64'), x.data);
    f64(join(folder, 'y.f64'), y);
    for (const key of ['wp', 'vp', 'wm', 'vm']) f64(join(folder, `${key}.f64`), start[key]);
    const label = `${s.label}, α=${alpha}`;
    writeFileSync(join(folder, 'meta.json'), JSON.stringify({ label, n, d }));
    let t = performance.now();
    const ib = solveImplicitBias(x, y, invariants(start).c, { tol: 1e-10 });
    const ibS = (performance.now() - t) / 1000;
    points.push({ label, folder, n, start, x, y, ib: { s: ibS, converged: ib.converged, err: parameterMse(ib.value, teachers.betaFT), beta: ib.value }, target: teachers.betaFT });
    console.error(`[figure-anguita] ${label}: ftlab implicit-bias ${ibS.toFixed(2)} s`);
  }
}

const numpy = runNumpyRecipe('figure_anguita.py', root, cap);
// ftlab GD with the same recipe, after NumPy: where the NumPy run hit the cap, ftlab stops at the same step count,
// so the two times compare the same work.
points.forEach((p, i) => {
  const t = performance.now();
  const gd = trainDiagonalGD(p.start, p.x, p.y, { lr: 0.5, mseTol: 1e-4, maxIterations: numpy[i].stop === 'max-time' ? numpy[i].iterations : 50_000_000, kernel: 'auto' });
  p.gd = { s: (performance.now() - t) / 1000, it: gd.iterations, stop: gd.stop, err: parameterMse(gd.beta, p.target), beta: gd.beta };
  console.error(`[figure-anguita] ${p.label}: ftlab GD ${p.gd.s.toFixed(1)} s (${gd.iterations} steps, ${gd.stop}); NumPy ${numpy[i].wall_s.toFixed(1)} s (${numpy[i].iterations} steps, ${numpy[i].stop})`);
});
const rows = points.map((p, i) => {
  const np = numpy[i];
  // A copy: for files under 4 KiB (d < 512) readFileSync hands back a view into a shared pool, not a buffer of its own.
  const beta = readF64(join(p.folder, 'beta_numpy.f64'));
  return {
    point: p.label,
    n: p.n,
    numpy_s: np.wall_s,
    numpy_steps: np.iterations,
    numpy_stop: np.stop,
    numpy_err: parameterMse(beta, p.target),
    ftlab_gd_s: p.gd.s,
    ftlab_gd_steps: p.gd.it,
    ftlab_gd_err: p.gd.err,
    ftlab_ib_s: p.ib.s,
    ftlab_ib_err: p.ib.err,
    numpy_vs_ib: parameterMse(beta, p.ib.beta) / Math.max(parameterMse(p.ib.beta, new Float64Array(d)), 1e-300),
  };
});
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
const total = { numpy_s: sum('numpy_s'), ftlab_gd_s: sum('ftlab_gd_s'), ftlab_ib_s: sum('ftlab_ib_s') };
console.log(`\nAnguita figure 3 sample points at d = ${d} (seed 0), NumPy single-threaded with cap ${cap} s per point`);
console.log('point'.padEnd(30), 'numpy s (steps, stop)'.padEnd(30), 'ftlab GD s (steps)'.padEnd(22), 'ftlab IB s', 'err numpy / GD / IB', '‖β_np − β_IB‖²/‖β_IB‖²');
for (const r of rows) {
  console.log(
    r.point.padEnd(30),
    `${r.numpy_s.toFixed(1)} (${r.numpy_steps}, ${r.numpy_stop})`.padEnd(30),
    `${r.ftlab_gd_s.toFixed(1)} (${r.ftlab_gd_steps})`.padEnd(22),
    r.ftlab_ib_s.toFixed(2).padEnd(10),
    `${r.numpy_err.toPrecision(4)} / ${r.ftlab_gd_err.toPrecision(4)} / ${r.ftlab_ib_err.toPrecision(4)}`.padEnd(20),
    r.numpy_vs_ib.toExponential(2),
  );
}
console.log(`total: NumPy recipe ${total.numpy_s.toFixed(1)} s, ftlab GD ${total.ftlab_gd_s.toFixed(1)} s, ftlab implicit-bias ${total.ftlab_ib_s.toFixed(2)} s → NumPy/ftlab-IB = ${(total.numpy_s / total.ftlab_ib_s).toFixed(1)}×, NumPy/ftlab-GD = ${(total.numpy_s / total.ftlab_gd_s).toFixed(2)}×`);
console.log('A NumPy run stopped by the cap ("max-time") makes its time a lower bound.');
const outDir = new URL('./results/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'figure-anguita.json'), JSON.stringify({ d, cap, rows, total, createdAt: new Date().toISOString() }, null, 1));
