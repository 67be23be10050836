/**
 * The experiment engine: spec validation, content hashing, determinism across worker counts, and
 * resume after a killed run (the CLI process is SIGKILLed mid-sweep and re-run).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { expandSweep } from '../src/experiments/spec.js';
import { makeJob, canonicalJson } from '../src/experiments/job.js';
import { runJobs } from '../src/experiments/runner.js';
import { InlineExecutor, ThreadPoolExecutor } from '../src/experiments/pool.js';
import { openStore, STORE_FILE } from '../src/store/store.js';
import { ValidationError } from '../src/validation.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ftlab-test-'));
}

const problem = {
  d: 40,
  n: 15,
  covariance: { spectrum: { kind: 'powerLaw', exponent: 1 }, basis: 'identity' },
  teachers: { kind: 'scaled', alpha: 1, eps: 0.5 },
  noise: 0.1,
};

const smallSpec = {
  name: 'small',
  job: 'linear-finetune',
  params: { problem, training: { solver: 'gd', tol: 1e-10 } },
  grid: { 'problem.n': [5, 15, 30], 'problem.teachers.alpha': [0, 1] },
  seeds: 3,
};

describe('sweep specs', () => {
  it('expands grid × seeds into validated jobs with stable content hashes', () => {
    const sweep = expandSweep(smallSpec);
    expect(sweep.points).toHaveLength(6);
    expect(sweep.jobs.flat()).toHaveLength(18);
    const again = expandSweep(structuredClone(smallSpec));
    expect(again.jobs.flat().map((j) => j.hash)).toEqual(sweep.jobs.flat().map((j) => j.hash));
    expect(new Set(sweep.jobs.flat().map((j) => j.hash)).size).toBe(18);
  });

  it('hashes parameters canonically: key order and spelled-out defaults do not matter', () => {
    const a = makeJob({ type: 'linear-finetune', params: { problem }, seed: 1 });
    const reordered = { problem: { noise: 0.1, teachers: problem.teachers, covariance: problem.covariance, n: 15, d: 40, instanceSeed: 0 } };
    const b = makeJob({ type: 'linear-finetune', params: reordered, seed: 1 });
    expect(b.hash).toBe(a.hash);
    expect(makeJob({ type: 'linear-finetune', params: { problem }, seed: 2 }).hash).not.toBe(a.hash);
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('rejects bad input with the field, the value and the allowed range', () => {
    const bad = structuredClone(smallSpec) as typeof smallSpec & { grid: Record<string, unknown[]> };
    bad.grid = { 'problem.n': [0] };
    expect(() => expandSweep(bad)).toThrow(/problem\.n: expected an integer in \[1, 1000000\] \(got 0\)/);
    expect(() => expandSweep({ ...smallSpec, seeds: -2 })).toThrow(ValidationError);
    expect(() => expandSweep({ ...smallSpec, seeds: -2 })).toThrow(/seeds: expected an integer in \[1, 1000000\] \(got -2\)/);
    expect(() => expandSweep({ ...smallSpec, job: 'nope' })).toThrow(/unknown job type "nope"/);
    expect(() => expandSweep({ ...smallSpec, extra: 1 })).toThrow(/unknown field\(s\) "extra"/);
    const badSpectrum = { ...smallSpec, grid: {}, params: { problem: { ...problem, covariance: { spectrum: { kind: 'powerLaw', exponent: -1 } } } } };
    expect(() => expandSweep(badSpectrum)).toThrow(/problem\.covariance\.spectrum\.exponent: expected a number in \[0, 10\] \(got -1\)/);
    const badRank = { ...smallSpec, grid: {}, params: { problem: { ...problem, covariance: { spectrum: { kind: 'lowRank', rank: 50, scale: 1 } } } } };
    expect(() => expandSweep(badRank)).toThrow(/problem\.covariance\.spectrum\.rank: expected an integer in \[1, d = 40\]/);
  });
});

describe('running sweeps', () => {
  it('gives bit-identical results inline, with 1 worker and with 2 workers', async () => {
    const jobs = expandSweep(smallSpec).jobs.flat();
    const results: Record<string, number>[][] = [];
    for (const executor of [new InlineExecutor(), new ThreadPoolExecutor(1), new ThreadPoolExecutor(2)]) {
      const store = openStore(tmp());
      const summary = await runJobs(jobs, store, executor);
      await executor.close();
      expect(summary.done).toBe(jobs.length);
      expect(summary.failed).toBe(0);
      results.push(jobs.map((j) => store.get(j.hash)!.metrics));
      store.close();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    for (const m of results[0]) {
      expect(m['fineTune.converged']).toBe(1);
      expect(m['fineTune.distanceToClosedForm']).toBeLessThan(1e-7);
    }
  });

  it('re-running computes only what is missing and never overwrites a stored result', async () => {
    const dir = tmp();
    const jobs = expandSweep(smallSpec).jobs.flat();
    const store = openStore(dir);
    const first = await runJobs(jobs.slice(0, 7), store, new InlineExecutor());
    expect(first.done).toBe(7);
    const before = store.get(jobs[0].hash);
    const second = await runJobs(jobs, store, new InlineExecutor());
    expect(second.cached).toBe(7);
    expect(second.done).toBe(jobs.length - 7);
    expect(store.get(jobs[0].hash)).toEqual(before);
    expect(store.counts().done).toBe(jobs.length);
    store.close();
  });

  it('records a failing job with its error instead of storing a NaN', async () => {
    const store = openStore(tmp());
    const job = makeJob({ type: 'linear-finetune', params: { problem, training: { solver: 'gd', lr: 1e4 } }, seed: 0 });
    const summary = await runJobs([job], store, new InlineExecutor());
    // a divergent step is stopped and reported as not converged; the risk may be huge but is finite or the job fails
    const run = store.get(job.hash)!;
    if (run.status === 'done') {
      expect(run.converged).toBe(false);
      for (const v of Object.values(run.metrics)) expect(Number.isFinite(v)).toBe(true);
    } else {
      expect(summary.failed).toBe(1);
      expect(run.error).toMatch(/not finite/);
    }
    store.close();
  });
});

describe('resume after kill', () => {
  it('a sweep killed halfway resumes without losing or duplicating a point, and matches an uninterrupted run', async () => {
    expect(existsSync(CLI)).toBe(true);
    const spec = {
      name: 'killme',
      job: 'linear-finetune',
      // Jobs heavy enough (~0.15 s each) that the kill lands mid-sweep even when the poll below is slowed by load.
      params: { problem: { ...problem, d: 200, covariance: { spectrum: { kind: 'isotropic' } } }, training: { solver: 'gd', tol: 1e-12 } },
      grid: { 'problem.n': [120, 140] },
      seeds: 20,
    };
    const specDir = tmp();
    const specPath = join(specDir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const total = 40;

    const killed = tmp();
    const child = spawn(process.execPath, [CLI, 'run', specPath, '--out', killed, '--workers', '1'], { stdio: 'ignore' });
    const dbPath = join(killed, STORE_FILE);
    const countDone = () => {
      if (!existsSync(dbPath)) return 0;
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        try {
          return (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'done'").get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while (countDone() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const partial = countDone();
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(total); // it really was killed halfway

    const resumed = spawnSync(process.execPath, [CLI, 'run', specPath, '--out', killed, '--workers', '2', '--json'], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    const summary = JSON.parse(resumed.stdout).summary;
    expect(summary.cached).toBe(partial);
    expect(summary.done).toBe(total - partial);

    const clean = tmp();
    expect(spawnSync(process.execPath, [CLI, 'run', specPath, '--out', clean, '--workers', '2', '--json'], { encoding: 'utf8' }).status).toBe(0);

    const dump = (dir: string) => {
      const db = new Database(join(dir, STORE_FILE), { readonly: true });
      const runs = db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'done'").get() as { n: number };
      const rows = db.prepare('SELECT hash, name, value FROM metrics ORDER BY hash, name').all();
      db.close();
      return { runs: runs.n, rows };
    };
    const a = dump(killed);
    const b = dump(clean);
    expect(a.runs).toBe(total);
    expect(b.runs).toBe(total);
    expect(a.rows).toEqual(b.rows);
  });
});
