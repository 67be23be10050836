/**
 * Size guards and input messages: sweeps above a job count or a per-job memory estimate are refused before
 * anything is expanded, theory grids above a point count likewise; non-finite inputs, prototype names as job
 * types, empty option values, conflicting options, an unreadable results database and points without a
 * successful run are reported in words.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { expandSweep } from '../src/experiments/spec.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';
import { JOB_TYPES, getJobType } from '../src/experiments/jobTypes.js';
import { formatBytes, jobMemoryProblem, parseByteSize } from '../src/experiments/memory.js';
import { evaluateTheoryGrid, getTheory } from '../src/theory/registry.js';
import { runSimulationJobs } from '../src/explorer/simulate.js';
import processQueueJob from '../src/queue/processor.js';
import { openStore, STORE_FILE } from '../src/store/store.js';
import type { SandboxedJob } from 'bullmq';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

function ftlab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 2 ** 20 });
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ftlab-guards-'));
}

const problem = { d: 30, n: 5, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.3 } };
const smallSpec = { name: 'small', job: 'linear-finetune', params: { problem, training: { solver: 'closed-form' } }, grid: { 'problem.n': [5, 10, 20], 'problem.teachers.alpha': [0, 1] }, seeds: 3 };

/** A grid of `count` distinct values for a numeric path. */
const values = (count: number, from = 1) => Array.from({ length: count }, (_, i) => from + i);

