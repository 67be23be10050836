/**
 * The built CLI under signals and beside other processes: Ctrl-C (SIGINT) or SIGTERM during `run` or
 * `reproduce` stores what finished, says how much is stored and how to resume, restores the terminal's
 * cursor and exits 130 (143); a second Ctrl-C exits at once; two processes on one output folder share
 * the jobs through leases in the store instead of both computing everything, and a dead process's
 * leases are taken over once they expire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE, openStore } from '../src/store/store.js';
import { runJobs } from '../src/experiments/runner.js';
import { InlineExecutor, ThreadPoolExecutor } from '../src/experiments/pool.js';
import { expandSweep, readSweepSpec } from '../src/experiments/spec.js';
import { CLI, hasRedis, linearSweepFile, startRedis, waitFor } from './support/processes.js';

const children: ChildProcess[] = [];
// CI installs redis-server; there a missing server is a failure, not a skip.
const withRedis = hasRedis || process.env.CI ? describe : describe.skip;

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ftlab-signals-'));
}

/** A linear-finetune sweep solved by GD: d = 100 takes some 40 ms a job, d = 600 about a second, d = 800 a few. */
function specFile(name: string, d: number, ns: number[], seeds: number): string {
  return linearSweepFile(tmp(), name, { d, ns, seeds });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; exit: Promise<Exit>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args]);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exit, stderr: () => stderr };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Jobs stored as done in the folder's store (0 while it does not exist yet). */
function storedDone(outDir: string): number {
  const path = join(outDir, STORE_FILE);
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'done'").get() as { n: number }).n;
  } catch {
    return 0; // schema not created yet
  } finally {
    db.close();
  }
}

