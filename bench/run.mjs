// Runs the benchmark suite in one invocation and prints one table: per-step throughput of ftlab against
// NumPy (single-threaded BLAS and default threading) for
//   gd-linear       GD on the least-squares loss (d=1000, n=500 by default; --d --n --steps apply to it),
//   diagonal-gd     trainDiagonalGD on a diagonal linear network (d=5000, n=250 and 1500),
//   deep-linear-gd  trainDeepLinear GD on a deep linear network (L=2, 3; d=500, n=250, width 500),
// with the ratios ftlab/NumPy, then the worker-pool speed-up of one figure sweep (pool-speedup).
// Optional, only with --only (long: whole figures at the papers' sizes): figure-tahir (≈ 17 min) and figure-shachaf
// (≈ 3 min), each printing its own tables (bench/figure-*.mjs with their defaults).
// Writes bench/results/<name>.json per benchmark and bench/results/summary.json.
// Flags: --only <name[,name]>  --repeats (every per-step benchmark; default: each one's own)  --rounds (ftlab/NumPy
// alternations per per-step benchmark; default 3)  --d --n --steps
// (gd-linear only)  --pool-repeats (pool-speedup runs per worker count, default 3)  --pool-figure (default
// anguita-fig3-sim).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const str = { type: 'string' };
const { values } = parseArgs({ options: { only: str, d: str, n: str, steps: str, repeats: str, rounds: str, 'pool-repeats': str, 'pool-figure': str } });
// The ftlab and NumPy sides of a per-step benchmark run alternately, `rounds` times, and each ratio is the median of
// the per-round ratios: the machine's speed drifts by tens of percent over minutes, and alternating cancels the drift.
const rounds = Number(values.rounds ?? 3);
if (!(Number.isInteger(rounds) && rounds >= 1)) {
  console.error(`bench/run.mjs: --rounds: expected an integer ≥ 1 (got ${values.rounds})`);
  process.exit(2);
}

const BENCHES = {
  'gd-linear': {
    js: 'gd-linear.mjs', py: 'gd_linear.py',
    // The original defaults (d=1000, n=500, 200 steps, 7 repeats), passed explicitly as before.
    flags: () => [['d', 1000], ['n', 500], ['steps', 200], ['repeats', 7]].flatMap(([k, def]) => [`--${k}`, String(values[k] ?? def)]),
    sanity: (r) => r.rel_loss, sanityName: 'final/initial loss',
  },
  'diagonal-gd': { js: 'diagonal-gd.mjs', py: 'diagonal_gd.py', sanity: (r) => r.final_mse, sanityName: 'train MSE after K steps' },
  'deep-linear-gd': { js: 'deep-linear-gd.mjs', py: 'deep_linear_gd.py', sanity: (r) => r.final_rmse, sanityName: 'train RMSE after K steps' },
  'pool-speedup': { js: 'pool-speedup.mjs', pool: true },
  // Whole-figure benchmarks against the papers' NumPy recipes: not in the default run.
  'figure-tahir': { js: 'figure-tahir.mjs', figure: true, optional: true },
  'figure-shachaf': { js: 'figure-shachaf.mjs', figure: true, optional: true },
};
const only = values.only ? values.only.split(',').filter(Boolean) : Object.keys(BENCHES).filter((k) => !BENCHES[k].optional);
for (const name of only) {
  if (BENCHES[name]) continue;
  console.error(`bench/run.mjs: --only: unknown benchmark "${name}" (expected ${Object.keys(BENCHES).join(', ')})`);
  process.exit(2);
}
for (const k of ['d', 'n', 'steps']) if (values[k] !== undefined && !only.includes('gd-linear')) console.error(`[bench] --${k} applies to gd-linear only; ignored`);

const THREAD_VARS = ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'];
const defaultEnv = { ...process.env };
for (const k of THREAD_VARS) delete defaultEnv[k];
const singleEnv = { ...defaultEnv, ...Object.fromEntries(THREAD_VARS.map((k) => [k, '1'])) };
const py = process.env.PYTHON ?? 'python3';

