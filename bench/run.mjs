// Runs the gradient-descent benchmark (d=1000, n=500 by default) for ftlab (fused and two-pass kernels)
// and NumPy (single-threaded BLAS and default threading) in one invocation, prints steps/s and the
// ftlab/NumPy ratios, and writes bench/results/gd-linear.json. Flags: --d --n --steps --repeats.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const opt = (def) => ({ type: 'string', default: String(def) });
const { values } = parseArgs({ options: { d: opt(1000), n: opt(500), steps: opt(200), repeats: opt(7) } });
const flags = Object.entries(values).flatMap(([k, v]) => [`--${k}`, v]);

const THREAD_VARS = ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'];
const defaultEnv = { ...process.env };
for (const k of THREAD_VARS) delete defaultEnv[k];
const singleEnv = { ...defaultEnv, ...Object.fromEntries(THREAD_VARS.map((k) => [k, '1'])) };

/** Runs one benchmark process; returns its JSON lines, or [] with a message if it could not run. */
function bench(label, cmd, args, env = process.env) {
  const p = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (p.error || p.status !== 0) {
    const why = p.error?.code === 'ENOENT' ? `${cmd} not found` : (p.stderr || String(p.error)).trim();
    console.error(`[bench] ${label} skipped: ${why}`);
    return [];
  }
  return p.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const ftlab = bench('ftlab', process.execPath, [here('./gd-linear.mjs'), ...flags]);
const py = process.env.PYTHON ?? 'python3';
const np1 = bench('NumPy (1 thread)', py, [here('./gd_linear.py'), ...flags], singleEnv);
const npDef = bench('NumPy (default threads)', py, [here('./gd_linear.py'), ...flags], defaultEnv);
const results = [...ftlab, ...np1, ...npDef];
if (np1.length + npDef.length === 0) console.error('[bench] NumPy unavailable (python3 or numpy missing); reporting ftlab only.');

const { d, n, steps, repeats } = values;
const fmt = (x, w = 10) => (x === undefined ? '—' : x.toFixed(x < 10 ? 3 : 1)).padStart(w);
console.log(`\nGD on (1/2n)||Xw - y||^2, d=${d} n=${n}, ${steps} steps x ${repeats} repeats (median), ${os.cpus().length} CPUs`);
console.log(`${'impl'.padEnd(16)}${'threads'.padStart(9)}${'steps/s'.padStart(10)}${'ms/step'.padStart(10)}`);
for (const r of results) {
  console.log(`${r.impl.padEnd(16)}${r.threads.padStart(9)}${fmt(r.steps_per_s)}${fmt(1000 / r.steps_per_s)}`);
}
const ratios = {};
if (np1.length + npDef.length > 0) {
  console.log(`\nratio ftlab/NumPy in steps/s (>1: ftlab faster)`);
  console.log(`${'impl'.padEnd(16)}${'vs 1 thread'.padStart(13)}${'vs default'.padStart(13)}`);
  for (const f of ftlab) {
    ratios[f.impl] = { numpy_1thread: f.steps_per_s / np1[0]?.steps_per_s, numpy_default: f.steps_per_s / npDef[0]?.steps_per_s };
    console.log(`${f.impl.padEnd(16)}${fmt(ratios[f.impl].numpy_1thread, 13)}${fmt(ratios[f.impl].numpy_default, 13)}`);
  }
}

mkdirSync(here('./results/'), { recursive: true });
const out = here('./results/gd-linear.json');
const machine = { platform: `${os.platform()} ${os.arch()}`, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, node: process.version };
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), params: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v)])), machine, results, ratios }, null, 2) + '\n');
console.log(`\nwrote ${out}`);