function integrity(outDir: string): string {
  const db = new Database(join(outDir, STORE_FILE), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

function leaseCount(outDir: string): number {
  const db = new Database(join(outDir, STORE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM leases').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const INTERRUPTED = /interrupted: (\d+) of (\d+) jobs stored in (\S+) \((\d+) from before[^)]*\); resume with: ftlab (.+)\n/;

describe('signals', () => {
  it('Ctrl-C during `run` stores what finished, prints how to resume, exits 130; the resume command computes only the rest', async () => {
    const spec = specFile('sigint', 100, [30, 40, 50, 60, 130], 8);
    const out = tmp();
    // part of the sweep is stored before this run
    const pre = start(['run', specFile('sigint', 100, [30], 8), '--out', out, '--workers', '0']);
    expect((await pre.exit).code).toBe(0);
    const p = start(['run', spec, '--out', out, '--workers', '1']);
    await waitFor(() => storedDone(out) >= 12, 30_000, 'some jobs to be stored');
    p.child.kill('SIGINT');
    const r = await p.exit;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    const m = INTERRUPTED.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const stored = Number(m![1]);
    expect(Number(m![2])).toBe(40);
    expect(m![3]).toBe(join(out, STORE_FILE));
    expect(Number(m![4])).toBe(8);
    expect(stored).toBe(storedDone(out));
    expect(stored).toBeGreaterThanOrEqual(12);
    expect(stored).toBeLessThan(40);
    expect(m![5]).toBe(`run ${spec} --out ${out} --workers 1`);
    expect(integrity(out)).toBe('ok');
    expect(leaseCount(out)).toBe(0);
    // the printed command resumes: it computes exactly the missing jobs
    const again = start(m![5].split(' '));
    const a = await again.exit;
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`${40 - stored} computed, ${stored} from the store, 0 failed`);
    expect(storedDone(out)).toBe(40);
  });

  it('SIGTERM during `reproduce` exits 143 with the resume command', async () => {
    const out = tmp();
    const p = start(['reproduce', 'shachaf-linear-risk', '--quick', '--seeds', '40', '--out', out, '--workers', '1', '--no-png']);
    await waitFor(() => storedDone(out) >= 3, 60_000, 'some jobs to be stored');
    p.child.kill('SIGTERM');
    const r = await p.exit;
    expect(r.code).toBe(143);
    const m = INTERRUPTED.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBe(storedDone(out));
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
    expect(m![5]).toBe(`reproduce shachaf-linear-risk --quick --seeds 40 --out ${out} --workers 1 --no-png`);
    expect(r.stdout).not.toMatch(/wrote /); // no figure from a partial sweep
    expect(integrity(out)).toBe('ok');
  });

  it('a second Ctrl-C exits at once, without waiting for the running job', async () => {
    const spec = specFile('twice', 800, [400], 4);
    const out = tmp();
    const p = start(['run', spec, '--out', out, '--workers', '1']);
    await waitFor(() => existsSync(join(out, STORE_FILE)), 30_000, 'the store');
    await sleep(300);
    p.child.kill('SIGINT');
    await waitFor(() => /Ctrl-C again/.test(p.stderr()), 10_000, 'the stopping notice');
    const t = Date.now();
    p.child.kill('SIGINT');
    const r = await p.exit;
    expect(r.code).toBe(130);
    expect(Date.now() - t).toBeLessThan(1000); // a job here takes seconds
    expect(integrity(out)).toBe('ok');
  });

  it('restores the hidden cursor on a terminal after one or two Ctrl-C', async () => {
    const spec = specFile('tty', 600, [300], 4);
    for (const signals of [1, 2]) {
      const out = tmp();
      const kills = Array.from({ length: signals }, () => 'kill -INT $pid; sleep 0.2;').join(' ');
      const inner = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run ${spec} --out ${out} --workers 1 & pid=$!; ` +
        `while [ ! -f ${out}/${STORE_FILE} ]; do sleep 0.05; done; sleep 0.4; ${kills} wait $pid; echo "exit=$?"`;
      const p = spawn('script', ['-qec', inner, '/dev/null']);
      children.push(p);
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      await new Promise((r) => p.on('exit', r));
      expect(text).toContain('exit=130');
      const hidden = text.indexOf('\x1b[?25l');
      expect(hidden, text).toBeGreaterThanOrEqual(0);
      expect(text.indexOf('\x1b[?25h', hidden), text).toBeGreaterThan(hidden);
    }
  });
});

describe('the runner', () => {
  it('stops dispatching when its signal aborts, and reports the run as interrupted', async () => {
    const jobs = expandSweep(readSweepSpec(specFile('abort', 100, [30, 40], 4))).jobs.flat();
    for (const executor of [new InlineExecutor(), new ThreadPoolExecutor(1)]) {
      const out = tmp();
      const store = openStore(out);
      const controller = new AbortController();
      const summary = await runJobs(jobs, store, executor, (p) => p.done === 3 && controller.abort(), { signal: controller.signal });
      await executor.close();
      expect(summary.interrupted).toBe(true);
      expect(summary.done).toBe(3);
      expect(store.counts().done).toBe(3);
      store.close();
      expect(leaseCount(out)).toBe(0);
    }
  });

  it('two runners on one store split the jobs between them', async () => {
    const jobs = expandSweep(readSweepSpec(specFile('split', 100, [30, 40], 4))).jobs.flat();
    const out = tmp();
    const stores = [openStore(out), openStore(out)];
    const [a, b] = await Promise.all(stores.map((s) => runJobs(jobs, s, new InlineExecutor(), undefined, { pollMs: 20 })));
    expect(a.done + b.done).toBe(8);
    expect(a.done).toBeGreaterThan(0);
    expect(b.done).toBeGreaterThan(0);
    for (const x of [a, b]) expect(x.done + x.byOthers + x.cached).toBe(8);
    expect(stores[0].counts().done).toBe(8);
    expect(a.interrupted || b.interrupted).toBe(false);
    for (const s of stores) s.close();
  });
});

describe('processes sharing an output folder', () => {
  it('two `run`s on one folder compute each job once between them, and both print complete tables', async () => {
    const spec = specFile('shared', 100, [30, 40, 50, 60, 130, 150, 170, 200], 10);
    const out = tmp();
    const a = start(['run', spec, '--out', out, '--workers', '1', '--json']);
    const b = start(['run', spec, '--out', out, '--workers', '1', '--json']);
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    type Out = { points: { seeds: number }[]; summary: { total: number; done: number; cached: number; byOthers: number; failed: number } };
    const oa = JSON.parse(ra.stdout) as Out;
    const ob = JSON.parse(rb.stdout) as Out;
    for (const o of [oa, ob]) {
      expect(o.summary.total).toBe(80);
      expect(o.summary.failed).toBe(0);
      expect(o.summary.done + o.summary.cached + o.summary.byOthers).toBe(80);
      expect(o.points.map((p) => p.seeds)).toEqual(Array(8).fill(10));
    }
    expect(oa.summary.done + ob.summary.done).toBe(80); // each job computed exactly once
    expect(oa.summary.done).toBeGreaterThan(0); // and the work was split
    expect(ob.summary.done).toBeGreaterThan(0);
    expect(storedDone(out)).toBe(80);
    expect(leaseCount(out)).toBe(0);
    expect(integrity(out)).toBe('ok');
  });

  it("takes over a dead process's leases: expired ones at once, live ones when they expire", async () => {
    const spec = specFile('stale', 100, [40, 60], 4);
    const out = tmp();
    const hashes = expandSweep(readSweepSpec(spec)).jobs.flat().map((j) => j.hash);
    const db = new Database(join(out, STORE_FILE));
    db.exec('CREATE TABLE IF NOT EXISTS leases (hash TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID');
    const now = Date.now();
    const liveUntil = now + 2000;
    const ins = db.prepare('INSERT INTO leases (hash, owner, expires_at) VALUES (?, ?, ?)');
    hashes.forEach((h, i) => ins.run(h, 'dead-host:1:gone', i < 4 ? now - 60_000 : liveUntil));
    db.close();
    const r = await start(['run', spec, '--out', out, '--workers', '1', '--json']).exit;
    expect(r.code, r.stderr).toBe(0);
    const summary = (JSON.parse(r.stdout) as { summary: { done: number; byOthers: number } }).summary;
    expect(summary.done).toBe(8);
    expect(summary.byOthers).toBe(0);
    const check = new Database(join(out, STORE_FILE), { readonly: true });
    const finished = new Map((check.prepare('SELECT hash, finished_at FROM runs').all() as { hash: string; finished_at: string }[]).map((x) => [x.hash, Date.parse(x.finished_at)]));
    check.close();
    // the expired leases were taken over at once, the live ones only after they expired
    const expiredDone = hashes.slice(0, 4).map((h) => finished.get(h)!);
    const liveDone = hashes.slice(4).map((h) => finished.get(h)!);
    expect(Math.max(...expiredDone)).toBeLessThan(Math.min(...liveDone));
    expect(Math.min(...liveDone)).toBeGreaterThanOrEqual(liveUntil);
    expect(leaseCount(out)).toBe(0);
  });

  it('takes over at once the live leases of a process of this machine that no longer exists', async () => {
    const spec = specFile('killed', 100, [40, 60], 2);
    const out = tmp();
    const hashes = expandSweep(readSweepSpec(spec)).jobs.flat().map((j) => j.hash);
    const gone = spawnSync('true');
    expect(gone.pid).toBeGreaterThan(0);
    const db = new Database(join(out, STORE_FILE));
    db.exec('CREATE TABLE IF NOT EXISTS leases (hash TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID');
    const ins = db.prepare('INSERT INTO leases (hash, owner, expires_at) VALUES (?, ?, ?)');
    for (const h of hashes) ins.run(h, `${hostname()}:${gone.pid}:killed`, Date.now() + 600_000);
    db.close();
    const t = Date.now();
    const r = await start(['run', spec, '--out', out, '--workers', '1', '--json']).exit;
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { summary: { done: number } }).summary.done).toBe(4);
    expect(Date.now() - t).toBeLessThan(30_000); // not the ten minutes the leases had left
    expect(leaseCount(out)).toBe(0);
  });
});

withRedis('signals with a queue', () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `redis://127.0.0.1:${port}`;
  beforeAll(async () => {
    children.push(await startRedis(port));
  });

  it('Ctrl-C stops a queued run with the resume command, and resuming collects the rest', async () => {
    const spec = specFile('queued', 100, [30, 40, 50, 60], 6);
    const out = tmp();
    children.push(spawn(process.execPath, [CLI, 'worker', '--queue', url, '--queue-name', 'sig'], { stdio: 'ignore' }));
    const p = start(['run', spec, '--out', out, '--queue', url, '--queue-name', 'sig']);
    await waitFor(() => storedDone(out) >= 2, 30_000, 'some jobs to be stored');
    p.child.kill('SIGINT');
    const r = await p.exit;
    expect(r.code).toBe(130);
    const m = INTERRUPTED.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBe(storedDone(out));
    expect(m![5]).toBe(`run ${spec} --out ${out} --queue ${url} --queue-name sig`);
    expect(integrity(out)).toBe('ok');
    const a = await start(m![5].split(' ')).exit;
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(`${24 - Number(m![1])} computed, ${m![1]} from the store, 0 failed`);
  });
});
