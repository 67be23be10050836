/**
 * Sweeps over a BullMQ queue on a real redis-server (Debian's, started on loopback by this test):
 * two worker processes and a coordinator give the in-process results bit for bit; a worker killed
 * mid-sweep loses and duplicates nothing; a restarted coordinator resumes and collects what finished
 * while it was away; a malformed job is rejected with a clear error and never run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Queue, Job } from 'bullmq';
import { STORE_FILE } from '../src/store/store.js';
import { CLI, hasRedis, linearSweepFile, runCli, startRedis, waitFor } from './support/processes.js';

// CI installs redis-server; there a missing server is a failure, not a skip.
const run = hasRedis || process.env.CI ? describe : describe.skip;

const port = 20000 + Math.floor(Math.random() * 20000);
const url = `redis://127.0.0.1:${port}`;
let redis: ChildProcess | undefined;
const children: ChildProcess[] = [];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ftlab-queue-'));
}

function specFile(name: string, ns: number[], seeds: number): string {
  return linearSweepFile(tmp(), name, { ns, seeds });
}

function startWorker(name: string, queueName: string): ChildProcess {
  const w = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--queue-name', queueName, '--name', name, '--lock-ms', '1500'], { stdio: 'ignore' });
  children.push(w);
  return w;
}

const cli = (args: string[]) => runCli(args, children);

function dump(dir: string): { runs: number; rows: unknown[] } {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  const runs = (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'done'").get() as { n: number }).n;
  const rows = db.prepare('SELECT hash, name, value FROM metrics ORDER BY hash, name').all();
  db.close();
  return { runs, rows };
}

function doneCount(dir: string): number {
  const path = join(dir, STORE_FILE);
  if (!existsSync(path)) return 0;
  try {
    return dump(dir).runs;
  } catch {
    return 0;
  }
}

run('BullMQ queue on a real redis-server', () => {
  beforeAll(async () => {
    redis = await startRedis(port);
  });

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    redis?.kill('SIGKILL');
  });

  it('two workers and a coordinator reproduce the in-process results bit for bit', async () => {
    const spec = specFile('two-workers', [50, 70], 6);
    startWorker('wA', 'q1');
    startWorker('wB', 'q1');
    const queued = tmp();
    const r = await cli(['run', spec, '--out', queued, '--queue', url, '--queue-name', 'q1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.done).toBe(12);
    const local = tmp();
    expect((await cli(['run', spec, '--out', local, '--workers', '2'])).code).toBe(0);
    expect(dump(queued)).toEqual(dump(local));
    // re-submitting the same sweep computes nothing twice
    const again = await cli(['run', spec, '--out', tmp(), '--queue', url, '--queue-name', 'q1', '--json']);
    expect(JSON.parse(again.stdout).summary.done).toBe(12);
    const q = new Queue('q1', { connection: { host: '127.0.0.1', port } });
    expect((await q.getJobCounts('completed')).completed).toBe(12);
    await q.close();
  });

  it('a worker killed mid-sweep loses no point and duplicates none', async () => {
    const spec = specFile('kill-worker', [55, 65, 75], 8);
    const victim = startWorker('victim', 'q2');
    startWorker('survivor', 'q2');
    const queued = tmp();
    const coordinator = cli(['run', spec, '--out', queued, '--queue', url, '--queue-name', 'q2', '--json']);
    await waitFor(() => doneCount(queued) >= 3, 60_000);
    victim.kill('SIGKILL');
    const r = await coordinator;
    expect(r.code).toBe(0);
    const local = tmp();
    expect((await cli(['run', spec, '--out', local, '--workers', '2'])).code).toBe(0);
    const a = dump(queued);
    expect(a.runs).toBe(24);
    expect(a).toEqual(dump(local));
  });

  it('a coordinator restarted mid-sweep resumes and collects what finished while it was away', async () => {
    const spec = specFile('restart', [52, 62, 72], 8);
    startWorker('w1', 'q3');
    startWorker('w2', 'q3');
    const queued = tmp();
    const first = spawn(process.execPath, [CLI, 'run', spec, '--out', queued, '--queue', url, '--queue-name', 'q3'], { stdio: 'ignore' });
    children.push(first);
    await waitFor(() => doneCount(queued) >= 2, 60_000);
    first.kill('SIGKILL');
    const before = doneCount(queued);
    // let the workers finish the rest while no coordinator is running
    const q = new Queue('q3', { connection: { host: '127.0.0.1', port } });
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 24, 60_000);
    await q.close();
    const r = await cli(['run', spec, '--out', queued, '--queue', url, '--queue-name', 'q3', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout).summary;
    expect(summary.cached).toBe(before);
    expect(summary.done).toBe(24 - before);
    expect(r.stderr).toMatch(/collected from before/);
    const local = tmp();
    expect((await cli(['run', spec, '--out', local, '--workers', '2'])).code).toBe(0);
    expect(dump(queued)).toEqual(dump(local));
  });

  it('a malformed job is rejected with a clear error, and an unknown job type is never run', async () => {
    startWorker('strict', 'q4');
    const q = new Queue('q4', { connection: { host: '127.0.0.1', port } });
    const hash = 'a'.repeat(64);
    await q.add('linear-finetune', { type: 'linear-finetune', params: { problem: { d: -3 } }, seed: 0, hash }, { jobId: hash, attempts: 3 });
    await q.add('evil', { type: 'shell', params: 'rm -rf /', seed: 0, hash: 'b'.repeat(64) }, { jobId: 'b'.repeat(64), attempts: 3 });
    await q.add('junk', { nonsense: true }, { jobId: 'c'.repeat(64) });
    await waitFor(async () => (await q.getJobCounts('failed')).failed === 3, 30_000);
    const bad = await Job.fromId(q, hash);
    expect(bad!.failedReason).toMatch(/problem\.d: expected an integer in \[1, 20000\] \(got -3\)/);
    expect(bad!.attemptsMade).toBe(1); // not retried: the error is deterministic
    expect((await Job.fromId(q, 'b'.repeat(64)))!.failedReason).toMatch(/unknown job type "shell"/);
    expect((await Job.fromId(q, 'c'.repeat(64)))!.failedReason).toMatch(/malformed job/);
    // `ftlab retry` moves failed jobs back (they fail again, with the same error)
    const retry = await cli(['retry', '--queue', url, '--queue-name', 'q4', '--json']);
    expect(JSON.parse(retry.stdout).retried).toBe(3);
    await q.close();
  });

  it('rejects a bad queue URL with the option name', async () => {
    const r = await cli(['worker', '--queue', 'http://example']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--queue: expected the redis:\/\/ or rediss:\/\/ scheme/);
  });
});