describe('sweep size guard', () => {
  it('refuses points × seeds above the limit before expanding anything, and says how to raise it', () => {
    const wide = { ...smallSpec, grid: { 'problem.n': values(100), 'problem.d': values(100, 30), 'problem.teachers.alpha': values(1000) }, seeds: 1 };
    const start = performance.now();
    expect(() => expandSweep(wide)).toThrow(/10,000,000 grid points × 1 seed = 10,000,000 jobs; the limit is 100,000 jobs \(--max-jobs N on ftlab run, or the maxJobs option of expandSweep, to raise it\)/);
    const deep = { ...smallSpec, grid: { 'problem.n': values(10) }, seeds: 1_000_000 };
    expect(() => expandSweep(deep)).toThrow(/10 grid points × 1,000,000 seeds = 10,000,000 jobs; the limit is 100,000 jobs/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('takes the limit as an option', () => {
    expect(() => expandSweep(smallSpec, { maxJobs: 17 })).toThrow(/6 grid points × 3 seeds = 18 jobs; the limit is 17 jobs/);
    expect(expandSweep(smallSpec, { maxJobs: 18 }).jobs.flat()).toHaveLength(18);
  });

  it('refuses a job whose memory estimate exceeds the limit, naming the fields and the cost', () => {
    const huge = { name: 'huge', job: 'linear-finetune', params: { problem: { ...problem, d: 20000, n: 1_000_000 } } };
    const start = performance.now();
    expect(() => expandSweep(huge)).toThrow(
      /linear-finetune parameters: problem\.d = 20000, problem\.n = 1000000 need about [0-9.]+ GiB \(X alone: d·n float64, 149 GiB\); the limit is 4 GiB \(--max-memory on ftlab run, or the maxMemoryBytes option of expandSweep, to raise it\)/,
    );
    expect(performance.now() - start).toBeLessThan(2000);
    // at a grid point, the point is named
    const gridded = { ...smallSpec, grid: { 'problem.d': [30, 20000], 'problem.n': [1_000_000] }, seeds: 1 };
    expect(() => expandSweep(gridded)).toThrow(/problem\.d = 20000, problem\.n = 1000000 need about .* at grid point 1 \{"problem\.d":20000,"problem\.n":1000000\}/);
    expect(() => expandSweep(smallSpec, { maxMemoryBytes: 1024 })).toThrow(/the limit is 1 KiB/);
    expect(expandSweep(huge, { maxMemoryBytes: 1e15 }).jobs).toHaveLength(1);
  });

  it('every job type estimates its memory; small jobs pass, the large arrays of each are caught', () => {
    for (const jt of Object.values(JOB_TYPES)) expect(typeof jt.estimateBytes, jt.name).toBe('function');
    const limit = 4 * 2 ** 30;
    const check = (type: string, params: unknown) => jobMemoryProblem(getJobType(type), makeJob({ type, params, seed: 0 }).params, limit);
    expect(check('linear-finetune', { problem })).toBeNull();
    expect(check('deep-linear-finetune', { problem, depth: 3 })).toBeNull();
    expect(check('deep-linear-finetune', { problem: { ...problem, d: 20000, n: 100_000 }, depth: 3 })).toMatch(/problem\.d = 20000, problem\.n = 100000/);
    expect(check('tahir-transfer', { d: 20, n: 10, sigma: 0, thetas: [0] })).toBeNull();
    expect(check('tahir-transfer', { d: 2000, n: 20000, width: 4000, depth: 6, sigma: 0, thetas: [0], solver: 'flow' })).toMatch(/^tahir-transfer parameters: .*width = 4000/);
    expect(check('tahir-relu-transfer', { ns: [10], mus: [0] })).toBeNull();
    expect(check('relu-ntk-finetune', { deltas: [0] })).toBeNull();
    expect(check('relu-ntk-finetune', { deltas: [0], width: 100_000, nSource: 100_000 })).toMatch(/nSource = 100000, width = 100000/);
    expect(check('anguita-diagonal', { d: 100, n: 50, cPT: 1 })).toBeNull();
    expect(check('anguita-diagonal', { d: 50_000, n: 50_000, cPT: 1 })).toMatch(/d = 50000, n = 50000 need about 37\.3 GiB \(X alone: d·n float64, 18\.6 GiB\)/);
    expect(check('anguita-nonlinear', { n: 100 })).toBeNull();
  });

  it('reads and writes memory sizes', () => {
    expect(parseByteSize('4GiB')).toBe(4 * 2 ** 30);
    expect(parseByteSize('512 MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('8GB')).toBe(8e9);
    expect(parseByteSize('1e6')).toBe(1e6);
    expect(parseByteSize('')).toBeNull();
    expect(parseByteSize('lots')).toBeNull();
    expect(formatBytes(4 * 2 ** 30)).toBe('4 GiB');
    expect(formatBytes(1.6e11)).toBe('149 GiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('ftlab run: --max-jobs and --max-memory, refused at once with exit 2', () => {
    const dir = tmp();
    const spec = join(dir, 'big.yaml');
    writeFileSync(spec, YAML.stringify({ ...smallSpec, name: 'big', grid: { 'problem.n': values(10) }, seeds: 1_000_000 }));
    const start = performance.now();
    const r1 = ftlab('run', spec, '--out', join(dir, 'out'));
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/10 grid points × 1,000,000 seeds = 10,000,000 jobs; the limit is 100,000 jobs \(--max-jobs N/);
    expect(performance.now() - start).toBeLessThan(10_000);
    const small = join(dir, 'small.yaml');
    writeFileSync(small, YAML.stringify(smallSpec));
    const r2 = ftlab('run', small, '--out', join(dir, 'out'), '--max-jobs', '17');
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/18 jobs; the limit is 17 jobs/);
    const r3 = ftlab('run', small, '--out', join(dir, 'out'), '--max-memory', '1KiB');
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/linear-finetune parameters: problem\.d = 30, problem\.n = 5 need about .*; the limit is 1 KiB/);
    const r4 = ftlab('run', small, '--out', join(dir, 'out'), '--max-memory', 'lots');
    expect(r4.status).toBe(2);
    expect(r4.stderr).toMatch(/--max-memory: expected a size like 8GiB, 512MiB or a number of bytes \(got "lots"\)/);
    const r5 = ftlab('run', small, '--out', join(dir, 'out'), '--workers', '0', '--max-jobs', '18', '--max-memory', '1GiB', '--json');
    expect(r5.status).toBe(0);
  });
});

describe('theory grid guard', () => {
  it('refuses a grid above the point limit at once', () => {
    const fn = getTheory('shachaf-risk-isotropic');
    const start = performance.now();
    expect(() => evaluateTheoryGrid(fn, { d: values(1330), n: values(1330, 0) })).toThrow(
      /shachaf-risk-isotropic: 1330 × 1330 = 1,768,900 grid points; the limit is 1,000,000 \(--max-points N on ftlab theory, or the maxPoints option of evaluateTheoryGrid, to raise it\)/,
    );
    expect(performance.now() - start).toBeLessThan(1000);
    expect(() => evaluateTheoryGrid(fn, { d: values(3), n: values(3) }, { maxPoints: 8 })).toThrow(/3 × 3 = 9 grid points; the limit is 8/);
    expect(evaluateTheoryGrid(fn, { d: values(3), n: values(3) }, { maxPoints: 9 })).toHaveLength(9);
  });

  it('ftlab theory prints a large grid as a table (no stack overflow) and refuses one above --max-points', () => {
    const d = values(400).join(',');
    const n = values(400, 0).join(',');
    const r = ftlab('theory', 'shachaf-risk-isotropic', '--d', d, '--n', n);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(160_001);
    const r2 = ftlab('theory', 'shachaf-risk-isotropic', '--d', d, '--n', n, '--max-points', '1000');
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/400 × 400 = 160,000 grid points; the limit is 1,000 \(--max-points N on ftlab theory/);
    const r3 = ftlab('theory', 'shachaf-risk-isotropic', '--d', '10,20', '--max-points', '2', '--json');
    expect(r3.status).toBe(0);
    expect((JSON.parse(r3.stdout) as { rows: unknown[] }).rows).toHaveLength(2);
    expect(ftlab('theory', 'shachaf-risk-isotropic', '--max-points', '0').stderr).toMatch(/--max-points: expected an integer in \[1, /);
  });
});

describe('messages', () => {
  it('reports NaN and ±Infinity from YAML as such, not as null', () => {
    const spec = (noise: string) => YAML.parse(`name: s\njob: linear-finetune\nparams:\n  problem: {d: 10, n: 5, covariance: {spectrum: {kind: isotropic}}, teachers: {kind: scaled, alpha: 1, eps: 0.1}, noise: ${noise}}\n`) as unknown;
    expect(() => expandSweep(spec('.nan'))).toThrow(/problem\.noise: expected a number in \[0, 1000\] \(got NaN\)/);
    expect(() => expandSweep(spec('.inf'))).toThrow(/problem\.noise: expected a number in \[0, 1000\] \(got Infinity\)/);
    expect(() => expandSweep(spec('-.inf'))).toThrow(/\(got -Infinity\)/);
    const list = YAML.parse('name: s\njob: tahir-transfer\nparams: {d: 10, n: 5, sigma: 0, thetas: [.nan, 1]}\n') as unknown;
    expect(() => expandSweep(list)).toThrow(/thetas\.0: expected a number in \[0, 3\.14\d*\] \(got NaN\)/);
  });

  it('answers prototype names as job types with the unknown-job-type message (engine, worker, explorer)', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => getJobType(name)).toThrow(new RegExp(`job: unknown job type "${name}"; allowed: linear-finetune, `));
      expect(() => makeJob({ type: name, params: {}, seed: 0 })).toThrow(/unknown job type/);
      const result = executeJob({ hash: '0'.repeat(64), type: name, params: {}, seed: 0 });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(new RegExp(`unknown job type "${name}"`));
      const queued = { id: 'a'.repeat(64), data: { type: name, params: {}, seed: 0, hash: 'a'.repeat(64) } } as unknown as SandboxedJob;
      await expect(processQueueJob(queued)).rejects.toThrow(new RegExp(`unknown job type "${name}"`));
      await expect(runSimulationJobs([{ type: name, params: {}, seed: 0 } as never], () => undefined, () => false, async () => undefined)).rejects.toThrow(
        new RegExp(`the explorer does not run job type "${name}"`),
      );
    }
  });

  it('states a bad anguita-diagonal λ_PT value once, and c_PT = 0 without a spurious γ_FT error', () => {
    const params = { d: 10, n: 5, cPT: 0.1, lambdaPT: 0.5 };
    expect(() => makeJob({ type: 'anguita-diagonal', params, seed: 0 })).toThrow(/lambdaPT: expected a number in \[−cPT, cPT\] = \[-0\.1, 0\.1\] \(got 0\.5\)$/);
    expect(() => makeJob({ type: 'anguita-diagonal', params: { d: 10, n: 5, stage: 'single-task', cPT: 1, rhoFT: 0 }, seed: 0 })).toThrow(/rhoFT: expected a density in \(0, 1\] \(got 0\)$/);
    let message = '';
    try {
      makeJob({ type: 'anguita-diagonal', params: { d: 10, n: 5, cPT: 0 }, seed: 0 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('anguita-diagonal parameters: cPT: expected a number in [1e-307, 1000000] (got 0)');
    expect(() => makeJob({ type: 'anguita-nonlinear', params: { n: 5 }, seed: 0 })).toThrow(/n: expected an even number \(n\/2 samples per side of the binary task\) \(got 5\)$/);
  });

  it('names the results database when SQLite cannot open it', () => {
    const dir = tmp();
    writeFileSync(join(dir, STORE_FILE), 'this is not a database, just text that is long enough to fill a page header.'.repeat(20));
    expect(() => openStore(dir)).toThrow(new RegExp(`^${join(dir, STORE_FILE).replace(/[.]/g, '\\.')}: file is not a database \\(`));
    const spec = join(dir, 'ok.yaml');
    writeFileSync(spec, YAML.stringify(smallSpec));
    const r = ftlab('run', spec, '--out', dir, '--workers', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ftlab: .*ftlab\.sqlite: file is not a database \(it is not an ftlab results database, or it is damaged: move it aside or choose another --out folder\)/);
  });
});

describe('more messages about the user\'s own input', () => {
  it('refuses prototype names in grid paths, naming the path', () => {
    for (const path of ['problem.__proto__.d', 'problem.__proto__', 'constructor.prototype', 'problem.prototype.n']) {
      expect(() => expandSweep({ ...smallSpec, grid: { [path]: [1] } })).toThrow(`sweep spec: grid.${path}: expected a parameter path without __proto__, constructor or prototype (got [1])`);
    }
    expect(() => expandSweep({ ...smallSpec, grid: { '1bad': [1] } })).toThrow('sweep spec: grid.1bad: expected a dotted parameter path like "problem.n" (got [1])');
  });

  it('shows a grid coordinate that is not finite as such (JSON 1e400 is Infinity)', () => {
    const dir = tmp();
    const spec = join(dir, 'inf.json');
    writeFileSync(spec, JSON.stringify(smallSpec).replace('"problem.n":[5,10,20]', '"problem.n":[1e400]'));
    const r = ftlab('run', spec, '--out', dir, '--workers', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/problem\.n: expected an integer in \[1, 1000000\] \(got Infinity\) at grid point 0 \{"problem\.n":Infinity,"problem\.teachers\.alpha":0\}/);
    expect(r.stderr).not.toMatch(/null/);
  });

  it('states each problem with a field once', () => {
    let message = '';
    try {
      expandSweep({ ...smallSpec, seeds: 1e16 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('sweep spec: seeds: expected an integer in [1, 1000000] (got 10000000000000000)');
  });

  it('never prints the password of a --queue URL it cannot parse', () => {
    const r = ftlab('retry', '--queue', 'redis://:hunter2@127.0.0.1:notaport');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--queue: expected a URL like redis:\/\/\[:password@\]host:port\[\/db\] \(got "redis:\/\/:\*\*\*@127\.0\.0\.1:notaport"\)/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('names the spec file it cannot read', () => {
    const dir = tmp();
    const r = ftlab('run', dir, '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ftlab: ${dir}: cannot read the sweep spec (it is a directory; expected a .json, .yaml or .yml file)\n`);
    const missing = ftlab('run', join(dir, 'nope.yaml'), '--out', join(dir, 'out'));
    expect(missing.stderr).toBe(`ftlab: ${join(dir, 'nope.yaml')}: cannot read the sweep spec (no such file)\n`);
  });

  it('names the results database when a read-only open finds it is not one (ftlab serve)', () => {
    const dir = tmp();
    writeFileSync(join(dir, STORE_FILE), 'this is not a database, just text that is long enough to fill a page header.'.repeat(20));
    expect(() => openStore(dir, { readonly: true })).toThrow(new RegExp(`^${join(dir, STORE_FILE).replace(/[.]/g, '\\.')}: file is not a database \\(`));
  });
});

describe('CLI options', () => {
  const dir = tmp();
  const spec = join(dir, 'ok.yaml');
  writeFileSync(spec, YAML.stringify(smallSpec));

  it('rejects an empty or blank --workers', () => {
    for (const value of ['', '  ']) {
      const r = ftlab('run', spec, '--out', dir, '--workers', value);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--workers: expected an integer in \\[0, 256\\] \\(got "${value}"\\)`));
    }
    expect(ftlab('reproduce', 'shachaf-linear-risk', '--out', dir, '--workers', '').status).toBe(2);
  });

  it('rejects --queue together with --workers on run and reproduce', () => {
    const r1 = ftlab('run', spec, '--out', dir, '--queue', 'redis://127.0.0.1:1', '--workers', '2');
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/--workers: not allowed with --queue/);
    const r2 = ftlab('reproduce', 'shachaf-linear-risk', '--quick', '--out', dir, '--queue', 'redis://127.0.0.1:1', '--workers', '0');
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/--workers: not allowed with --queue/);
  });

  it('a point without a successful seed is not "converged"', () => {
    const failing = join(dir, 'failing.yaml');
    mkdirSync(join(dir, 'none'), { recursive: true });
    writeFileSync(failing, YAML.stringify({ name: 'failing', job: 'anguita-nonlinear', params: { n: 2, dataDir: join(dir, 'none') }, seeds: 2 }));
    const r = ftlab('run', failing, '--out', dir, '--workers', '0');
    expect(r.status).toBe(1);
    const row = r.stdout.split('\n')[1];
    expect(row).toMatch(/^0\s+0\s+no runs$/);
    const out = JSON.parse(readFileSync(join(dir, 'failing.json'), 'utf8')) as { points: { seeds: number; converged: boolean }[] };
    expect(out.points[0]).toMatchObject({ seeds: 0, converged: false });
    expect(readFileSync(join(dir, 'failing.csv'), 'utf8').split('\n')[1]).toBe('0,0,no runs');
  });
});
