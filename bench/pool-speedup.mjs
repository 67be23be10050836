// Pool speed-up: wall time of one figure sweep (`ftlab reproduce <figure> --quick --no-png`, a fresh
// output folder each time so nothing comes from the store) with each worker count of --workers, and the CPU
// it used. CPU seconds (user + sys of the CLI process and its worker threads) come from /usr/bin/time, or,
// where that is missing, from this process's reaped-children times in /proc/self/stat; utilisation =
// CPU seconds / (wall seconds × cores). Prints one JSON line per run, then one summary line with the
// speed-ups relative to the first worker count. Needs `npm run build` first.
// Flags: --figure (default anguita-fig3-sim) --workers (default 1,2) --repeats (default 3; the worker counts
// are interleaved within each repeat, so slow drift or other load hits them alike).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { intList, median, round } from './common.mjs';

const opt = (def) => ({ type: 'string', default: String(def) });
const { values } = parseArgs({ options: { figure: opt('anguita-fig3-sim'), workers: opt('1,2'), repeats: opt(3) } });
const figure = values.figure;
const workerCounts = intList(values.workers);
const R = Number(values.repeats);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const cores = os.availableParallelism?.() ?? os.cpus().length;
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

/** user + sys CPU seconds of this process's reaped children (fields 16, 17 of /proc/self/stat). */
function childCpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  const tick = 100; // USER_HZ on Linux
  return { user: Number(f[13]) / tick, sys: Number(f[14]) / tick };
}

function runOnce(workers) {
  const out = mkdtempSync(join(os.tmpdir(), 'ftlab-pool-'));
  try {
    const args = [cli, 'reproduce', figure, '--quick', '--no-png', '--workers', String(workers), '--out', out];
    const timeFile = join(out, 'time.txt');
    const load = os.loadavg()[0];
    const before = hasTime ? null : childCpu();
    const t0 = process.hrtime.bigint();
    const p = hasTime
      ? spawnSync(TIME, ['-f', '%U %S %e', '-o', timeFile, process.execPath, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, args, { encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (p.error || p.status !== 0) throw new Error(`ftlab reproduce ${figure} --workers ${workers} failed: ${(p.stderr || String(p.error)).trim().split('\n').slice(-3).join(' | ')}`);
    let user, sys;
    if (hasTime) [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    else {
      const after = childCpu();
      [user, sys] = [after.user - before.user, after.sys - before.sys];
    }
    const prov = JSON.parse(readFileSync(join(out, `${figure}.json`), 'utf8')).provenance;
    if (prov.computed !== prov.jobs) throw new Error(`expected all ${prov.jobs} jobs computed, got ${prov.computed} (cached ${prov.cached})`);
    return {
      bench: 'pool-speedup', case: `${figure} --quick`, impl: `workers=${workers}`, workers, cores,
      jobs: prov.jobs, failed: prov.failed, not_converged: prov.notConverged,
      sweep_s: prov.wallSeconds, // runJobs: from the first job handed out to the last result stored
      wall_s: round(wall, 3), // the whole CLI process: start-up, sweep, figure build and files
      cpu_user_s: user, cpu_sys_s: sys,
      utilisation: round((user + sys) / (wall * cores), 3),
      loadavg_1min_before: round(load, 2),
      cpu_source: hasTime ? '/usr/bin/time' : '/proc/self/stat',
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const runs = Object.fromEntries(workerCounts.map((w) => [w, []]));
for (let r = 0; r < R; r++) {
  for (const w of workerCounts) {
    const res = runOnce(w);
    runs[w].push(res);
    console.log(JSON.stringify(res));
  }
}
const med = (w, key) => median(runs[w].map((x) => x[key]));
const base = workerCounts[0];
console.log(JSON.stringify({
  bench: 'pool-speedup', summary: true, figure, cores, repeats: R,
  per_workers: Object.fromEntries(workerCounts.map((w) => [w, {
    sweep_s: med(w, 'sweep_s'), wall_s: med(w, 'wall_s'), utilisation: med(w, 'utilisation'),
    speedup_sweep: round(med(base, 'sweep_s') / med(w, 'sweep_s'), 3),
    speedup_wall: round(med(base, 'wall_s') / med(w, 'wall_s'), 3),
  }])),
}));
