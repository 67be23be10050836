// Helpers shared by the per-step benchmarks (diagonal-gd, deep-linear-gd): a seeded normal generator
// whose NumPy twin (bench/bench_common.py) draws bit-identical uniforms, so both sides train on the
// same numbers and their final losses can be compared to ~1e-10; timing and statistics helpers; the whole-figure
// helpers at the end (the figure catalogue, a timed `ftlab reproduce`, the rows of its results database).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

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

// ---------------------------------------------------------------------------------------------------------------
// Whole-figure helpers (figure-tahir, figure-shachaf): the figure catalogue, one timed `ftlab reproduce` run, and
// the per-job rows of its results database.

const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;

/** `ftlab list --json`: the figure presets, each with `solvers` where the figure offers a choice. */
export function listFigures() {
  const p = spawnSync(process.execPath, [CLI, 'list', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (p.status !== 0) throw new Error(`ftlab list --json failed: ${p.stderr}`);
  return JSON.parse(p.stdout);
}

/** The solvers `figure` offers ([undefined] = its default, where it offers no choice). */
export function solversOf(figure) {
  const f = listFigures().find((x) => x.id === figure);
  if (!f) throw new Error(`unknown figure ${figure}`);
  return f.solvers?.length ? [...f.solvers] : [undefined];
}

/**
 * `ftlab reproduce <figure> --no-png --workers N [--solver S] [--quick] --out <fresh dir>` under /usr/bin/time
 * (when present), killed after `timeoutS` seconds. Returns wall and CPU seconds, the figure's provenance (jobs,
 * computed, sweep seconds) and the output folder (kept: its results database holds every job's metrics and time).
 */
export function reproduceFigure({ figure, workers = 1, solver, quick = false, timeoutS = 3600 }) {
  const out = mkdtempSync(join(tmpdir(), `ftlab-${figure}-`));
  const args = [CLI, 'reproduce', figure, '--no-png', '--workers', String(workers), '--out', out, ...(solver ? ['--solver', solver] : []), ...(quick ? ['--quick'] : [])];
  const hasTime = existsSync('/usr/bin/time');
  const timeFile = join(out, 'time.txt');
  const load = loadavg()[0];
  const t0 = process.hrtime.bigint();
  const p = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %e', '-o', timeFile, process.execPath, ...args], { encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const base = { figure, workers, solver: solver ?? 'default', quick, out, wall_s: wall, loadavg_1min_before: round(load, 2) };
  if (p.error?.code === 'ETIMEDOUT' || p.signal === 'SIGKILL') return { ...base, timed_out: true };
  if (p.status !== 0) throw new Error(`ftlab ${args.slice(1).join(' ')} failed: ${(p.stderr || String(p.error)).trim().split('\n').slice(-3).join(' | ')}`);
  let cpu = null;
  if (hasTime) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpu = user + sys;
  }
  const prov = JSON.parse(readFileSync(join(out, `${figure}.json`), 'utf8')).provenance;
  if (prov.computed !== prov.jobs) throw new Error(`expected all ${prov.jobs} jobs of ${figure} computed, got ${prov.computed} (cached ${prov.cached})`);
  return { ...base, timed_out: false, cpu_s: cpu, jobs: prov.jobs, failed: prov.failed, not_converged: prov.notConverged, sweep_s: prov.wallSeconds };
}

/** Every stored run of an ftlab output folder: { params, seed, wallMs, converged, metrics }. */
export async function storedRuns(out) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(out, 'ftlab.sqlite'), { readonly: true, fileMustExist: true });
  const metrics = new Map();
  for (const m of db.prepare('SELECT hash, name, value FROM metrics').all()) {
    if (!metrics.has(m.hash)) metrics.set(m.hash, {});
    metrics.get(m.hash)[m.name] = m.value;
  }
  const runs = db.prepare("SELECT hash, params, seed, wall_ms, converged FROM runs WHERE status = 'done'").all().map((r) => ({ params: JSON.parse(r.params), seed: r.seed, wallMs: r.wall_ms, converged: r.converged === 1, metrics: metrics.get(r.hash) ?? {} }));
  db.close();
  return runs;
}

/**
 * Run a figure's NumPy recipe (`bench/<script>` with the sample-point folder and the per-point cap in seconds) with
 * single-threaded BLAS; exits the process with its stderr on failure. Returns its JSON lines, parsed.
 */
export function runNumpyRecipe(script, root, cap) {
  const py = spawnSync(process.env.PYTHON ?? 'python3', [new URL(`./${script}`, import.meta.url).pathname, root, String(cap)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 1 << 26,
  });
  if (py.status !== 0) {
    console.error(py.stderr);
    process.exit(1);
  }
  return py.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

/** A float64 file as its own array (a copy: readFileSync may hand back a view into a shared pool for small files). */
export const readF64 = (path) => new Float64Array(Uint8Array.from(readFileSync(path)).buffer);