const medianOf = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs one benchmark process; returns its JSON lines, or [] with a message if it could not run. */
function bench(label, cmd, args, env = process.env) {
  const t0 = Date.now();
  const p = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (p.error || p.status !== 0) {
    const why = p.error?.code === 'ENOENT' ? `${cmd} not found` : (p.stderr || String(p.error)).trim();
    console.error(`[bench] ${label} skipped: ${why}`);
    return [];
  }
  console.error(`[bench] ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return p.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const machine = { platform: `${os.platform()} ${os.arch()}`, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, node: process.version, loadavg_start: os.loadavg().map((x) => Math.round(x * 100) / 100) };
mkdirSync(here('./results/'), { recursive: true });
const started = Date.now();
const rows = []; // the per-step table
let pool = null;
const written = [];
const figures = []; // whole-figure benchmarks: their totals

for (const name of only) {
  const b = BENCHES[name];
  const flags = b.flags ? b.flags() : values.repeats ? ['--repeats', values.repeats] : [];
  if (b.figure) {
    // The script runs NumPy itself and prints its own tables; its totals come back through its JSON file.
    const t0 = Date.now();
    const p = spawnSync(process.execPath, [here(`./${b.js}`)], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (p.status !== 0) {
      console.error(`[bench] ${name} failed (exit ${p.status})`);
      continue;
    }
    console.error(`[bench] ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const out = here(`./results/${name}.json`);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    figures.push({ bench: name, figure: res.figure, totals: res.totals });
    written.push(out);
    continue;
  }
  if (b.pool) {
    const lines = bench(name, process.execPath, [here(`./${b.js}`), ...(values['pool-repeats'] ? ['--repeats', values['pool-repeats']] : []), ...(values['pool-figure'] ? ['--figure', values['pool-figure']] : [])]);
    const summary = lines.find((l) => l.summary);
    pool = { runs: lines.filter((l) => !l.summary), summary };
    const out = here(`./results/${name}.json`);
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, ...pool }, null, 2) + '\n');
    written.push(out);
    continue;
  }
  const caseOf = (r) => r.case ?? `d=${r.d} n=${r.n}`;
  const roundsRun = [];
  for (let k = 0; k < rounds; k++) {
    const tag = rounds > 1 ? ` [round ${k + 1}/${rounds}]` : '';
    roundsRun.push({
      ftlab: bench(`${name} ftlab${tag}`, process.execPath, [here(`./${b.js}`), ...flags]),
      np1: bench(`${name} NumPy (1 thread)${tag}`, py, [here(`./${b.py}`), ...flags], singleEnv),
      npDef: bench(`${name} NumPy (default threads)${tag}`, py, [here(`./${b.py}`), ...flags], defaultEnv),
    });
  }
  const [ftlab, np1, npDef] = ['ftlab', 'np1', 'npDef'].map((side) => {
    // One row per (case, impl) with steps/s the median over rounds and every round's rate kept.
    const byKey = new Map();
    for (const rr of roundsRun) for (const r of rr[side]) byKey.set(`${caseOf(r)} ${r.impl}`, [...(byKey.get(`${caseOf(r)} ${r.impl}`) ?? []), r]);
    return [...byKey.values()].map((rs) => ({ ...rs[rs.length - 1], steps_per_s: medianOf(rs.map((r) => r.steps_per_s)), round_rates: rs.map((r) => r.steps_per_s) }));
  });
  if (np1.length + npDef.length === 0) console.error(`[bench] ${name}: NumPy unavailable (python3 or numpy missing); reporting ftlab only.`);
  /** Median over rounds of ftlab's rate ÷ NumPy's rate measured in the same round. */
  const roundRatio = (r, side) => {
    const per = roundsRun.flatMap((rr) => {
      const f = rr.ftlab.find((q) => caseOf(q) === r.case && q.impl === r.impl);
      const q = rr[side].find((x) => caseOf(x) === r.case);
      return f && q ? [f.steps_per_s / q.steps_per_s] : [];
    });
    return per.length ? medianOf(per) : undefined;
  };
  const results = [...ftlab, ...np1, ...npDef].map((r) => ({ bench: name, ...r, case: caseOf(r) }));
  const ratios = {};
  for (const r of results) {
    const row = { bench: name, case: r.case, impl: r.impl, threads: r.threads, steps_per_s: r.steps_per_s, sanity: b.sanity(r) };
    if (r.impl.startsWith('ftlab')) {
      row.vs_numpy_1thread = roundRatio(r, 'np1');
      row.vs_numpy_default = roundRatio(r, 'npDef');
      // gd-linear keeps its original key (the impl); the others have several sizes
      ratios[name === 'gd-linear' ? r.impl : `${r.case} ${r.impl}`] = { numpy_1thread: row.vs_numpy_1thread, numpy_default: row.vs_numpy_default };
    }
    rows.push(row);
  }
  const params = { ...(name === 'gd-linear' ? Object.fromEntries([['d', 1000], ['n', 500], ['steps', 200], ['repeats', 7]].map(([k, def]) => [k, Number(values[k] ?? def)])) : { repeats: values.repeats ? Number(values.repeats) : 'default' }), rounds };
  const out = here(`./results/${name}.json`);
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), params, machine, results, ratios }, null, 2) + '\n');
  written.push(out);
}

// ------------------------------------------------------------------------------------------------------
// Report
const fmt = (x, w = 10) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(x < 10 ? 3 : 1)).padStart(w);
const sci = (x, w = 20) => (x === undefined ? '—' : x.toPrecision(12)).padStart(w);
// Group the rows by benchmark and case (in order of first appearance): ftlab rows, then NumPy's.
const order = new Map();
for (const r of rows) if (!order.has(`${r.bench} ${r.case}`)) order.set(`${r.bench} ${r.case}`, order.size);
rows.sort((a, b) => order.get(`${a.bench} ${a.case}`) - order.get(`${b.bench} ${b.case}`));
if (rows.length > 0) {
  console.log(`\nPer-step throughput, median over repeats and ${rounds} alternating round(s); ratio = median over rounds of ftlab steps/s ÷ NumPy steps/s in the same round (>1: ftlab faster); ${os.cpus().length} CPUs, ${os.cpus()[0]?.model}`);
  const head = `${'bench'.padEnd(15)}${'case'.padEnd(24)}${'impl'.padEnd(17)}${'threads'.padStart(8)}${'steps/s'.padStart(10)}${'ms/step'.padStart(10)}${'vs np 1T'.padStart(10)}${'vs np def'.padStart(10)}${'sanity'.padStart(20)}`;
  console.log(head);
  console.log('-'.repeat(head.length));
  let prev = '';
  for (const r of rows) {
    const key = `${r.bench} ${r.case}`;
    if (prev && key !== prev) console.log('');
    prev = key;
    console.log(`${r.bench.padEnd(15)}${r.case.padEnd(24)}${r.impl.padEnd(17)}${r.threads.padStart(8)}${fmt(r.steps_per_s)}${fmt(1000 / r.steps_per_s)}${fmt(r.vs_numpy_1thread)}${fmt(r.vs_numpy_default)}${sci(r.sanity)}`);
  }
  console.log(`sanity: ${only.filter((n) => BENCHES[n].sanityName).map((n) => `${n}: ${BENCHES[n].sanityName}`).join('; ')}`);
}
if (pool?.summary) {
  const s = pool.summary;
  console.log(`\nWorker pool: ftlab reproduce ${s.figure} --quick --no-png, fresh output folder per run, ${s.cores} cores, ${s.repeats} run(s) per worker count`);
  console.log(`${'run'.padEnd(8)}${'workers'.padStart(8)}${'jobs'.padStart(6)}${'sweep s'.padStart(10)}${'wall s'.padStart(10)}${'CPU s'.padStart(10)}${'util'.padStart(8)}${'load before'.padStart(13)}`);
  pool.runs.forEach((r, i) => {
    console.log(`${String(i + 1).padEnd(8)}${String(r.workers).padStart(8)}${String(r.jobs).padStart(6)}${fmt(r.sweep_s)}${fmt(r.wall_s)}${fmt(r.cpu_user_s + r.cpu_sys_s)}${fmt(r.utilisation, 8)}${fmt(r.loadavg_1min_before, 13)}`);
  });
  console.log(`${'median'.padEnd(8)}${'workers'.padStart(8)}${'sweep s'.padStart(16)}${'wall s'.padStart(10)}${'util'.padStart(18)}${'speed-up (sweep)'.padStart(18)}${'speed-up (wall)'.padStart(17)}`);
  for (const [w, p] of Object.entries(s.per_workers)) {
    console.log(`${''.padEnd(8)}${w.padStart(8)}${fmt(p.sweep_s, 16)}${fmt(p.wall_s)}${fmt(p.utilisation, 18)}${fmt(p.speedup_sweep, 18)}${fmt(p.speedup_wall, 17)}`);
  }
  console.log('util = (user + sys CPU s) / (wall s × cores), whole CLI process; sweep s = the job phase only (figure provenance.wallSeconds);');
  console.log(`speed-up = median time with ${Object.keys(s.per_workers)[0]} worker(s) ÷ median time with N; "load before" = 1-min load average (other processes distort these numbers)`);
}
if (figures.length > 0) {
  console.log('\nWhole figures: ftlab against the NumPy recipe (ratio = NumPy s ÷ ftlab s; > 1: ftlab faster; see each table above)');
  for (const f of figures) for (const t of f.totals) console.log(`${f.figure.padEnd(16)}${t.ftlab.padEnd(46)}${`${t.lower_bound ? '≥ ' : ''}${fmt(t.s)}`.padStart(12)} s${`${fmt(t.ratio)}×`.padStart(12)}`);
}
machine.loadavg_end = os.loadavg().map((x) => Math.round(x * 100) / 100);
const summaryOut = here('./results/summary.json');
writeFileSync(summaryOut, JSON.stringify({ date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), machine, table: rows, pool: pool?.summary ?? null, figures }, null, 2) + '\n');
console.log(`\nwrote ${[...written, summaryOut].join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`);
